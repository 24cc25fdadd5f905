// The latest @aws-sdk/client-s3 from npm, with its default checksum settings, against the gateway
// over plain HTTP and over TLS. Bodies are file streams, as an application uploading files sends
// them, and a middleware records the headers of each request after signing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createReadStream, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { defaultConnectors, startGatewayOver, storedObject, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { MIB, sha256Hex, writeRandomFile } from "../support/test-files.ts";

/** Part size of the multipart upload, which the test sends part by part because the SDK client has no multipart threshold. */
const PART_SIZE = 8 * MIB;
const BIG_FILE_SIZE = 17 * MIB + 4321;
const SMALL_CONTENT = "small object written by @aws-sdk/client-s3\n";

interface SentRequest {
  operation: string;
  contentSha256: string | undefined;
  trailer: string | undefined;
}

function createClient(target: GatewayOverTransport, sent: SentRequest[], secret = target.credential.secret_access_key): S3Client {
  const client = new S3Client({
    endpoint: target.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: target.credential.access_key_id, secretAccessKey: secret },
    ...(target.caPem === undefined ? {} : { requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: target.caPem }) }) }),
  });
  // The deserialize step runs after signing, so the headers are the ones sent on the wire.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      sent.push({ operation: context.commandName ?? "", contentSha256: headers["x-amz-content-sha256"], trailer: headers["x-amz-trailer"] });
      return next(args);
    },
    { step: "deserialize", name: "recordSentHeaders" },
  );
  return client;
}

async function sha256OfBody(body: { transformToByteArray(): Promise<Uint8Array> } | undefined): Promise<string> {
  if (body === undefined) throw new Error("the response has no body");
  return createHash("sha256").update(await body.transformToByteArray()).digest("hex");
}

describe.each(transports)("@aws-sdk/client-s3 over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let client: S3Client;
  let bigHash: string;
  const sent: SentRequest[] = [];

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    client = createClient(target, sent);
    bigHash = writeRandomFile(workspace.path("big.bin"), BIG_FILE_SIZE);
    writeFileSync(workspace.path("small.txt"), SMALL_CONTENT);
  }, 30_000);

  afterAll(async () => {
    client?.destroy();
    await target?.stop();
    workspace?.remove();
  });

  test("ListBuckets returns the connectors", async () => {
    const output = await client.send(new ListBucketsCommand({}));
    expect(output.Buckets?.map((bucket) => bucket.Name)).toEqual(defaultConnectors);
  }, 30_000);

  test("streamed PutObject and multipart upload", async () => {
    sent.length = 0;
    await client.send(
      new PutObjectCommand({ Bucket: "azure", Key: "sdk/notes/small.txt", Body: createReadStream(workspace.path("small.txt")), ContentLength: SMALL_CONTENT.length }),
    );

    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: "azure", Key: "sdk/big.bin" }));
    const parts: CompletedPart[] = [];
    for (let start = 0, partNumber = 1; start < BIG_FILE_SIZE; start += PART_SIZE, partNumber++) {
      const end = Math.min(start + PART_SIZE, BIG_FILE_SIZE);
      const body = createReadStream(workspace.path("big.bin"), { start, end: end - 1 });
      const part = await client.send(
        new UploadPartCommand({ Bucket: "azure", Key: "sdk/big.bin", UploadId: created.UploadId, PartNumber: partNumber, Body: body, ContentLength: end - start }),
      );
      parts.push({ ETag: part.ETag, PartNumber: partNumber, ...(part.ChecksumCRC32 === undefined ? {} : { ChecksumCRC32: part.ChecksumCRC32 }) });
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: "azure", Key: "sdk/big.bin", UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));

    const bodies = sent.filter((request) => request.operation === "PutObjectCommand" || request.operation === "UploadPartCommand");
    expect(bodies).toHaveLength(4);
    for (const request of bodies) {
      // Unlike boto3, this SDK sends stream bodies with a trailing checksum over plain HTTP too.
      expect(request.contentSha256, request.operation).toBe("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
      expect(request.trailer, request.operation).toBe("x-amz-checksum-crc32");
    }

    const stored = await storedObject(target, "azure", "sdk/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-3"$/);
  }, 60_000);

  test("ListObjectsV2 lists by prefix", async () => {
    const shallow = await client.send(new ListObjectsV2Command({ Bucket: "azure", Prefix: "sdk/", Delimiter: "/" }));
    expect(shallow.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(["sdk/notes/"]);
    expect(shallow.Contents?.map((item) => [item.Key, item.Size])).toEqual([["sdk/big.bin", BIG_FILE_SIZE]]);

    const recursive = await client.send(new ListObjectsV2Command({ Bucket: "azure", Prefix: "sdk/" }));
    expect(recursive.Contents?.map((item) => [item.Key, item.Size])).toEqual([
      ["sdk/big.bin", BIG_FILE_SIZE],
      ["sdk/notes/small.txt", SMALL_CONTENT.length],
    ]);
  }, 30_000);

  test("GetObject returns identical bytes", async () => {
    const big = await client.send(new GetObjectCommand({ Bucket: "azure", Key: "sdk/big.bin" }));
    expect(await sha256OfBody(big.Body)).toBe(bigHash);
    const small = await client.send(new GetObjectCommand({ Bucket: "azure", Key: "sdk/notes/small.txt" }));
    expect(await sha256OfBody(small.Body)).toBe(sha256Hex(SMALL_CONTENT));
  }, 60_000);

  test("CopyObject, DeleteObject and DeleteObjects", async () => {
    await client.send(new CopyObjectCommand({ Bucket: "vmware", Key: "sdk-copy/big.bin", CopySource: "azure/sdk/big.bin" }));
    const copied = await client.send(new GetObjectCommand({ Bucket: "vmware", Key: "sdk-copy/big.bin" }));
    expect(await sha256OfBody(copied.Body)).toBe(bigHash);

    await client.send(new DeleteObjectCommand({ Bucket: "azure", Key: "sdk/notes/small.txt" }));
    const batch = await client.send(new DeleteObjectsCommand({ Bucket: "azure", Delete: { Objects: [{ Key: "sdk/big.bin" }] } }));
    expect(batch.Deleted?.map((entry) => entry.Key)).toEqual(["sdk/big.bin"]);
    expect(batch.Errors ?? []).toEqual([]);

    const listing = await client.send(new ListObjectsV2Command({ Bucket: "azure", Prefix: "sdk/" }));
    expect(listing.KeyCount).toBe(0);
  }, 60_000);

  test("wrong secret fails with SignatureDoesNotMatch", async () => {
    const wrong = createClient(target, [], "x".repeat(40));
    let failure: unknown;
    try {
      await wrong.send(new ListObjectsV2Command({ Bucket: "azure" }));
    } catch (error) {
      failure = error;
    } finally {
      wrong.destroy();
    }
    expect(failure).toBeInstanceOf(S3ServiceException);
    expect((failure as S3ServiceException).name).toBe("SignatureDoesNotMatch");
    expect((failure as S3ServiceException).$metadata.httpStatusCode).toBe(403);
  }, 30_000);
});
