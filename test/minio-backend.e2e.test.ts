/**
 * The MinIO storage backend against a real MinIO server. Covers physical bucket names, the
 * upstream details clients never see, provisioning repair at start and with `storage check`,
 * connector removal with and without `--delete-data`, and root credentials kept out of the
 * output. Service accounts, isolation and key rotation are in minio-isolation.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { cliPath, createCredential, isolatedEnv, runCli, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";
import { gatewayStorageEnv, startStorageServer, type StorageServer } from "./support/storage-servers.ts";

function clientFor(endpoint: string, accessKeyId: string, secretAccessKey: string): S3Client {
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId, secretAccessKey } });
}

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error("the request succeeded, but an S3 error was expected");
}

/** Names of the buckets on the upstream, listed with its root credentials. */
async function upstreamBuckets(upstream: S3Client): Promise<string[]> {
  const result = await upstream.send(new ListBucketsCommand({}));
  return (result.Buckets ?? []).map((bucket) => bucket.Name ?? "").sort();
}

let server: StorageServer;
let gateway: TestGateway;
let upstream: S3Client;
let acmeKey: TestCredential;
let acme: S3Client;

beforeAll(async () => {
  server = await startStorageServer("minio");
  gateway = await startGateway(gatewayStorageEnv(server));
  upstream = clientFor(server.endpoint, server.rootUser, server.rootPassword);
  acmeKey = await createCredential(gateway, "acme", { createOrg: true });
  acme = clientFor(gateway.s3Url, acmeKey.access_key_id, acmeKey.secret_access_key);
});

afterAll(async () => {
  await gateway.stop();
  await server.stop();
});

describe("physical buckets", () => {
  test("org create makes one bucket per connector", async () => {
    expect(await upstreamBuckets(upstream)).toEqual(["acme-azure", "acme-sentinelone", "acme-vmware"]);
  });

  test("an id that is not a bucket name part is encoded", async () => {
    await gateway.cliOk(["org", "create", "Org_Mixed.Case", "--name", "Mixed", "--connectors", "azure"]);
    const names = await upstreamBuckets(upstream);
    expect(names.filter((name) => name.startsWith("orgmixedcasez"))).toHaveLength(1);
    expect(names.find((name) => name.startsWith("orgmixedcasez"))).toMatch(/^orgmixedcasez[a-z2-7]{8}-azure$/);
  });

  test("a connector whose physical name is too long is refused", async () => {
    const bucket = `c${"x".repeat(60)}`;
    const result = await gateway.cli(["connector", "add", "acme", bucket]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`physical bucket name "acme-${bucket}"`);
    expect(result.stderr).toContain("3 to 63 characters");
    const orgs = JSON.parse(await gateway.cliOk(["org", "list", "--json"])) as { id: string; connectors: string[] }[];
    expect(orgs.find((org) => org.id === "acme")?.connectors).not.toContain(bucket);
  });
});

describe("what clients see", () => {
  test("listings, errors and multipart results name only virtual buckets", async () => {
    await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "seen.txt", Body: "x" }));
    const listed = await acme.send(new ListObjectsV2Command({ Bucket: "azure" }));
    expect(listed.Name).toBe("azure");
    const missing = await errorOf(acme.send(new GetObjectCommand({ Bucket: "azure", Key: "absent.txt" })));
    expect(missing.name).toBe("NoSuchKey");
    expect(missing.message).toContain('bucket "azure"');
    expect(JSON.stringify(missing)).not.toContain("acme-azure");
    expect(missing.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
    const created = await acme.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "multi.bin" }));
    expect(created.Bucket).toBe("azure");
    const part = await acme.send(new UploadPartCommand({ Bucket: "azure", Key: "multi.bin", UploadId: created.UploadId, PartNumber: 1, Body: randomBytes(1000) }));
    const completed = await acme.send(
      new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "multi.bin", UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag ?? "", PartNumber: 1 }] } }),
    );
    expect(completed.Bucket).toBe("azure");
    expect(completed.Location).toBe("/azure/multi.bin");
  });

  test("a key MinIO cannot store is a client error without upstream details", async () => {
    // MinIO rejects an empty path segment in a key, which S3 itself allows.
    const error = await errorOf(acme.send(new PutObjectCommand({ Bucket: "vmware", Key: "x//y", Body: "y" })));
    expect(error.name).toBe("InvalidArgument");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('"x//y"');
    expect(JSON.stringify(error)).not.toContain("acme-vmware");
    expect(JSON.stringify(error)).not.toContain("XMinioInvalidObjectName");
  });

  test("a client checksum is forwarded and stored upstream", async () => {
    await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "checked.txt", Body: "checksum me", ChecksumAlgorithm: "CRC32" }));
    const head = await upstream.send(new HeadObjectCommand({ Bucket: "acme-azure", Key: "checked.txt", ChecksumMode: "ENABLED" }));
    expect(head.ChecksumCRC32).toBe(Buffer.from((Bun.hash.crc32("checksum me") >>> 0).toString(16).padStart(8, "0"), "hex").toString("base64"));
  });
});

