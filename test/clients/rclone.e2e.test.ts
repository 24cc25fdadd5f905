// rclone from Debian against the gateway, over plain HTTP and over TLS with the test certificate
// given by --ca-cert. The remote "gw" exists only in environment variables that point at the
// gateway, and RCLONE_CONFIG names an empty file, so rclone reads no other configuration.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { describeResult } from "../support/aws-clients.ts";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { defaultConnectors, startGatewayOver, storedObject, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { MIB, listFiles, sha256Hex, sha256OfFile, writeRandomFile, writeTree } from "../support/test-files.ts";

const rclonePath = process.env.S3GW_TEST_RCLONE ?? "/usr/bin/rclone";

/**
 * rclone uploads files above --s3-upload-cutoff (default 200 MiB) in parts of --s3-chunk-size.
 * With both at 8 MiB, the test file goes up as 3 parts.
 */
const MULTIPART_FLAGS = ["--s3-upload-cutoff", "8M", "--s3-chunk-size", "8M"];
const BIG_FILE_SIZE = 17 * MIB + 4321;

const NOTES_CONTENT = "small object written by rclone\n";
const SMALL_TREE: Record<string, string> = {
  "notes.txt": NOTES_CONTENT,
  "logs/2024/app.log": "line one\nline two\n".repeat(200),
  "logs/2025/app.log": "another year\n",
};

/** Parses `rclone ls` lines (`SIZE PATH`) into a path-to-size map. */
function listedSizes(stdout: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const match = /^\s*(\d+) (.+)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`unexpected "rclone ls" line: ${JSON.stringify(line)}`);
    sizes[match[2]] = Number(match[1]);
  }
  return sizes;
}

describe.each(transports)("rclone over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let bigHash: string;

  /** Runs `rclone ARGS` with the "gw" remote, the path-style flag and, over TLS, the CA file. */
  const rclone = (args: string[], secret = target.credential.secret_access_key) => {
    const trust = target.caFile === undefined ? [] : ["--ca-cert", target.caFile];
    return workspace.run([rclonePath, ...args, "--s3-force-path-style", "--retries", "1", "--low-level-retries", "1", ...trust], {
      env: {
        RCLONE_CONFIG: workspace.path("rclone.conf"),
        RCLONE_CONFIG_GW_TYPE: "s3",
        RCLONE_CONFIG_GW_PROVIDER: "Other",
        RCLONE_CONFIG_GW_ENDPOINT: target.endpoint,
        RCLONE_CONFIG_GW_ACCESS_KEY_ID: target.credential.access_key_id,
        RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: secret,
        RCLONE_CONFIG_GW_REGION: "us-east-1",
      },
    });
  };

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    await Bun.write(workspace.path("rclone.conf"), "");
    writeTree(workspace.path("tree"), SMALL_TREE);
    bigHash = writeRandomFile(workspace.path("tree", "big.bin"), BIG_FILE_SIZE);
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("lsjson lists the connectors", async () => {
    const result = await rclone(["lsjson", "gw:"]);
    expect(result.exitCode, describeResult(result)).toBe(0);
    const entries = JSON.parse(result.stdout) as { Name: string; IsDir: boolean }[];
    expect(entries.map((entry) => entry.Name)).toEqual(defaultConnectors);
    expect(entries.every((entry) => entry.IsDir)).toBe(true);
  }, 30_000);

  test("copy uploads a tree with a multipart file", async () => {
    const result = await rclone(["copy", "tree", "gw:azure/rclone", ...MULTIPART_FLAGS]);
    expect(result.exitCode, describeResult(result)).toBe(0);

    const stored = await storedObject(target, "azure", "rclone/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-3"$/);
  }, 60_000);

  test("ls and lsf list by prefix", async () => {
    const recursive = await rclone(["ls", "gw:azure/rclone"]);
    expect(recursive.exitCode, describeResult(recursive)).toBe(0);
    const expectedSizes = Object.fromEntries(Object.entries(SMALL_TREE).map(([path, content]) => [path, content.length]));
    expect(listedSizes(recursive.stdout)).toEqual({ ...expectedSizes, "big.bin": BIG_FILE_SIZE });

    const shallow = await rclone(["lsf", "gw:azure/rclone/logs"]);
    expect(shallow.exitCode, describeResult(shallow)).toBe(0);
    expect(shallow.stdout.split("\n").filter((line) => line !== "")).toEqual(["2024/", "2025/"]);
  }, 30_000);

  test("check and download match", async () => {
    // rclone check compares sizes and MD5 sums, which rclone keeps in metadata for multipart objects.
    const check = await rclone(["check", "tree", "gw:azure/rclone"]);
    expect(check.exitCode, describeResult(check)).toBe(0);

    const download = await rclone(["copy", "gw:azure/rclone", "down"]);
    expect(download.exitCode, describeResult(download)).toBe(0);
    expect(listFiles(workspace.path("down"))).toEqual([...Object.keys(SMALL_TREE), "big.bin"].sort());
    expect(await sha256OfFile(workspace.path("down", "big.bin"))).toBe(bigHash);
    for (const [path, content] of Object.entries(SMALL_TREE)) {
      expect(await sha256OfFile(workspace.path("down", path)), path).toBe(sha256Hex(content));
    }
  }, 60_000);

  test("server-side copy and delete", async () => {
    const copy = await rclone(["copy", "gw:azure/rclone", "gw:vmware/rclone-copy"]);
    expect(copy.exitCode, describeResult(copy)).toBe(0);
    const check = await rclone(["check", "tree", "gw:vmware/rclone-copy"]);
    expect(check.exitCode, describeResult(check)).toBe(0);

    const remove = await rclone(["delete", "gw:vmware/rclone-copy", "--include", "logs/**"]);
    expect(remove.exitCode, describeResult(remove)).toBe(0);
    const listing = await rclone(["ls", "gw:vmware/rclone-copy"]);
    expect(listing.exitCode, describeResult(listing)).toBe(0);
    expect(listedSizes(listing.stdout)).toEqual({ "notes.txt": NOTES_CONTENT.length, "big.bin": BIG_FILE_SIZE });
  }, 60_000);

  // rclone 1.60 sends CreateBucket before its first upload to a bucket it has not listed, and
  // continues only on success or BucketAlreadyOwnedByYou, which the gateway returns for the
  // organization's own connectors.
  test("copy of one file into a connector", async () => {
    const result = await rclone(["copy", "tree/notes.txt", "gw:sentinelone/rclone-single"]);
    expect(result.exitCode, describeResult(result)).toBe(0);

    const stored = await storedObject(target, "sentinelone", "rclone-single/notes.txt");
    expect(stored.size).toBe(NOTES_CONTENT.length);
  }, 30_000);

  test("copy of one file with --s3-no-check-bucket", async () => {
    const result = await rclone(["copy", "tree/notes.txt", "gw:sentinelone/rclone-no-check", "--s3-no-check-bucket"]);
    expect(result.exitCode, describeResult(result)).toBe(0);

    const stored = await storedObject(target, "sentinelone", "rclone-no-check/notes.txt");
    expect(stored.size).toBe(NOTES_CONTENT.length);
  }, 30_000);

  test("unknown bucket fails", async () => {
    const result = await rclone(["ls", "gw:no-such-bucket"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("directory not found");
  }, 30_000);
});
