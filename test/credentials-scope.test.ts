/**
 * Key scopes enforced by the S3 endpoint for every operation, driven by `@aws-sdk/client-s3`
 * against the endpoint running in this process: read-only, write-only and bucket subsets,
 * including the copy source of CopyObject and UploadPartCopy, and DeleteObjects.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import type { NewCredential } from "../src/credentials/credentials.ts";
import type { KeyAccess } from "../src/tenancy/scope.ts";
import { startInProcessS3, type InProcessS3 } from "./support/in-process-s3.ts";

let s3: InProcessS3;
let full: S3Client;

/**
 * Runs a command and returns "ok" or the S3 error code, so a table of cases reads plainly. HEAD
 * responses have no body, so for them the SDK reports only the status: 403 is returned as
 * AccessDenied and 404 as NotFound.
 */
async function outcome(client: S3Client, command: unknown): Promise<string> {
  try {
    const result = (await client.send(command as never)) as { Body?: { transformToString(): Promise<string> } };
    await result.Body?.transformToString();
    return "ok";
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    if (error.name === "Unknown" || error.name === "Forbidden" || error.name === "NotFound") {
      if (error.$metadata.httpStatusCode === 403) return "AccessDenied";
      if (error.$metadata.httpStatusCode === 404) return "NotFound";
    }
    return error.name;
  }
}

function keyWith(access: KeyAccess, buckets: string[] | null = null): { credential: NewCredential; client: S3Client } {
  const credential = s3.credentials.create({ orgId: "acme", createdBy: null, actor: "test", scope: { access, buckets } });
  return { credential, client: s3.client(credential) };
}

beforeAll(async () => {
  s3 = await startInProcessS3({ env: { S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "50" } });
  s3.ctx.organizations.create({ id: "acme", name: "Acme", connectors: ["azure", "sentinelone", "vmware"] }, "test");
  s3.ctx.organizations.create({ id: "globex", name: "Globex", connectors: ["azure", "payroll"] }, "test");
  full = keyWith("read-write").client;
  for (const bucket of ["azure", "vmware"]) {
    await full.send(new PutObjectCommand({ Bucket: bucket, Key: "seed.txt", Body: `seed of ${bucket}` }));
  }
  const globex = s3.client(s3.credentials.create({ orgId: "globex", createdBy: null, actor: "test" }));
  await globex.send(new PutObjectCommand({ Bucket: "azure", Key: "secret.txt", Body: "globex only" }));
});

afterAll(() => s3.close());

describe("read-only key", () => {
  test("lists and reads but does not write or delete", async () => {
    const { client } = keyWith("read-only");
    expect(await outcome(client, new ListBucketsCommand({}))).toBe("ok");
    expect(await outcome(client, new ListObjectsV2Command({ Bucket: "azure" }))).toBe("ok");
    expect(await outcome(client, new GetObjectCommand({ Bucket: "azure", Key: "seed.txt" }))).toBe("ok");
    expect(await outcome(client, new HeadObjectCommand({ Bucket: "azure", Key: "seed.txt" }))).toBe("ok");
    expect(await outcome(client, new PutObjectCommand({ Bucket: "azure", Key: "ro.txt", Body: "x" }))).toBe("AccessDenied");
    expect(await outcome(client, new DeleteObjectCommand({ Bucket: "azure", Key: "seed.txt" }))).toBe("AccessDenied");
    expect(await outcome(client, new DeleteObjectsCommand({ Bucket: "azure", Delete: { Objects: [{ Key: "seed.txt" }] } }))).toBe("AccessDenied");
    expect(await outcome(client, new CopyObjectCommand({ Bucket: "azure", Key: "copy.txt", CopySource: "azure/seed.txt" }))).toBe("AccessDenied");
    expect(await outcome(client, new CreateMultipartUploadCommand({ Bucket: "azure", Key: "mp.bin" }))).toBe("AccessDenied");
    expect(await outcome(full, new HeadObjectCommand({ Bucket: "azure", Key: "seed.txt" }))).toBe("ok");
  });

  test("denial names the key and what it lacks", async () => {
    const { client, credential } = keyWith("read-only");
    const error = await client.send(new PutObjectCommand({ Bucket: "azure", Key: "ro.txt", Body: "x" })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as Error).message).toBe(
      `The access key ${credential.accessKeyId} is read-only, so it may not run PutObject, which needs write access: generate a key with the access you need.`,
    );
  });
});

