// s3cmd from Debian against the gateway, over plain HTTP and over TLS with the test certificate
// given by --ca-certs. The configuration file points host_base and host_bucket at the gateway's
// own address, so s3cmd sends path-style requests there and nowhere else.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { describeResult } from "../support/aws-clients.ts";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { defaultConnectors, startGatewayOver, storedObject, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { MIB, sha256Hex, sha256OfFile, writeRandomFile, writeTree } from "../support/test-files.ts";

const s3cmdPath = process.env.S3GW_TEST_S3CMD ?? "/usr/bin/s3cmd";

/** Larger than s3cmd's default 15 MiB multipart chunk, so `put` sends 2 parts. */
const BIG_FILE_SIZE = 17 * MIB + 4321;
const SMALL_CONTENT = "small object written by s3cmd\n";

const SYNC_TREE: Record<string, string> = {
  "readme.txt": "Sync source for the s3cmd test.\n",
  "reports/2024 summary.csv": "quarter,total\nQ1,42\n",
  "reports/q1+q2.csv": "half,total\nH1,84\n",
};

/** Writes an s3cmd configuration file for the gateway and returns its path. */
function writeConfig(workspace: ClientWorkspace, target: GatewayOverTransport, name: string, secret: string): string {
  const path = workspace.path(`${name}.s3cfg`);
  const lines = [
    "[default]",
    `access_key = ${target.credential.access_key_id}`,
    `secret_key = ${secret}`,
    `host_base = ${target.hostPort}`,
    // The same host for buckets makes s3cmd put the bucket in the path instead of the host name.
    `host_bucket = ${target.hostPort}`,
    `use_https = ${target.transport === "https" ? "True" : "False"}`,
    "signature_v2 = False",
    "bucket_location = us-east-1",
    "check_ssl_certificate = True",
    "check_ssl_hostname = True",
    "progress_meter = False",
  ];
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** Parses `s3cmd ls` lines into the `s3://` URLs they name. */
function listedUrls(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((line) => /\s(s3:\/\/.+)$/.exec(line)?.[1])
    .filter((url): url is string => url !== undefined);
}

/** Parses `s3cmd ls` object lines (`DATE TIME SIZE URL`) into a URL-to-size map. */
function listedSizes(stdout: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const line of stdout.split("\n")) {
    const match = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s+(\d+)\s+(s3:\/\/.+)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) sizes[match[2]] = Number(match[1]);
  }
  return sizes;
}

