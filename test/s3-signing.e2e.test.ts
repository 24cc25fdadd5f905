/**
 * Every way of signing a write, sent as raw HTTP to the real server: each succeeds with the right
 * secret, and with a wrong secret each is rejected with 403 and stores nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { encodeAwsChunked } from "./support/aws-chunked-body.ts";
import { createCredential, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";
import { presignUrl, signHeaderRequest, type SigningKey } from "./support/raw-signer.ts";

let gateway: TestGateway;
let credential: TestCredential;
let rightKey: SigningKey;
let wrongKey: SigningKey;

beforeAll(async () => {
  gateway = await startGateway();
  credential = await createCredential(gateway, "acme", { createOrg: true });
  rightKey = { accessKeyId: credential.access_key_id, secretAccessKey: credential.secret_access_key };
  wrongKey = { accessKeyId: credential.access_key_id, secretAccessKey: "w".repeat(40) };
});

afterAll(async () => {
  await gateway.stop();
});

const crc32Base64 = (data: Uint8Array) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(Bun.hash.crc32(data));
  return bytes.toString("base64");
};

/** Reads an object back with a correctly signed GET; returns the status and body. */
async function readBack(key: string): Promise<{ status: number; body: Buffer }> {
  const url = `${gateway.s3Url}/azure/${key}`;
  const signed = signHeaderRequest("GET", url, {}, createHash("sha256").update("").digest("hex"), rightKey);
  const response = await fetch(url, { headers: signed.headers });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** Copies bytes into an ArrayBuffer-backed array, the body type fetch declares. */
const asBody = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

async function errorCode(response: Response): Promise<string> {
  return /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] ?? "";
}

type WriteMode = (key: string, body: Uint8Array, signingKey: SigningKey) => Promise<Response>;

const modes: Record<string, WriteMode> = {
  "signed payload": (key, body, signingKey) => {
    const url = `${gateway.s3Url}/azure/${key}`;
    const signed = signHeaderRequest("PUT", url, {}, createHash("sha256").update(body).digest("hex"), signingKey);
    return fetch(url, { method: "PUT", headers: signed.headers, body: asBody(body) });
  },
  "UNSIGNED-PAYLOAD": (key, body, signingKey) => {
    const url = `${gateway.s3Url}/azure/${key}`;
    const signed = signHeaderRequest("PUT", url, {}, "UNSIGNED-PAYLOAD", signingKey);
    return fetch(url, { method: "PUT", headers: signed.headers, body: asBody(body) });
  },
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": (key, body, signingKey) => {
    const url = `${gateway.s3Url}/azure/${key}`;
    const encodedLength = encodeAwsChunked(body, { chunkSizes: [8192], signing: { signingKey: Buffer.alloc(32), amzDate: "20000101T000000Z", scope: { accessKeyId: "x", date: "20000101", region: "us-east-1", service: "s3" }, seedSignature: "0".repeat(64) } }).length;
    const signed = signHeaderRequest(
      "PUT",
      url,
      { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(body.length), "content-length": String(encodedLength) },
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      signingKey,
    );
    const encoded = encodeAwsChunked(body, { chunkSizes: [8192], signing: signed.chunkSigning });
    return fetch(url, { method: "PUT", headers: signed.headers, body: asBody(encoded) });
  },
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": (key, body, signingKey) => {
    const url = `${gateway.s3Url}/azure/${key}`;
    const signed = signHeaderRequest(
      "PUT",
      url,
      { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(body.length), "x-amz-trailer": "x-amz-checksum-crc32" },
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
      signingKey,
    );
    const encoded = encodeAwsChunked(body, { chunkSizes: [16384], signing: signed.chunkSigning, trailers: [["x-amz-checksum-crc32", crc32Base64(body)]] });
    return fetch(url, { method: "PUT", headers: signed.headers, body: asBody(encoded) });
  },
  "STREAMING-UNSIGNED-PAYLOAD-TRAILER without Content-Length": (key, body, signingKey) => {
    const url = `${gateway.s3Url}/azure/${key}`;
    const signed = signHeaderRequest(
      "PUT",
      url,
      { "x-amz-decoded-content-length": String(body.length), "x-amz-trailer": "x-amz-checksum-crc32" },
      "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      signingKey,
    );
    const encoded = encodeAwsChunked(body, { chunkSizes: [10000], trailers: [["x-amz-checksum-crc32", crc32Base64(body)]] });
    // A stream body makes fetch send Transfer-Encoding: chunked with no Content-Length.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(asBody(encoded));
        controller.close();
      },
    });
    return fetch(url, { method: "PUT", headers: signed.headers, body: stream });
  },
  "presigned URL": (key, body, signingKey) => fetch(presignUrl("PUT", `${gateway.s3Url}/azure/${key}`, 300, signingKey), { method: "PUT", body: asBody(body) }),
};

describe.each(Object.keys(modes))("%s", (mode) => {
  const write = modes[mode]!;
  const slug = mode.toLowerCase().replace(/[^a-z0-9]+/g, "-");

  test("right secret stores the bytes", async () => {
    const body = randomBytes(40_000);
    const response = await write(`${slug}/ok.bin`, body, rightKey);
    expect(response.status).toBe(200);
    const stored = await readBack(`${slug}/ok.bin`);
    expect(stored.status).toBe(200);
    expect(stored.body.equals(body)).toBe(true);
  });

  test("wrong secret is rejected and stores nothing", async () => {
    const response = await write(`${slug}/forged.bin`, randomBytes(40_000), wrongKey);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("SignatureDoesNotMatch");
    expect((await readBack(`${slug}/forged.bin`)).status).toBe(404);
  });
});

