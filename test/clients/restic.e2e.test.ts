// restic from Debian keeps a backup repository in a connector bucket, over plain HTTP and over TLS
// with the test certificate given by --cacert. The repository URL names the gateway's address,
// and the key comes from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, so restic never looks for
// credentials elsewhere. restic 0.14 uploads each pack file with one PutObject (checked with
// 20 MiB packs), so this file has no multipart step.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { describeResult } from "../support/aws-clients.ts";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { startGatewayOver, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { listFiles, sha256Hex, sha256OfFile, writeTree } from "../support/test-files.ts";

const resticPath = process.env.S3GW_TEST_RESTIC ?? "/usr/bin/restic";

const TREE: Record<string, string | Uint8Array> = {
  "readme.txt": "Backup source for the restic test.\n",
  "config/settings.json": JSON.stringify({ retention: 7, compress: true }),
  "data/blob.bin": randomBytes(512 * 1024),
  "data/empty.txt": "",
};

interface Snapshot {
  id: string;
  short_id: string;
  paths: string[];
}

/** Returns the `snapshot_id` of the summary line that `restic backup --json` prints last. */
function snapshotIdOf(stdout: string): string {
  const summary = stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { message_type: string; snapshot_id?: string })
    .find((message) => message.message_type === "summary");
  if (summary?.snapshot_id === undefined) throw new Error(`restic backup printed no summary: ${stdout}`);
  return summary.snapshot_id;
}

describe.each(transports)("restic over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let firstSnapshot: string;

  /** Runs `restic -r s3:<gateway>/azure/restic-repo ARGS` with the key and password file. */
  const restic = (args: string[], secret = target.credential.secret_access_key) => {
    const trust = target.caFile === undefined ? [] : ["--cacert", target.caFile];
    return workspace.run([resticPath, "-r", `s3:${target.endpoint}/azure/restic-repo`, "-o", "s3.region=us-east-1", ...trust, ...args], {
      env: {
        AWS_ACCESS_KEY_ID: target.credential.access_key_id,
        AWS_SECRET_ACCESS_KEY: secret,
        RESTIC_PASSWORD_FILE: workspace.path("password.txt"),
        RESTIC_CACHE_DIR: workspace.path("restic-cache"),
      },
    });
  };

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    writeFileSync(workspace.path("password.txt"), "repository password for the test\n", { mode: 0o600 });
    writeTree(workspace.path("tree"), TREE);
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("init creates the repository", async () => {
    const result = await restic(["init"]);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(result.stdout).toContain("created restic repository");

    const listing = await target.inspector.send(new ListObjectsV2Command({ Bucket: "azure", Prefix: "restic-repo/", Delimiter: "/" }));
    expect(listing.Contents?.map((item) => item.Key)).toEqual(["restic-repo/config"]);
    expect(listing.CommonPrefixes?.map((prefix) => prefix.Prefix)).toContain("restic-repo/keys/");
  }, 60_000);

  test("backup and snapshots", async () => {
    const backup = await restic(["backup", "tree", "--json"]);
    expect(backup.exitCode, describeResult(backup)).toBe(0);
    firstSnapshot = snapshotIdOf(backup.stdout);

    const snapshots = await restic(["snapshots", "--json"]);
    expect(snapshots.exitCode, describeResult(snapshots)).toBe(0);
    const list = JSON.parse(snapshots.stdout) as Snapshot[];
    expect(list.map((snapshot) => snapshot.short_id)).toEqual([firstSnapshot]);
    expect(list[0]?.paths).toEqual([workspace.path("tree")]);
  }, 60_000);

  test("restore returns identical files", async () => {
    const result = await restic(["restore", firstSnapshot, "--target", "restored"]);
    expect(result.exitCode, describeResult(result)).toBe(0);

    // restic 0.14 restores a snapshot of one folder as that folder, by name, under the target.
    const restoredTree = workspace.path("restored", "tree");
    expect(listFiles(restoredTree)).toEqual(Object.keys(TREE).sort());
    for (const [path, content] of Object.entries(TREE)) {
      expect(await sha256OfFile(join(restoredTree, path)), path).toBe(sha256Hex(content));
    }
  }, 60_000);

  test("forget --prune then check", async () => {
    writeFileSync(workspace.path("tree", "readme.txt"), "Changed for the second snapshot.\n");
    const second = await restic(["backup", "tree", "--json"]);
    expect(second.exitCode, describeResult(second)).toBe(0);
    const secondSnapshot = snapshotIdOf(second.stdout);

    const forget = await restic(["forget", firstSnapshot, "--prune"]);
    expect(forget.exitCode, describeResult(forget)).toBe(0);

    const snapshots = await restic(["snapshots", "--json"]);
    expect(snapshots.exitCode, describeResult(snapshots)).toBe(0);
    expect((JSON.parse(snapshots.stdout) as Snapshot[]).map((snapshot) => snapshot.short_id)).toEqual([secondSnapshot]);

    const check = await restic(["check", "--read-data"]);
    expect(check.exitCode, describeResult(check)).toBe(0);
    expect(check.stdout).toContain("no errors were found");
  }, 90_000);

  test("wrong secret fails", async () => {
    const result = await restic(["snapshots"], "x".repeat(40));
    expect(result.exitCode).not.toBe(0);
    // restic reports the 403 of its HeadObject request, whose response has no body to name the error.
    expect(result.stderr).toContain("Access Denied");
  }, 30_000);
});
