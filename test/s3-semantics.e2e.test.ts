/**
 * S3 semantics beyond the basic workflow, through the latest `@aws-sdk/client-s3` against the
 * real server: wrong secrets on every write operation, multipart rules and listings, copy
 * directives, conditional reads and URL-encoded listings.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { createCredential, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";

let gateway: TestGateway;
let credential: TestCredential;
let s3: S3Client;
let forged: S3Client;

function clientWith(secret: string): S3Client {
  return new S3Client({
    endpoint: gateway.s3Url,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: credential.access_key_id, secretAccessKey: secret },
  });
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return { name: error.name, status: error.$metadata.httpStatusCode };
    throw error;
  }
  throw new Error("the request succeeded, but an S3 error was expected");
}

const mib = 1024 * 1024;

beforeAll(async () => {
  gateway = await startGateway();
  credential = await createCredential(gateway, "acme", { createOrg: true });
  s3 = clientWith(credential.secret_access_key);
  forged = clientWith("f".repeat(40));
  await s3.send(new PutObjectCommand({ Bucket: "azure", Key: "source.bin", Body: randomBytes(6 * mib) }));
});

afterAll(async () => {
  await gateway.stop();
});

describe("wrong secret on write operations", () => {
  test("UploadPart, UploadPartCopy and CompleteMultipartUpload", async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "guarded.bin" }));
    const uploadId = created.UploadId;
    expect(await failure(forged.send(new UploadPartCommand({ Bucket: "azure", Key: "guarded.bin", UploadId: uploadId, PartNumber: 1, Body: randomBytes(1000) })))).toEqual({ name: "SignatureDoesNotMatch", status: 403 });
    expect(
      await failure(forged.send(new UploadPartCopyCommand({ Bucket: "azure", Key: "guarded.bin", UploadId: uploadId, PartNumber: 1, CopySource: "azure/source.bin" }))),
    ).toEqual({ name: "SignatureDoesNotMatch", status: 403 });
    const part = await s3.send(new UploadPartCommand({ Bucket: "azure", Key: "guarded.bin", UploadId: uploadId, PartNumber: 1, Body: randomBytes(1000) }));
    expect(
      await failure(forged.send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "guarded.bin", UploadId: uploadId, MultipartUpload: { Parts: [{ ETag: part.ETag ?? "", PartNumber: 1 }] } }))),
    ).toEqual({ name: "SignatureDoesNotMatch", status: 403 });
    const parts = await s3.send(new ListPartsCommand({ Bucket: "azure", Key: "guarded.bin", UploadId: uploadId }));
    expect(parts.Parts?.map((item) => item.Size)).toEqual([1000]);
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: "azure", Key: "guarded.bin" })))).status).toBe(404);
  });

  test("CopyObject", async () => {
    expect(await failure(forged.send(new CopyObjectCommand({ Bucket: "azure", Key: "copy-forged.bin", CopySource: "azure/source.bin" })))).toEqual({ name: "SignatureDoesNotMatch", status: 403 });
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: "azure", Key: "copy-forged.bin" })))).status).toBe(404);
  });
});

describe("multipart rules", () => {
  async function uploadParts(key: string, sizes: number[]): Promise<{ uploadId: string; etags: string[] }> {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: key }));
    const etags: string[] = [];
    for (const [index, size] of sizes.entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket: "azure", Key: key, UploadId: created.UploadId, PartNumber: index + 1, Body: randomBytes(size) }));
      etags.push(part.ETag ?? "");
    }
    return { uploadId: created.UploadId ?? "", etags };
  }

  test("parts out of order are InvalidPartOrder", async () => {
    const { uploadId, etags } = await uploadParts("order.bin", [5 * mib, 100]);
    const parts = [{ ETag: etags[1], PartNumber: 2 }, { ETag: etags[0], PartNumber: 1 }];
    expect((await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "order.bin", UploadId: uploadId, MultipartUpload: { Parts: parts } })))).name).toBe("InvalidPartOrder");
  });

  test("a wrong part ETag is InvalidPart", async () => {
    const { uploadId } = await uploadParts("wrong-etag.bin", [100]);
    const parts = [{ ETag: '"00000000000000000000000000000000"', PartNumber: 1 }];
    expect((await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "wrong-etag.bin", UploadId: uploadId, MultipartUpload: { Parts: parts } })))).name).toBe("InvalidPart");
  });

  test("a small part before the last is EntityTooSmall", async () => {
    const { uploadId, etags } = await uploadParts("small.bin", [100, 100]);
    const parts = etags.map((etag, index) => ({ ETag: etag, PartNumber: index + 1 }));
    expect((await failure(s3.send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "small.bin", UploadId: uploadId, MultipartUpload: { Parts: parts } })))).name).toBe("EntityTooSmall");
  });

  test("gaps in part numbers are allowed", async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "gaps.bin" }));
    const first = await s3.send(new UploadPartCommand({ Bucket: "azure", Key: "gaps.bin", UploadId: created.UploadId, PartNumber: 3, Body: randomBytes(5 * mib) }));
    const second = await s3.send(new UploadPartCommand({ Bucket: "azure", Key: "gaps.bin", UploadId: created.UploadId, PartNumber: 7, Body: randomBytes(10) }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "gaps.bin", UploadId: created.UploadId, MultipartUpload: { Parts: [{ ETag: first.ETag, PartNumber: 3 }, { ETag: second.ETag, PartNumber: 7 }] } }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    expect((await s3.send(new HeadObjectCommand({ Bucket: "azure", Key: "gaps.bin" }))).ContentLength).toBe(5 * mib + 10);
  });

  test("part numbers outside 1 to 10000 are rejected", async () => {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "range.bin" }));
    expect((await failure(s3.send(new UploadPartCommand({ Bucket: "azure", Key: "range.bin", UploadId: created.UploadId, PartNumber: 10_001, Body: "x" })))).name).toBe("InvalidArgument");
  });

  test("ListParts pages with part-number-marker", async () => {
    const { uploadId } = await uploadParts("paged.bin", [10, 20, 30]);
    const first = await s3.send(new ListPartsCommand({ Bucket: "azure", Key: "paged.bin", UploadId: uploadId, MaxParts: 2 }));
    expect(first.Parts?.map((part) => part.PartNumber)).toEqual([1, 2]);
    expect(first.IsTruncated).toBe(true);
    const second = await s3.send(new ListPartsCommand({ Bucket: "azure", Key: "paged.bin", UploadId: uploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(second.Parts?.map((part) => part.Size)).toEqual([30]);
    expect(second.IsTruncated).toBe(false);
  });

  test("ListMultipartUploads pages with key and upload id markers", async () => {
    const ids: string[] = [];
    for (const key of ["uploads/a", "uploads/b", "uploads/b", "uploads/sub/c"]) {
      ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: "sentinelone", Key: key }))).UploadId ?? "");
    }
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: "sentinelone", Prefix: "uploads/" }));
    expect(all.Uploads?.map((upload) => upload.Key)).toEqual(["uploads/a", "uploads/b", "uploads/b", "uploads/sub/c"]);
    const grouped = await s3.send(new ListMultipartUploadsCommand({ Bucket: "sentinelone", Prefix: "uploads/", Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["uploads/sub/"]);
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: "sentinelone", Prefix: "uploads/", MaxUploads: 2 }));
    expect(page.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListMultipartUploadsCommand({ Bucket: "sentinelone", Prefix: "uploads/", KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }),
    );
    expect([...(page.Uploads ?? []), ...(rest.Uploads ?? [])].map((upload) => upload.UploadId).sort()).toEqual([...ids].sort());
  });
});

describe("copy and conditional reads", () => {
  test("CopyObject REPLACE sets new metadata and COPY keeps it", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "azure", Key: "meta.txt", Body: "m", ContentType: "text/plain", Metadata: { team: "red" } }));
    await s3.send(new CopyObjectCommand({ Bucket: "azure", Key: "meta-copy.txt", CopySource: "azure/meta.txt" }));
    const kept = await s3.send(new HeadObjectCommand({ Bucket: "azure", Key: "meta-copy.txt" }));
    expect(kept.Metadata).toEqual({ team: "red" });
    expect(kept.ContentType).toBe("text/plain");
    await s3.send(new CopyObjectCommand({ Bucket: "azure", Key: "meta.txt", CopySource: "azure/meta.txt", MetadataDirective: "REPLACE", Metadata: { team: "blue" }, ContentType: "text/csv" }));
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: "azure", Key: "meta.txt" }));
    expect(replaced.Metadata).toEqual({ team: "blue" });
    expect(replaced.ContentType).toBe("text/csv");
    expect((await failure(s3.send(new CopyObjectCommand({ Bucket: "azure", Key: "meta.txt", CopySource: "azure/meta.txt" })))).name).toBe("InvalidRequest");
  });

  test("If-Match, If-None-Match and date conditions", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: "azure", Key: "cond.txt", Body: "conditional" }));
    const etag = put.ETag ?? "";
    expect((await s3.send(new GetObjectCommand({ Bucket: "azure", Key: "cond.txt", IfMatch: etag }))).$metadata.httpStatusCode).toBe(200);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: "azure", Key: "cond.txt", IfMatch: '"nope"' })))).toEqual({ name: "PreconditionFailed", status: 412 });
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: "azure", Key: "cond.txt", IfNoneMatch: etag })))).status).toBe(304);
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: "azure", Key: "cond.txt", IfModifiedSince: new Date(Date.now() + 60_000) })))).status).toBe(304);
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: "azure", Key: "cond.txt", IfUnmodifiedSince: new Date(Date.now() - 3_600_000) })))).status).toBe(412);
  });

  test("conditions are checked only after authorization", async () => {
    expect((await failure(forged.send(new GetObjectCommand({ Bucket: "azure", Key: "cond.txt", IfMatch: '"nope"' })))).status).toBe(403);
  });

  test("encoding-type=url encodes keys and prefixes", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "vmware", Key: "enc/a b+c%d", Body: "x" }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "vmware", Prefix: "enc/", EncodingType: "url" }));
    // The JavaScript SDK hands encoded keys to the caller; decoding them must give the key back.
    expect(listed.Contents?.map((object) => object.Key)).toEqual(["enc/a%20b%2Bc%25d"]);
    expect(listed.Contents?.map((object) => decodeURIComponent(object.Key ?? ""))).toEqual(["enc/a b+c%d"]);
    expect(listed.Prefix).toBe("enc/");
  });
});
