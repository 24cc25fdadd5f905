/**
 * Turns a request body into the verified byte stream storage writes: decodes `aws-chunked`,
 * checks the signed payload hash, the declared lengths and any `x-amz-checksum-*`, and throws at
 * the end of the stream when something does not match, so storage commits nothing.
 */
import type { HeaderMap } from "../sigv4/request.ts";
import { headerValue } from "../sigv4/request.ts";
import { decodeAwsChunked } from "../sigv4/aws-chunked.ts";
import type { VerifiedRequest } from "../sigv4/verify.ts";
import type { ByteSource } from "../storage/types.ts";
import { checksumAlgorithms, createChecksum, isChecksumAlgorithm, type ChecksumAlgorithm } from "./checksums.ts";
import { S3Error } from "./s3-error.ts";

export interface BodyPlan {
  source: ByteSource;
  /** Payload length when the client declared it, before reading the body. */
  declaredLength: number | undefined;
  /** Content-MD5 as raw bytes, when sent. */
  expectedMd5: Buffer | undefined;
  /**
   * The checksum the client sent (verified) or the one computed for `computeAlgorithm`.
   * Available once `source` has been read to the end.
   */
  checksum(): { algorithm: ChecksumAlgorithm; value: string } | undefined;
  /** Algorithm of the checksum that `checksum()` will return, known before the body is read. */
  checksumAlgorithm: ChecksumAlgorithm | undefined;
}

/**
 * Builds the verified payload stream of a write request.
 * @throws {S3Error} for malformed length, Content-MD5 or checksum headers, before reading the body.
 */
export function planRequestBody(headers: HeaderMap, body: ByteSource, verified: VerifiedRequest, computeAlgorithm?: ChecksumAlgorithm): BodyPlan {
  const payload = verified.payload;
  const streaming = payload.kind === "streaming-signed" || payload.kind === "streaming-unsigned-trailer";
  const declaredLength = parseLength(streaming ? "x-amz-decoded-content-length" : "content-length", headers);
  const trailerName = headerValue(headers, "x-amz-trailer")?.trim().toLowerCase();
  const checksum = checksumExpectation(headers, trailerName);
  let trailers = new Map<string, string>();
  let source: ByteSource = body;
  if (streaming) {
    const signing = payload.kind === "streaming-signed" ? { signingKey: verified.signingKey, amzDate: verified.amzDate, scope: verified.scope, seedSignature: verified.seedSignature } : undefined;
    const trailer = payload.kind === "streaming-unsigned-trailer" || (payload.kind === "streaming-signed" && payload.trailer);
    source = decodeAwsChunked(body, { ...(signing ? { signing } : {}), trailer, onTrailers: (received) => (trailers = received) });
  }
  if (payload.kind === "signed") source = verifySha256(source, payload.sha256);
  if (declaredLength !== undefined) source = verifyLength(source, declaredLength);
  let result: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  if (checksum) {
    if (computeAlgorithm !== undefined && checksum.algorithm !== computeAlgorithm) {
      throw new S3Error("InvalidRequest", `The upload uses ${computeAlgorithm.toUpperCase()} checksums, but this request sent ${checksum.algorithm.toUpperCase()}: send x-amz-checksum-${computeAlgorithm}.`);
    }
    source = verifyChecksum(source, checksum.algorithm, () => checksum.value ?? trailers.get(`x-amz-checksum-${checksum.algorithm}`), (value) => (result = { algorithm: checksum.algorithm, value }));
  } else if (computeAlgorithm !== undefined) {
    source = computeChecksum(source, computeAlgorithm, (value) => (result = { algorithm: computeAlgorithm, value }));
  }
  return { source, declaredLength, expectedMd5: parseContentMd5(headers), checksum: () => result, checksumAlgorithm: checksum?.algorithm ?? computeAlgorithm };
}

function parseLength(name: string, headers: HeaderMap): number | undefined {
  const text = headerValue(headers, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw new S3Error("InvalidArgument", `The ${name} header "${text.slice(0, 30)}" is not a whole number of bytes.`);
  return Number(text);
}

function parseContentMd5(headers: HeaderMap): Buffer | undefined {
  const text = headerValue(headers, "content-md5");
  if (text === undefined) return undefined;
  const digest = Buffer.from(text, "base64");
  if (digest.length !== 16 || digest.toString("base64") !== text.trim()) {
    throw new S3Error("InvalidDigest", `The Content-MD5 "${text.slice(0, 40)}" is not the base64 of a 16-byte MD5 digest.`);
  }
  return digest;
}

function checksumExpectation(headers: HeaderMap, trailerName: string | undefined): { algorithm: ChecksumAlgorithm; value: string | undefined } | undefined {
  for (const algorithm of checksumAlgorithms) {
    const value = headerValue(headers, `x-amz-checksum-${algorithm}`);
    if (value !== undefined) return { algorithm, value };
  }
  if (trailerName === undefined) return undefined;
  const algorithm = trailerName.replace(/^x-amz-checksum-/, "");
  if (!trailerName.startsWith("x-amz-checksum-") || !isChecksumAlgorithm(algorithm)) {
    throw new S3Error("InvalidArgument", `The trailer "${trailerName.slice(0, 60)}" is not supported: use x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 or -sha256.`);
  }
  return { algorithm, value: undefined };
}

async function* verifySha256(source: ByteSource, expected: string): ByteSource {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of source) {
    hasher.update(chunk);
    yield chunk;
  }
  if (hasher.digest("hex") !== expected) {
    throw new S3Error("XAmzContentSHA256Mismatch", "The body's SHA-256 does not match the x-amz-content-sha256 header: the body changed in transit, send it again.");
  }
}

async function* verifyLength(source: ByteSource, expected: number): ByteSource {
  let received = 0;
  for await (const chunk of source) {
    received += chunk.length;
    if (received > expected) throw new S3Error("IncompleteBody", `The body is longer than the declared ${expected} bytes.`);
    yield chunk;
  }
  if (received !== expected) {
    throw new S3Error("IncompleteBody", `The body ended after ${received} of the declared ${expected} bytes: send it again.`);
  }
}

async function* computeChecksum(source: ByteSource, algorithm: ChecksumAlgorithm, done: (value: string) => void): ByteSource {
  const checksum = createChecksum(algorithm);
  for await (const chunk of source) {
    checksum.update(chunk);
    yield chunk;
  }
  done(checksum.digestBase64());
}

async function* verifyChecksum(source: ByteSource, algorithm: ChecksumAlgorithm, expected: () => string | undefined, done: (value: string) => void): ByteSource {
  const checksum = createChecksum(algorithm);
  for await (const chunk of source) {
    checksum.update(chunk);
    yield chunk;
  }
  const received = expected();
  if (received === undefined) {
    throw new S3Error("InvalidRequest", `The request announced an x-amz-checksum-${algorithm} trailer but did not send it.`);
  }
  if (checksum.digestBase64() !== received) {
    throw new S3Error("BadDigest", `The ${algorithm.toUpperCase()} checksum you specified did not match the body received: send the object again.`);
  }
  done(received);
}
