// The current AWS CLI v1 from PyPI, with its default checksum settings, against the gateway over
// plain HTTP and over TLS. Its bundled botocore sends CRC checksums by default, in an aws-chunked
// trailer over TLS and in a header over HTTP, so each transport takes a different upload path.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { awsCliV1Path, describeResult } from "../support/aws-clients.ts";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { defaultConnectors, startGatewayOver, storedObject, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { MIB, sha256Hex, sha256OfFile, writeRandomFile } from "../support/test-files.ts";

/** Above the CLI's 8 MiB multipart threshold, so `cp` sends 3 parts of its 8 MiB part size. */
const BIG_FILE_SIZE = 17 * MIB + 4321;
const SMALL_CONTENT = "small object written by the AWS CLI v1\n";

/** Parses `aws s3 ls` bucket lines (`DATE TIME NAME`) into names. */
function bucketNames(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.replace(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /, ""));
}

/** Parses `aws s3 ls` lines into entries: `PRE name/` for common prefixes, `name=size` for objects. */
function listingEntries(stdout: string): string[] {
  const entries: string[] = [];
  for (const line of stdout.split("\n")) {
    const prefix = /^\s+PRE (.+)$/.exec(line);
    const object = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+(\d+) (.+)$/.exec(line);
    if (prefix?.[1] !== undefined) entries.push(`PRE ${prefix[1]}`);
    else if (object?.[1] !== undefined && object[2] !== undefined) entries.push(`${object[2]}=${object[1]}`);
    else if (line.trim() !== "") throw new Error(`unexpected "aws s3 ls" line: ${JSON.stringify(line)}`);
  }
  return entries;
}

describe.each(transports)("AWS CLI v1 over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let bigHash: string;

  /** Runs `aws ARGS --endpoint-url <gateway>` with the organization's key in the environment. */
  const aws = (args: string[], secret = target.credential.secret_access_key) =>
    workspace.run([awsCliV1Path, ...args, "--endpoint-url", target.endpoint], {
      env: {
        AWS_ACCESS_KEY_ID: target.credential.access_key_id,
        AWS_SECRET_ACCESS_KEY: secret,
        AWS_DEFAULT_REGION: "us-east-1",
        ...(target.caFile === undefined ? {} : { AWS_CA_BUNDLE: target.caFile }),
      },
    });

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    bigHash = writeRandomFile(workspace.path("big.bin"), BIG_FILE_SIZE);
    writeFileSync(workspace.path("small.txt"), SMALL_CONTENT);
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("s3 ls lists the connectors", async () => {
    const result = await aws(["s3", "ls"]);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(bucketNames(result.stdout)).toEqual(defaultConnectors);
  }, 30_000);

  test("cp uploads a small and a multipart file", async () => {
    // --debug prints each request's headers, which show how the CLI sent the checksum.
    const small = await aws(["s3", "cp", "small.txt", "s3://azure/awscli/notes/small.txt", "--debug"]);
    expect(small.exitCode, describeResult(small)).toBe(0);
    expect(small.stderr).toContain("x-amz-checksum-crc32");
    if (transport === "https") {
      expect(small.stderr).toContain("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    } else {
      expect(small.stderr).not.toContain("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
    }

    const big = await aws(["s3", "cp", "big.bin", "s3://azure/awscli/big.bin", "--only-show-errors"]);
    expect(big.exitCode, describeResult(big)).toBe(0);
    const stored = await storedObject(target, "azure", "awscli/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-3"$/);
  }, 60_000);

  test("s3 ls lists by prefix", async () => {
    const shallow = await aws(["s3", "ls", "s3://azure/awscli/"]);
    expect(shallow.exitCode, describeResult(shallow)).toBe(0);
    expect(listingEntries(shallow.stdout)).toEqual(["PRE notes/", `big.bin=${BIG_FILE_SIZE}`]);

    const recursive = await aws(["s3", "ls", "s3://azure/awscli/", "--recursive"]);
    expect(recursive.exitCode, describeResult(recursive)).toBe(0);
    expect(listingEntries(recursive.stdout)).toEqual([`awscli/big.bin=${BIG_FILE_SIZE}`, `awscli/notes/small.txt=${SMALL_CONTENT.length}`]);
  }, 30_000);

  test("cp downloads identical bytes", async () => {
    const big = await aws(["s3", "cp", "s3://azure/awscli/big.bin", "down/big.bin", "--only-show-errors"]);
    expect(big.exitCode, describeResult(big)).toBe(0);
    expect(await sha256OfFile(workspace.path("down", "big.bin"))).toBe(bigHash);

    const small = await aws(["s3", "cp", "s3://azure/awscli/notes/small.txt", "down/small.txt", "--only-show-errors"]);
    expect(small.exitCode, describeResult(small)).toBe(0);
    expect(await sha256OfFile(workspace.path("down", "small.txt"))).toBe(sha256Hex(SMALL_CONTENT));
  }, 60_000);

  test("cp between buckets and rm", async () => {
    const small = await aws(["s3", "cp", "s3://azure/awscli/notes/small.txt", "s3://vmware/awscli-copy/small.txt", "--only-show-errors"]);
    expect(small.exitCode, describeResult(small)).toBe(0);

    // Above the multipart threshold the CLI copies with UploadPartCopy, 8 MiB per part.
    const big = await aws(["s3", "cp", "s3://azure/awscli/big.bin", "s3://sentinelone/awscli-copy/big.bin", "--only-show-errors"]);
    expect(big.exitCode, describeResult(big)).toBe(0);
    const stored = await storedObject(target, "sentinelone", "awscli-copy/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-3"$/);

    const copied = await aws(["s3", "cp", "s3://sentinelone/awscli-copy/big.bin", "down/copied.bin", "--only-show-errors"]);
    expect(copied.exitCode, describeResult(copied)).toBe(0);
    expect(await sha256OfFile(workspace.path("down", "copied.bin"))).toBe(bigHash);

    const remove = await aws(["s3", "rm", "s3://azure/awscli/", "--recursive", "--only-show-errors"]);
    expect(remove.exitCode, describeResult(remove)).toBe(0);
    const azure = await aws(["s3", "ls", "s3://azure/awscli/", "--recursive"]);
    // `aws s3 ls` exits with 1 when no object matches the prefix.
    expect(azure.exitCode).toBe(1);
    expect(azure.stdout).toBe("");

    const vmware = await aws(["s3", "ls", "s3://vmware/", "--recursive"]);
    expect(vmware.exitCode, describeResult(vmware)).toBe(0);
    expect(listingEntries(vmware.stdout)).toEqual([`awscli-copy/small.txt=${SMALL_CONTENT.length}`]);
  }, 60_000);

  test("unknown bucket fails with NoSuchBucket", async () => {
    const result = await aws(["s3", "ls", "s3://no-such-bucket/"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("NoSuchBucket");
  }, 30_000);
});