describe("write-only key", () => {
  test("uploads, including multipart, without listing, reading or deleting", async () => {
    const { client } = keyWith("write-only");
    expect(await outcome(client, new PutObjectCommand({ Bucket: "azure", Key: "wo/one.txt", Body: "uploaded" }))).toBe("ok");
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "wo/multi.bin" }));
    const part = await client.send(new UploadPartCommand({ Bucket: "azure", Key: "wo/multi.bin", UploadId: upload.UploadId, PartNumber: 1, Body: "part one" }));
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "wo/multi.bin", UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    const aborted = await client.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "wo/aborted.bin" }));
    expect(await outcome(client, new AbortMultipartUploadCommand({ Bucket: "azure", Key: "wo/aborted.bin", UploadId: aborted.UploadId }))).toBe("ok");

    expect(await outcome(client, new ListObjectsV2Command({ Bucket: "azure" }))).toBe("AccessDenied");
    expect(await outcome(client, new GetObjectCommand({ Bucket: "azure", Key: "wo/one.txt" }))).toBe("AccessDenied");
    expect(await outcome(client, new HeadObjectCommand({ Bucket: "azure", Key: "wo/one.txt" }))).toBe("AccessDenied");
    expect(await outcome(client, new DeleteObjectCommand({ Bucket: "azure", Key: "wo/one.txt" }))).toBe("AccessDenied");
    expect(await outcome(client, new CopyObjectCommand({ Bucket: "azure", Key: "wo/copy.txt", CopySource: "azure/seed.txt" }))).toBe("AccessDenied");

    const stored = await full.send(new GetObjectCommand({ Bucket: "azure", Key: "wo/multi.bin" }));
    expect(await stored.Body?.transformToString()).toBe("part one");
  });

  test("denied reads do not reveal whether the object exists", async () => {
    const { client } = keyWith("write-only");
    expect(await outcome(client, new GetObjectCommand({ Bucket: "azure", Key: "seed.txt" }))).toBe("AccessDenied");
    expect(await outcome(client, new GetObjectCommand({ Bucket: "azure", Key: "no-such-object" }))).toBe("AccessDenied");
  });

  test("finds its buckets", async () => {
    const { client } = keyWith("write-only");
    expect(await outcome(client, new ListBucketsCommand({}))).toBe("ok");
    expect(await outcome(client, new HeadBucketCommand({ Bucket: "azure" }))).toBe("ok");
    expect(await outcome(client, new GetBucketLocationCommand({ Bucket: "azure" }))).toBe("ok");
  });
});

describe("bucket subset", () => {
  test("ListBuckets shows only the key's buckets", async () => {
    const { client } = keyWith("read-write", ["azure", "vmware"]);
    const result = await client.send(new ListBucketsCommand({}));
    expect(result.Buckets?.map((bucket) => bucket.Name)).toEqual(["azure", "vmware"]);
  });

  test("other buckets are denied for every operation", async () => {
    const { client } = keyWith("read-write", ["azure"]);
    expect(await outcome(client, new PutObjectCommand({ Bucket: "azure", Key: "scoped.txt", Body: "x" }))).toBe("ok");
    const denied = [
      new ListObjectsV2Command({ Bucket: "vmware" }),
      new GetObjectCommand({ Bucket: "vmware", Key: "seed.txt" }),
      new PutObjectCommand({ Bucket: "vmware", Key: "x.txt", Body: "x" }),
      new DeleteObjectCommand({ Bucket: "vmware", Key: "seed.txt" }),
      new DeleteObjectsCommand({ Bucket: "vmware", Delete: { Objects: [{ Key: "seed.txt" }] } }),
      new HeadBucketCommand({ Bucket: "vmware" }),
      new CreateMultipartUploadCommand({ Bucket: "vmware", Key: "mp.bin" }),
    ];
    for (const command of denied) {
      expect(`${command.constructor.name}: ${await outcome(client, command)}`).toEndWith(": AccessDenied");
    }
    expect(await outcome(full, new HeadObjectCommand({ Bucket: "vmware", Key: "seed.txt" }))).toBe("ok");
  });

  test("copy source outside the scope is denied", async () => {
    const { client } = keyWith("read-write", ["azure"]);
    expect(await outcome(client, new CopyObjectCommand({ Bucket: "azure", Key: "copied.txt", CopySource: "azure/seed.txt" }))).toBe("ok");
    expect(await outcome(client, new CopyObjectCommand({ Bucket: "azure", Key: "stolen.txt", CopySource: "vmware/seed.txt" }))).toBe("AccessDenied");
    expect(await outcome(full, new HeadObjectCommand({ Bucket: "azure", Key: "stolen.txt" }))).toBe("NotFound");
  });

  test("UploadPartCopy source outside the scope is denied", async () => {
    const { client } = keyWith("read-write", ["azure"]);
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "partcopy.bin" }));
    const inside = new UploadPartCopyCommand({ Bucket: "azure", Key: "partcopy.bin", UploadId: upload.UploadId, PartNumber: 1, CopySource: "azure/seed.txt" });
    const outside = new UploadPartCopyCommand({ Bucket: "azure", Key: "partcopy.bin", UploadId: upload.UploadId, PartNumber: 2, CopySource: "vmware/seed.txt" });
    expect(await outcome(client, inside)).toBe("ok");
    expect(await outcome(client, outside)).toBe("AccessDenied");
    await client.send(new AbortMultipartUploadCommand({ Bucket: "azure", Key: "partcopy.bin", UploadId: upload.UploadId }));
  });

  test("UploadPartCopy needs read access", async () => {
    const { client } = keyWith("write-only");
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "wo-partcopy.bin" }));
    const command = new UploadPartCopyCommand({ Bucket: "azure", Key: "wo-partcopy.bin", UploadId: upload.UploadId, PartNumber: 1, CopySource: "azure/seed.txt" });
    expect(await outcome(client, command)).toBe("AccessDenied");
  });
});

describe("organizations", () => {
  test("another organization's bucket and objects stay out of reach", async () => {
    const payroll = await outcome(full, new ListObjectsV2Command({ Bucket: "payroll" }));
    expect(payroll).toBe("NoSuchBucket");
    expect(await outcome(full, new GetObjectCommand({ Bucket: "azure", Key: "secret.txt" }))).toBe("NoSuchKey");
    expect(await outcome(full, new CopyObjectCommand({ Bucket: "azure", Key: "x.txt", CopySource: "payroll/anything" }))).toBe("NoSuchBucket");
  });
});
