/**
 * The S3 endpoint driven by the latest `@aws-sdk/client-s3` against the real server process:
 * operations, isolation between organizations, expiry, revocation and the object size limit.
 * The suite runs once per storage backend: the filesystem, and the MinIO backend on each real
 * S3 server that scripts/install-minio.sh built.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createCredential, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";
import { backendsUnderTest, type StorageServer } from "./support/storage-servers.ts";

function clientFor(gateway: TestGateway, credential: Pick<TestCredential, "access_key_id" | "secret_access_key">): S3Client {
  return new S3Client({
    endpoint: gateway.s3Url,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: credential.access_key_id, secretAccessKey: credential.secret_access_key },
  });
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

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

describe.each(backendsUnderTest().map((backend) => [backend.name, backend] as const))("S3 SDK on %s storage", (_name, backend) => {
  let storageServer: StorageServer | undefined;
  let storageEnv: Record<string, string>;
  let gateway: TestGateway;
  let acme: S3Client;
  let beta: S3Client;
  let acmeKey: TestCredential;

  beforeAll(async () => {
    const started = await backend.start();
    storageServer = started.server;
    storageEnv = started.env;
    gateway = await startGateway(storageEnv);
    acmeKey = await createCredential(gateway, "acme", { createOrg: true });
    acme = clientFor(gateway, acmeKey);
    beta = clientFor(gateway, await createCredential(gateway, "beta", { createOrg: true }));
  });

  afterAll(async () => {
    await gateway.stop();
    await storageServer?.stop();
  });

  describe("bucket operations", () => {
    test("ListBuckets shows the organization's connectors", async () => {
      const result = await acme.send(new ListBucketsCommand({}));
      expect(result.Buckets?.map((bucket) => bucket.Name)).toEqual(["azure", "sentinelone", "vmware"]);
    });

    test("HeadBucket and GetBucketLocation", async () => {
      const head = await acme.send(new HeadBucketCommand({ Bucket: "azure" }));
      expect(head.$metadata.httpStatusCode).toBe(200);
      const location = await acme.send(new GetBucketLocationCommand({ Bucket: "azure" }));
      expect(location.LocationConstraint ?? "").toBe("");
    });

    test("unknown bucket is NoSuchBucket", async () => {
      const error = await errorOf(acme.send(new ListObjectsV2Command({ Bucket: "payroll" })));
      expect(error.name).toBe("NoSuchBucket");
    });

    test("CreateBucket and DeleteBucket are refused", async () => {
      const create = await errorOf(acme.send(new CreateBucketCommand({ Bucket: "newbucket" })));
      expect(create.name).toBe("AccessDenied");
      expect(create.message).toContain("managed by the operator");
      const remove = await errorOf(acme.send(new DeleteBucketCommand({ Bucket: "azure" })));
      expect(remove.name).toBe("AccessDenied");
    });

    test("CreateBucket of an own connector succeeds as in us-east-1", async () => {
      const created = await acme.send(new CreateBucketCommand({ Bucket: "azure" }));
      expect(created.$metadata.httpStatusCode).toBe(200);
    });
  });

  describe("object operations", () => {
    test("put, head, get and range get round-trip bytes and metadata", async () => {
      const body = randomBytes(100_000);
      await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "reports/one.bin", Body: body, ContentType: "application/x-test", Metadata: { origin: "sdk" } }));
      const head = await acme.send(new HeadObjectCommand({ Bucket: "azure", Key: "reports/one.bin" }));
      expect(head.ContentLength).toBe(100_000);
      expect(head.ContentType).toBe("application/x-test");
      expect(head.Metadata).toEqual({ origin: "sdk" });
      expect(head.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
      const whole = await acme.send(new GetObjectCommand({ Bucket: "azure", Key: "reports/one.bin" }));
      expect(sha256(await whole.Body!.transformToByteArray())).toBe(sha256(body));
      const range = await acme.send(new GetObjectCommand({ Bucket: "azure", Key: "reports/one.bin", Range: "bytes=10-19" }));
      expect(range.ContentRange).toBe("bytes 10-19/100000");
      expect(Buffer.from(await range.Body!.transformToByteArray())).toEqual(body.subarray(10, 20));
      const suffix = await acme.send(new GetObjectCommand({ Bucket: "azure", Key: "reports/one.bin", Range: "bytes=-5" }));
      expect(Buffer.from(await suffix.Body!.transformToByteArray())).toEqual(body.subarray(99_995));
    });

    test("keys that are not paths are stored exactly", async () => {
      const keys = ["a", "a/b", "dir/", "x//y", "../escape", "p%20q+r s", "данные/файл.txt", "./dot"].filter((key) => !backend.unsupportedKeys.includes(key));
      for (const key of keys) await acme.send(new PutObjectCommand({ Bucket: "vmware", Key: key, Body: key }));
      const listed = await acme.send(new ListObjectsV2Command({ Bucket: "vmware" }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      for (const key of keys) {
        const got = await acme.send(new GetObjectCommand({ Bucket: "vmware", Key: key }));
        expect(await got.Body!.transformToString()).toBe(key);
      }
    });

    test("missing key is NoSuchKey", async () => {
      const error = await errorOf(acme.send(new GetObjectCommand({ Bucket: "azure", Key: "nope" })));
      expect(error.name).toBe("NoSuchKey");
      expect(error.$metadata.httpStatusCode).toBe(404);
    });

    test("ListObjectsV2 pages with delimiter and continuation", async () => {
      for (const key of ["logs/2026/a", "logs/2026/b", "logs/2027/c", "logs/top", "other"]) {
        await acme.send(new PutObjectCommand({ Bucket: "sentinelone", Key: key, Body: "x" }));
      }
      const top = await acme.send(new ListObjectsV2Command({ Bucket: "sentinelone", Prefix: "logs/", Delimiter: "/" }));
      expect(top.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["logs/2026/", "logs/2027/"]);
      expect(top.Contents?.map((object) => object.Key)).toEqual(["logs/top"]);
      const first = await acme.send(new ListObjectsV2Command({ Bucket: "sentinelone", MaxKeys: 2 }));
      expect(first.IsTruncated).toBe(true);
      const second = await acme.send(new ListObjectsV2Command({ Bucket: "sentinelone", MaxKeys: 10, ContinuationToken: first.NextContinuationToken }));
      expect([...(first.Contents ?? []), ...(second.Contents ?? [])].map((object) => object.Key)).toEqual(["logs/2026/a", "logs/2026/b", "logs/2027/c", "logs/top", "other"]);
      const v1 = await acme.send(new ListObjectsCommand({ Bucket: "sentinelone", Marker: "logs/top" }));
      expect(v1.Contents?.map((object) => object.Key)).toEqual(["other"]);
    });

    test("copy, delete and batch delete", async () => {
      await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "source.txt", Body: "copy me", Metadata: { kept: "yes" } }));
      await acme.send(new CopyObjectCommand({ Bucket: "sentinelone", Key: "copied.txt", CopySource: "azure/source.txt" }));
      const copied = await acme.send(new GetObjectCommand({ Bucket: "sentinelone", Key: "copied.txt" }));
      expect(await copied.Body!.transformToString()).toBe("copy me");
      expect(copied.Metadata).toEqual({ kept: "yes" });
      await acme.send(new DeleteObjectCommand({ Bucket: "sentinelone", Key: "copied.txt" }));
      expect((await errorOf(acme.send(new HeadObjectCommand({ Bucket: "sentinelone", Key: "copied.txt" })))).$metadata.httpStatusCode).toBe(404);
      await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "batch/1", Body: "1" }));
      await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "batch/2", Body: "2" }));
      const deleted = await acme.send(new DeleteObjectsCommand({ Bucket: "azure", Delete: { Objects: [{ Key: "batch/1" }, { Key: "batch/2" }, { Key: "batch/never" }] } }));
      expect(deleted.Deleted?.map((item) => item.Key).sort()).toEqual(["batch/1", "batch/2", "batch/never"]);
      const remaining = await acme.send(new ListObjectsV2Command({ Bucket: "azure", Prefix: "batch/" }));
      expect(remaining.KeyCount).toBe(0);
    });

    test("multipart upload assembles parts in order", async () => {
      const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(1234)];
      const created = await acme.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "multi.bin" }));
      const etags: string[] = [];
      for (const [index, part] of parts.entries()) {
        const uploaded = await acme.send(new UploadPartCommand({ Bucket: "azure", Key: "multi.bin", UploadId: created.UploadId, PartNumber: index + 1, Body: part }));
        etags.push(uploaded.ETag ?? "");
      }
      const completed = await acme.send(
        new CompleteMultipartUploadCommand({
          Bucket: "azure",
          Key: "multi.bin",
          UploadId: created.UploadId,
          MultipartUpload: { Parts: etags.map((etag, index) => ({ ETag: etag, PartNumber: index + 1 })) },
        }),
      );
      expect(completed.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
      const got = await acme.send(new GetObjectCommand({ Bucket: "azure", Key: "multi.bin" }));
      expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(Buffer.concat(parts)));
    });
  });

  describe("isolation between organizations", () => {
    test("the same bucket name holds separate data", async () => {
      await acme.send(new PutObjectCommand({ Bucket: "azure", Key: "secret-plan.txt", Body: "acme only" }));
      const listed = await beta.send(new ListObjectsV2Command({ Bucket: "azure" }));
      expect(listed.KeyCount).toBe(0);
      expect((await errorOf(beta.send(new GetObjectCommand({ Bucket: "azure", Key: "secret-plan.txt" })))).name).toBe("NoSuchKey");
      expect((await errorOf(beta.send(new HeadObjectCommand({ Bucket: "azure", Key: "secret-plan.txt" })))).$metadata.httpStatusCode).toBe(404);
    });

    test("another organization cannot copy, overwrite or delete", async () => {
      const copy = await errorOf(beta.send(new CopyObjectCommand({ Bucket: "azure", Key: "stolen.txt", CopySource: "azure/secret-plan.txt" })));
      expect(copy.name).toBe("NoSuchKey");
      await beta.send(new PutObjectCommand({ Bucket: "azure", Key: "secret-plan.txt", Body: "beta's own" }));
      await beta.send(new DeleteObjectCommand({ Bucket: "azure", Key: "secret-plan.txt" }));
      const mine = await acme.send(new GetObjectCommand({ Bucket: "azure", Key: "secret-plan.txt" }));
      expect(await mine.Body!.transformToString()).toBe("acme only");
    });

    test("a bucket only another organization has is NoSuchBucket", async () => {
      await gateway.cliOk(["connector", "add", "acme", "acme-only"]);
      await Bun.sleep(500);
      await acme.send(new PutObjectCommand({ Bucket: "acme-only", Key: "k", Body: "v" }));
      const error = await errorOf(beta.send(new GetObjectCommand({ Bucket: "acme-only", Key: "k" })));
      expect(error.name).toBe("NoSuchBucket");
    });
  });

  describe("credential state", () => {
    test("a wrong secret is rejected for reads and writes", async () => {
      const forged = clientFor(gateway, { access_key_id: acmeKey.access_key_id, secret_access_key: "x".repeat(40) });
      expect((await errorOf(forged.send(new ListBucketsCommand({})))).name).toBe("SignatureDoesNotMatch");
      expect((await errorOf(forged.send(new PutObjectCommand({ Bucket: "azure", Key: "forged", Body: "no" })))).name).toBe("SignatureDoesNotMatch");
      expect((await errorOf(acme.send(new HeadObjectCommand({ Bucket: "azure", Key: "forged" })))).$metadata.httpStatusCode).toBe(404);
    });

    test("an unknown access key is InvalidAccessKeyId", async () => {
      const stranger = clientFor(gateway, { access_key_id: "GWAAAAAAAAAAAAAAAAAA", secret_access_key: "x".repeat(40) });
      expect((await errorOf(stranger.send(new ListBucketsCommand({})))).name).toBe("InvalidAccessKeyId");
    });

    test("an expired key is rejected with its expiry time", async () => {
      const shortLived = await createCredential(gateway, "acme", { ttl: "2s" });
      const client = clientFor(gateway, shortLived);
      expect((await client.send(new ListBucketsCommand({}))).Buckets?.length).toBeGreaterThan(0);
      await Bun.sleep(2_200);
      const error = await errorOf(client.send(new ListBucketsCommand({})));
      expect(error.name).toBe("AccessDenied");
      expect(error.message).toContain(`expired at ${shortLived.expires_at}`);
    });

    test("a key revoked with the CLI fails within one second", async () => {
      const doomed = await createCredential(gateway, "acme");
      const client = clientFor(gateway, doomed);
      expect((await client.send(new ListBucketsCommand({}))).$metadata.httpStatusCode).toBe(200);
      await gateway.cliOk(["credential", "revoke", doomed.access_key_id]);
      await Bun.sleep(1_000);
      const error = await errorOf(client.send(new ListBucketsCommand({})));
      expect(error.name).toBe("AccessDenied");
      expect(error.message).toContain("revoked");
    });
  });

  describe("object size limit", () => {
    let small: TestGateway;
    let client: S3Client;

    beforeAll(async () => {
      // Its own bucket names, so the upstream buckets of the gateway above stay apart.
      small = await startGateway({ ...storageEnv, S3GATEWAY_MINIO_BUCKET_TEMPLATE: "small-{org}-{bucket}", S3GATEWAY_MAX_OBJECT_SIZE: "6MiB" });
      client = clientFor(small, await createCredential(small, "acme", { createOrg: true }));
    });

    afterAll(async () => {
      await small.stop();
    });

    test("a single PUT above the limit is EntityTooLarge and stores nothing", async () => {
      const error = await errorOf(client.send(new PutObjectCommand({ Bucket: "azure", Key: "huge.bin", Body: randomBytes(7 * 1024 * 1024) })));
      expect(error.name).toBe("EntityTooLarge");
      const listed = await client.send(new ListObjectsV2Command({ Bucket: "azure" }));
      expect(listed.KeyCount).toBe(0);
    });

    test("a multipart total above the limit is EntityTooLarge and stores nothing", async () => {
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "huge-multi.bin" }));
      const parts = [];
      for (const partNumber of [1, 2]) {
        const uploaded = await client.send(new UploadPartCommand({ Bucket: "azure", Key: "huge-multi.bin", UploadId: created.UploadId, PartNumber: partNumber, Body: randomBytes(5 * 1024 * 1024) }));
        parts.push({ ETag: uploaded.ETag ?? "", PartNumber: partNumber });
      }
      const error = await errorOf(
        client.send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "huge-multi.bin", UploadId: created.UploadId, MultipartUpload: { Parts: parts } })),
      );
      expect(error.name).toBe("EntityTooLarge");
      await client.send(new AbortMultipartUploadCommand({ Bucket: "azure", Key: "huge-multi.bin", UploadId: created.UploadId }));
      const listed = await client.send(new ListObjectsV2Command({ Bucket: "azure" }));
      expect(listed.KeyCount).toBe(0);
    });
  });
});