describe.each(transports)("s3cmd over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let config: string;
  let bigHash: string;

  const s3cmd = (args: string[], configFile = config) => {
    const trust = target.caFile === undefined ? [] : [`--ca-certs=${target.caFile}`];
    return workspace.run([s3cmdPath, "-c", configFile, ...trust, ...args]);
  };

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    config = writeConfig(workspace, target, "gateway", target.credential.secret_access_key);
    bigHash = writeRandomFile(workspace.path("big.bin"), BIG_FILE_SIZE);
    writeFileSync(workspace.path("small.txt"), SMALL_CONTENT);
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("ls lists the connectors", async () => {
    const result = await s3cmd(["ls"]);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(listedUrls(result.stdout)).toEqual(defaultConnectors.map((bucket) => `s3://${bucket}`));
  }, 30_000);

  test("put uploads a small and a multipart file", async () => {
    const small = await s3cmd(["put", "small.txt", "s3://azure/s3cmd/notes/small.txt"]);
    expect(small.exitCode, describeResult(small)).toBe(0);

    const big = await s3cmd(["put", "big.bin", "s3://azure/s3cmd/big.bin"]);
    expect(big.exitCode, describeResult(big)).toBe(0);

    const stored = await storedObject(target, "azure", "s3cmd/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-2"$/);
  }, 60_000);

  test("ls lists by prefix", async () => {
    const shallow = await s3cmd(["ls", "s3://azure/s3cmd/"]);
    expect(shallow.exitCode, describeResult(shallow)).toBe(0);
    expect(listedUrls(shallow.stdout)).toEqual(["s3://azure/s3cmd/notes/", "s3://azure/s3cmd/big.bin"]);

    const recursive = await s3cmd(["ls", "--recursive", "s3://azure/s3cmd/"]);
    expect(recursive.exitCode, describeResult(recursive)).toBe(0);
    expect(listedSizes(recursive.stdout)).toEqual({
      "s3://azure/s3cmd/big.bin": BIG_FILE_SIZE,
      "s3://azure/s3cmd/notes/small.txt": SMALL_CONTENT.length,
    });
  }, 30_000);

  test("get downloads identical bytes", async () => {
    const big = await s3cmd(["get", "s3://azure/s3cmd/big.bin", "down/big.bin"]);
    expect(big.exitCode, describeResult(big)).toBe(0);
    expect(await sha256OfFile(workspace.path("down", "big.bin"))).toBe(bigHash);

    const small = await s3cmd(["get", "s3://azure/s3cmd/notes/small.txt", "down/small.txt"]);
    expect(small.exitCode, describeResult(small)).toBe(0);
    expect(await sha256OfFile(workspace.path("down", "small.txt"))).toBe(sha256Hex(SMALL_CONTENT));
  }, 60_000);

  test("cp copies and del deletes", async () => {
    const copy = await s3cmd(["cp", "s3://azure/s3cmd/notes/small.txt", "s3://vmware/s3cmd-copy/small.txt"]);
    expect(copy.exitCode, describeResult(copy)).toBe(0);

    const remove = await s3cmd(["del", "s3://azure/s3cmd/notes/small.txt"]);
    expect(remove.exitCode, describeResult(remove)).toBe(0);

    const azure = await s3cmd(["ls", "--recursive", "s3://azure/s3cmd/"]);
    expect(azure.exitCode, describeResult(azure)).toBe(0);
    expect(Object.keys(listedSizes(azure.stdout))).toEqual(["s3://azure/s3cmd/big.bin"]);

    const copied = await s3cmd(["get", "s3://vmware/s3cmd-copy/small.txt", "down/copied.txt"]);
    expect(copied.exitCode, describeResult(copied)).toBe(0);
    expect(await sha256OfFile(workspace.path("down", "copied.txt"))).toBe(sha256Hex(SMALL_CONTENT));
  }, 30_000);

  test("sync uploads only changes", async () => {
    writeTree(workspace.path("tree"), SYNC_TREE);
    const first = await s3cmd(["sync", "tree/", "s3://sentinelone/s3cmd-sync/"]);
    expect(first.exitCode, describeResult(first)).toBe(0);
    expect(first.stdout.match(/^upload: /gm)).toHaveLength(Object.keys(SYNC_TREE).length);
    const listing = await s3cmd(["ls", "--recursive", "s3://sentinelone/s3cmd-sync/"]);
    expect(listing.exitCode, describeResult(listing)).toBe(0);
    expect(listedSizes(listing.stdout)).toEqual(
      Object.fromEntries(Object.entries(SYNC_TREE).map(([path, content]) => [`s3://sentinelone/s3cmd-sync/${path}`, content.length])),
    );

    // A second sync compares sizes and MD5 sums with the stored ETags and finds nothing to send.
    const second = await s3cmd(["sync", "tree/", "s3://sentinelone/s3cmd-sync/"]);
    expect(second.exitCode, describeResult(second)).toBe(0);
    expect(second.stdout).not.toMatch(/^upload: /m);
  }, 30_000);

  test("wrong secret fails with SignatureDoesNotMatch", async () => {
    const wrongConfig = writeConfig(workspace, target, "wrong-secret", "x".repeat(40));
    const result = await s3cmd(["ls", "s3://azure/"], wrongConfig);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("SignatureDoesNotMatch");
  }, 30_000);
});
