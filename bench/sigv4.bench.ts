/**
 * Micro-benchmarks of the request path's CPU work: Signature Version 4 header verification,
 * aws-chunked decoding of a signed body, and the upload checksums. Run with `npm run bench`. It
 * prints mitata's timing table, then a Markdown table of throughput for docs/benchmarks.md.
 */
import { randomBytes } from "node:crypto";
import { bench, do_not_optimize, group, run } from "mitata";
import { checksumAlgorithms, createChecksum } from "../src/s3/checksums.ts";
import { decodeAwsChunked, type ChunkSigning } from "../src/sigv4/aws-chunked.ts";
import { canonicalHeaders, canonicalRequest, canonicalUri } from "../src/sigv4/canonical-request.ts";
import { canonicalQueryString, parseQuery } from "../src/sigv4/canonical-query.ts";
import type { SignableRequest } from "../src/sigv4/request.ts";
import { deriveSigningKey, sign, type CredentialScope } from "../src/sigv4/signing-key.ts";
import { stringToSign, verifyHeaderSignature, type VerifyOptions } from "../src/sigv4/verify.ts";
import { encodeAwsChunked } from "../test/support/aws-chunked-body.ts";

const mebibyte = 1024 * 1024;
const accessKeyId = "AKIABENCHMARK0000001";
const secret = "bench/secret/access/key/000000000000000000";
const amzDate = "20240615T120000Z";
const scope: CredentialScope = { accessKeyId, date: amzDate.slice(0, 8), region: "us-east-1", service: "s3" };
const signingKey = deriveSigningKey(secret, scope);

/** Bytes each benchmark processes per iteration, by benchmark name. Benchmarks without an entry report calls per second. */
const bytesPerIteration = new Map<string, number>();

/** Builds a GET with a range header and two query parameters, signed with this project's canonicalization. */
function signedGetRequest(): { request: SignableRequest; options: VerifyOptions } {
  const headers = new Map<string, string[]>([
    ["host", ["127.0.0.1:9000"]],
    ["range", ["bytes=0-1023"]],
    ["x-amz-content-sha256", ["UNSIGNED-PAYLOAD"]],
    ["x-amz-date", [amzDate]],
    ["user-agent", ["aws-sdk-js/3"]],
  ]);
  const request: SignableRequest = { method: "GET", rawPath: "/photos/2024/06/holiday%20picture.jpg", rawQuery: "versionId=null&x-id=GetObject", headers };
  const signedHeaders = ["host", "range", "x-amz-content-sha256", "x-amz-date"];
  const canonical = canonicalRequest({
    method: request.method,
    canonicalUri: canonicalUri(request.rawPath),
    canonicalQuery: canonicalQueryString(parseQuery(request.rawQuery)),
    canonicalHeaders: canonicalHeaders(headers, signedHeaders),
    signedHeaders,
    payloadHash: "UNSIGNED-PAYLOAD",
  });
  const signature = sign(signingKey, stringToSign(amzDate, scope, canonical));
  headers.set("authorization", [`AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope.date}/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders.join(";")},Signature=${signature}`]);
  const options: VerifyOptions = {
    region: "us-east-1",
    now: new Date("2024-06-15T12:00:30Z"),
    maxSkewMs: 15 * 60_000,
    maxPresignedExpiresSeconds: 604_800,
    lookupSecret: (id) => (id === accessKeyId ? secret : undefined),
  };
  return { request, options };
}

/** Splits `bytes` into network reads of `size` bytes without copying. */
function networkReads(bytes: Uint8Array, size: number): Uint8Array[] {
  const reads: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) reads.push(bytes.subarray(offset, offset + size));
  return reads;
}

async function* replay(reads: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* reads;
}

async function decodedLength(reads: readonly Uint8Array[], signing: ChunkSigning): Promise<number> {
  let length = 0;
  for await (const piece of decodeAwsChunked(replay(reads), { signing, trailer: false })) length += piece.length;
  return length;
}

const headerCase = signedGetRequest();
const headerQuery = parseQuery(headerCase.request.rawQuery);
verifyHeaderSignature(headerCase.request, headerQuery, headerCase.options);

const chunkedPayloadBytes = 64 * mebibyte;
const chunkSigning: ChunkSigning = { signingKey, amzDate, scope, seedSignature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9" };
const chunkedBody = encodeAwsChunked(randomBytes(chunkedPayloadBytes), { chunkSizes: [64 * 1024], signing: chunkSigning });
const chunkedReads = networkReads(chunkedBody, 64 * 1024);
if ((await decodedLength(chunkedReads, chunkSigning)) !== chunkedPayloadBytes) throw new Error("The benchmark body did not decode to its payload.");

const checksumInput = randomBytes(16 * mebibyte);

group("sigv4", () => {
  bench("verify header signature (GET, 4 signed headers)", () => do_not_optimize(verifyHeaderSignature(headerCase.request, headerQuery, headerCase.options)));
  bytesPerIteration.set("decode aws-chunked, 64 MiB in 64 KiB signed chunks", chunkedPayloadBytes);
  bench("decode aws-chunked, 64 MiB in 64 KiB signed chunks", async () => do_not_optimize(await decodedLength(chunkedReads, chunkSigning)));
});

group("checksums of 16 MiB", () => {
  for (const algorithm of checksumAlgorithms) {
    const name = `${algorithm} (src/s3/checksums.ts)`;
    bytesPerIteration.set(name, checksumInput.length);
    bench(name, () => {
      const checksum = createChecksum(algorithm);
      checksum.update(checksumInput);
      do_not_optimize(checksum.digestBase64());
    });
  }
  for (const algorithm of ["md5", "sha256"] as const) {
    const name = `${algorithm} (Bun.CryptoHasher)`;
    bytesPerIteration.set(name, checksumInput.length);
    bench(name, () => do_not_optimize(new Bun.CryptoHasher(algorithm).update(checksumInput).digest("hex")));
  }
});

const results = await run({ colors: process.stdout.isTTY === true });

// The median resists the outliers a shared machine produces better than the mean does.
console.log(`\nThroughput from the median time per iteration (Bun ${Bun.version}):\n`);
console.log("| Benchmark | Median | Mean | Throughput |");
console.log("|---|---|---|---|");
for (const trial of results.benchmarks) {
  const stats = trial.runs[0]?.stats;
  if (!stats) continue;
  const seconds = stats.p50 / 1e9;
  const bytes = bytesPerIteration.get(trial.alias);
  const throughput = bytes === undefined ? `${Math.round(1 / seconds).toLocaleString("en-US")} ops/s` : `${Math.round(bytes / mebibyte / seconds).toLocaleString("en-US")} MiB/s`;
  console.log(`| ${trial.alias} | ${formatDuration(stats.p50)} | ${formatDuration(stats.avg)} | ${throughput} |`);
}

function formatDuration(nanoseconds: number): string {
  if (nanoseconds < 1e3) return `${nanoseconds.toFixed(0)} ns`;
  if (nanoseconds < 1e6) return `${(nanoseconds / 1e3).toFixed(2)} µs`;
  return `${(nanoseconds / 1e6).toFixed(2)} ms`;
}
