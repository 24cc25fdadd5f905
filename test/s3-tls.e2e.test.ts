/**
 * The S3 endpoint over TLS, where current SDKs send `aws-chunked` bodies with trailing checksums
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER) by default.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { Agent } from "node:https";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand, CreateMultipartUploadCommand, CompleteMultipartUploadCommand } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createCredential, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";
import { createTestCertificate, type TestCertificate } from "./support/tls.ts";

let certificate: TestCertificate;
let gateway: TestGateway;
let credential: TestCredential;

function client(secret = credential.secret_access_key): S3Client {
  return new S3Client({
    endpoint: gateway.s3Url,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: credential.access_key_id, secretAccessKey: secret },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: certificate.pem }) }),
  });
}

beforeAll(async () => {
  certificate = createTestCertificate();
  gateway = await startGateway({ S3GATEWAY_TLS_CERT: certificate.certFile, S3GATEWAY_TLS_KEY: certificate.keyFile });
  credential = await createCredential(gateway, "acme", { createOrg: true });
});

afterAll(async () => {
  await gateway.stop();
  certificate.remove();
});

test("endpoint address uses https", () => {
  expect(gateway.s3Url).toStartWith("https://127.0.0.1:");
});

test("streamed upload with a trailing checksum round-trips", async () => {
  const body = randomBytes(3 * 1024 * 1024 + 17);
  const put = await client().send(new PutObjectCommand({ Bucket: "azure", Key: "trailer.bin", Body: body, ContentLength: body.length }));
  expect(put.$metadata.httpStatusCode).toBe(200);
  const head = await client().send(new HeadObjectCommand({ Bucket: "azure", Key: "trailer.bin" }));
  expect(head.ContentLength).toBe(body.length);
  expect(head.ContentEncoding).toBeUndefined();
  const got = await client().send(new GetObjectCommand({ Bucket: "azure", Key: "trailer.bin" }));
  expect(createHash("sha256").update(await got.Body!.transformToByteArray()).digest("hex")).toBe(createHash("sha256").update(body).digest("hex"));
});

test("multipart parts with trailing checksums complete", async () => {
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(100)];
  const created = await client().send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "parts.bin", ChecksumAlgorithm: "CRC32" }));
  const done = [];
  for (const [index, part] of parts.entries()) {
    const uploaded = await client().send(new UploadPartCommand({ Bucket: "azure", Key: "parts.bin", UploadId: created.UploadId, PartNumber: index + 1, Body: part, ChecksumAlgorithm: "CRC32" }));
    done.push({ ETag: uploaded.ETag ?? "", PartNumber: index + 1, ChecksumCRC32: uploaded.ChecksumCRC32 ?? "" });
  }
  const completed = await client().send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "parts.bin", UploadId: created.UploadId, MultipartUpload: { Parts: done } }));
  expect(completed.ETag).toMatch(/-2"$/);
  const head = await client().send(new HeadObjectCommand({ Bucket: "azure", Key: "parts.bin", ChecksumMode: "ENABLED" }));
  expect(head.ContentLength).toBe(5 * 1024 * 1024 + 100);
  expect(head.ChecksumCRC32).toBe(completed.ChecksumCRC32);
  expect(head.ChecksumCRC32).toMatch(/-2$/);
  expect(head.ChecksumType).toBe("COMPOSITE");
});

test("full-object CRC64NVME of a multipart upload matches the whole body", async () => {
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(4321)];
  const created = await client().send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "full.bin", ChecksumAlgorithm: "CRC64NVME", ChecksumType: "FULL_OBJECT" }));
  const done = [];
  for (const [index, part] of parts.entries()) {
    const uploaded = await client().send(new UploadPartCommand({ Bucket: "azure", Key: "full.bin", UploadId: created.UploadId, PartNumber: index + 1, Body: part, ChecksumAlgorithm: "CRC64NVME" }));
    done.push({ ETag: uploaded.ETag ?? "", PartNumber: index + 1, ChecksumCRC64NVME: uploaded.ChecksumCRC64NVME ?? "" });
  }
  await client().send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "full.bin", UploadId: created.UploadId, MultipartUpload: { Parts: done } }));
  const whole = await client().send(new PutObjectCommand({ Bucket: "azure", Key: "whole.bin", Body: Buffer.concat(parts), ChecksumAlgorithm: "CRC64NVME" }));
  const head = await client().send(new HeadObjectCommand({ Bucket: "azure", Key: "full.bin", ChecksumMode: "ENABLED" }));
  expect(head.ChecksumType).toBe("FULL_OBJECT");
  expect(head.ChecksumCRC64NVME).toBe(whole.ChecksumCRC64NVME);
});

test("stored checksum is returned on GET but not on a ranged GET", async () => {
  const body = randomBytes(1000);
  const put = await client().send(new PutObjectCommand({ Bucket: "azure", Key: "sum.bin", Body: body, ChecksumAlgorithm: "SHA256" }));
  expect(put.ChecksumSHA256).toBe(createHash("sha256").update(body).digest("base64"));
  const whole = await client().send(new GetObjectCommand({ Bucket: "azure", Key: "sum.bin", ChecksumMode: "ENABLED" }));
  expect(whole.ChecksumSHA256).toBe(put.ChecksumSHA256);
  await whole.Body!.transformToByteArray();
  const ranged = await client().send(new GetObjectCommand({ Bucket: "azure", Key: "sum.bin", ChecksumMode: "ENABLED", Range: "bytes=0-9" }));
  expect(ranged.ChecksumSHA256).toBeUndefined();
  await ranged.Body!.transformToByteArray();
});

test("If-None-Match: * refuses to overwrite", async () => {
  await client().send(new PutObjectCommand({ Bucket: "azure", Key: "once.txt", Body: "first", IfNoneMatch: "*" }));
  let name = "";
  try {
    await client().send(new PutObjectCommand({ Bucket: "azure", Key: "once.txt", Body: "second", IfNoneMatch: "*" }));
  } catch (error) {
    name = error instanceof S3ServiceException ? error.name : String(error);
  }
  expect(name).toBe("PreconditionFailed");
  const got = await client().send(new GetObjectCommand({ Bucket: "azure", Key: "once.txt" }));
  expect(await got.Body!.transformToString()).toBe("first");
});

test("wrong secret over TLS is SignatureDoesNotMatch", async () => {
  let name = "";
  try {
    await client("y".repeat(40)).send(new PutObjectCommand({ Bucket: "azure", Key: "forged.bin", Body: randomBytes(10) }));
  } catch (error) {
    name = error instanceof S3ServiceException ? error.name : String(error);
  }
  expect(name).toBe("SignatureDoesNotMatch");
});