describe("provisioning repair", () => {
  test("storage check recreates a missing bucket", async () => {
    await upstream.send(new DeleteBucketCommand({ Bucket: "acme-sentinelone" }));
    const result = await gateway.cli(["storage", "check"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("created bucket acme-sentinelone for connector sentinelone");
    expect(await upstreamBuckets(upstream)).toContain("acme-sentinelone");
    const again = await gateway.cliOk(["storage", "check", "--json"]);
    const report = JSON.parse(again) as { organizations: { org: string; repaired: string[] }[] };
    expect(report.organizations.find((org) => org.org === "acme")?.repaired).toEqual([]);
  });

  test("a starting server repairs a deleted bucket", async () => {
    await gateway.cliOk(["org", "create", "gamma", "--name", "Gamma", "--connectors", "azure"]);
    await upstream.send(new DeleteBucketCommand({ Bucket: "gamma-azure" }));
    // A second server over the same data directory, as in a scale-out deployment.
    const env = isolatedEnv({ ...gatewayStorageEnv(server), S3GATEWAY_LOG_LEVEL: "info" });
    const child = Bun.spawn([cliPath, "serve", "--data-dir", gateway.dataDir, "--s3-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0"], { env, stdout: "pipe", stderr: "pipe" });
    try {
      const deadline = Date.now() + 20_000;
      while (!(await upstreamBuckets(upstream)).includes("gamma-azure") && Date.now() < deadline) await Bun.sleep(100);
      expect(await upstreamBuckets(upstream)).toContain("gamma-azure");
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  });
});

describe("connector removal", () => {
  test("removing keeps the data, and adding again brings it back", async () => {
    await acme.send(new PutObjectCommand({ Bucket: "vmware", Key: "kept.txt", Body: "still here" }));
    const removed = await gateway.cliOk(["connector", "remove", "acme", "vmware"]);
    expect(removed).toContain("kept in MinIO");
    expect(await upstreamBuckets(upstream)).toContain("acme-vmware");
    await gateway.cliOk(["connector", "add", "acme", "vmware"]);
    await Bun.sleep(500);
    const got = await acme.send(new GetObjectCommand({ Bucket: "vmware", Key: "kept.txt" }));
    expect(await got.Body!.transformToString()).toBe("still here");
  });

  test("--delete-data deletes the physical bucket and its objects", async () => {
    await acme.send(new PutObjectCommand({ Bucket: "sentinelone", Key: "doomed/1.txt", Body: "1" }));
    await acme.send(new PutObjectCommand({ Bucket: "sentinelone", Key: "doomed/2.txt", Body: "2" }));
    const output = await gateway.cliOk(["connector", "remove", "acme", "sentinelone", "--delete-data"]);
    expect(output).toContain("deleted its MinIO bucket with 2 objects");
    expect(await upstreamBuckets(upstream)).not.toContain("acme-sentinelone");
  });
});

describe("root credentials", () => {
  test("never appear in the server or CLI output", async () => {
    const check = await gateway.cli(["storage", "check", "--json"]);
    expect(check.stdout + check.stderr).not.toContain(server.rootPassword);
    expect(gateway.output()).not.toContain(server.rootPassword);
  });

  test("a missing password file stops the server with its name", async () => {
    const env = { ...gatewayStorageEnv(server), S3GATEWAY_MINIO_ROOT_PASSWORD_FILE: "/nonexistent/s3gw-password" };
    const result = await runCli(["org", "list", "--data-dir", gateway.dataDir], isolatedEnv(env));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Cannot read the S3GATEWAY_MINIO_ROOT_PASSWORD_FILE file "/nonexistent/s3gw-password"');
  });
});