describe("streaming body checks", () => {
  test("an altered chunk is rejected and stores nothing", async () => {
    const url = `${gateway.s3Url}/azure/tampered.bin`;
    const body = randomBytes(20_000);
    const signed = signHeaderRequest("PUT", url, { "x-amz-decoded-content-length": String(body.length) }, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", rightKey);
    const encoded = encodeAwsChunked(body, { chunkSizes: [8192], signing: signed.chunkSigning });
    encoded[encoded.length - 200] = (encoded[encoded.length - 200] ?? 0) ^ 0xff;
    const response = await fetch(url, { method: "PUT", headers: signed.headers, body: asBody(encoded) });
    expect(response.status).toBe(403);
    expect((await readBack("tampered.bin")).status).toBe(404);
  });

  test("a wrong trailing checksum is BadDigest", async () => {
    const url = `${gateway.s3Url}/azure/bad-trailer.bin`;
    const body = randomBytes(5_000);
    const signed = signHeaderRequest("PUT", url, { "x-amz-decoded-content-length": String(body.length), "x-amz-trailer": "x-amz-checksum-crc32" }, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", rightKey);
    const encoded = encodeAwsChunked(body, { chunkSizes: [4096], trailers: [["x-amz-checksum-crc32", "AAAAAA=="]] });
    const response = await fetch(url, { method: "PUT", headers: signed.headers, body: asBody(encoded) });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("BadDigest");
    expect((await readBack("bad-trailer.bin")).status).toBe(404);
  });

  test("a zero-length streaming body stores an empty object", async () => {
    const url = `${gateway.s3Url}/azure/empty.bin`;
    const signed = signHeaderRequest("PUT", url, { "x-amz-decoded-content-length": "0" }, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", rightKey);
    const encoded = encodeAwsChunked(new Uint8Array(0), { chunkSizes: [1], signing: signed.chunkSigning });
    const response = await fetch(url, { method: "PUT", headers: signed.headers, body: asBody(encoded) });
    expect(response.status).toBe(200);
    const stored = await readBack("empty.bin");
    expect(stored.status).toBe(200);
    expect(stored.body.length).toBe(0);
  });

  test("a signed payload whose body changed is XAmzContentSHA256Mismatch", async () => {
    const url = `${gateway.s3Url}/azure/mismatch.bin`;
    const signed = signHeaderRequest("PUT", url, {}, createHash("sha256").update("original").digest("hex"), rightKey);
    const response = await fetch(url, { method: "PUT", headers: signed.headers, body: "replaced" });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("XAmzContentSHA256Mismatch");
    expect((await readBack("mismatch.bin")).status).toBe(404);
  });
});

describe("request-level rejections", () => {
  const emptyHash = createHash("sha256").update("").digest("hex");

  test("clock skew over 15 minutes names the server time", async () => {
    const url = `${gateway.s3Url}/azure/`;
    const signed = signHeaderRequest("GET", url, {}, emptyHash, { ...rightKey, date: new Date(Date.now() - 20 * 60_000) });
    const response = await fetch(url, { headers: signed.headers });
    const text = await response.text();
    expect(response.status).toBe(403);
    expect(text).toContain("<Code>RequestTimeTooSkewed</Code>");
    expect(text).toMatch(/<ServerTime>\d{4}-\d{2}-\d{2}T/);
  });

  test("another region names the expected one", async () => {
    const url = `${gateway.s3Url}/azure/`;
    const signed = signHeaderRequest("GET", url, {}, emptyHash, { ...rightKey, region: "eu-west-1" });
    const response = await fetch(url, { headers: signed.headers });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toContain("<Code>AuthorizationHeaderMalformed</Code>");
    expect(text).toContain("<Region>us-east-1</Region>");
  });

  test("an unsigned x-amz header is rejected", async () => {
    const url = `${gateway.s3Url}/azure/unsigned-meta.txt`;
    const signed = signHeaderRequest("PUT", url, {}, "UNSIGNED-PAYLOAD", rightKey);
    const response = await fetch(url, { method: "PUT", headers: { ...signed.headers, "x-amz-meta-sneaky": "1" }, body: "x" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("x-amz-meta-sneaky");
    expect((await readBack("unsigned-meta.txt")).status).toBe(404);
  });

  test("a session token is rejected, not ignored", async () => {
    const url = `${gateway.s3Url}/azure/`;
    const signed = signHeaderRequest("GET", url, { "x-amz-security-token": "token" }, emptyHash, rightKey);
    const response = await fetch(url, { headers: signed.headers });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("InvalidArgument");
  });

  test("a presigned URL longer than seven days is rejected", async () => {
    const response = await fetch(presignUrl("GET", `${gateway.s3Url}/azure/x`, 7 * 86_400 + 1, rightKey));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("AuthorizationQueryParametersError");
  });

  test("HEAD errors carry no body", async () => {
    const url = `${gateway.s3Url}/azure/missing.bin`;
    const signed = signHeaderRequest("HEAD", url, {}, emptyHash, rightKey);
    const response = await fetch(url, { method: "HEAD", headers: signed.headers });
    expect(response.status).toBe(404);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });
});
