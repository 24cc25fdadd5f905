/**
 * Encodes payloads as `aws-chunked` request bodies for the decoder's property tests and
 * benchmarks, in the streaming formats it accepts: signed chunks
 * (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`), signed chunks with a signed trailer (`...-TRAILER`),
 * and unsigned chunks with a trailer (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
 */
import type { ChunkSigning } from "../../src/sigv4/aws-chunked.ts";
import { scopeString, sha256Hex, sign } from "../../src/sigv4/signing-key.ts";

export const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface ChunkedBodyOptions {
  /** Sizes of successive data chunks in bytes. The last size repeats until the payload is used up. */
  chunkSizes: readonly number[];
  /** Present for signed chunks: each chunk and the trailer are signed with this key and seed. */
  signing?: ChunkSigning;
  /** Trailing headers as `[name, value]` pairs. When absent, the body has no trailer section. */
  trailers?: readonly (readonly [string, string])[];
  /** Writes chunk sizes with uppercase hex digits, which the format also allows. */
  upperCaseHex?: boolean;
}

/**
 * Encodes `payload` as one `aws-chunked` body.
 * @throws {RangeError} when a chunk size is not a positive whole number, because a zero-size
 *   chunk would end the body early.
 */
export function encodeAwsChunked(payload: Uint8Array, options: ChunkedBodyOptions): Buffer {
  const parts: Uint8Array[] = [];
  let previousSignature = options.signing?.seedSignature ?? "";
  let offset = 0;
  let sizeIndex = 0;
  for (;;) {
    const chunkSize = options.chunkSizes[Math.min(sizeIndex, options.chunkSizes.length - 1)] ?? 0;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`Chunk size ${chunkSize} is invalid: use whole numbers from 1.`);
    const chunk = payload.subarray(offset, Math.min(offset + chunkSize, payload.length));
    offset += chunk.length;
    sizeIndex += 1;

    let header = options.upperCaseHex ? chunk.length.toString(16).toUpperCase() : chunk.length.toString(16);
    if (options.signing) {
      previousSignature = chunkSignature(options.signing, previousSignature, chunk);
      header += `;chunk-signature=${previousSignature}`;
    }
    parts.push(Buffer.from(`${header}\r\n`, "latin1"));
    if (chunk.length === 0) break;
    parts.push(chunk, Buffer.from("\r\n", "latin1"));
  }

  if (options.trailers === undefined) {
    parts.push(Buffer.from("\r\n", "latin1"));
    return Buffer.concat(parts);
  }
  let trailerText = "";
  for (const [name, value] of options.trailers) trailerText += `${name}:${value}\r\n`;
  if (options.signing) {
    trailerText += `x-amz-trailer-signature:${trailerSignature(options.signing, previousSignature, options.trailers)}\r\n`;
  }
  parts.push(Buffer.from(`${trailerText}\r\n`, "utf8"));
  return Buffer.concat(parts);
}

/** Signs one chunk, chaining from the signature of the chunk before it (or the seed). */
export function chunkSignature(signing: ChunkSigning, previousSignature: string, chunk: Uint8Array): string {
  const stringToSign = ["AWS4-HMAC-SHA256-PAYLOAD", signing.amzDate, scopeString(signing.scope), previousSignature, emptySha256, sha256Hex(chunk)].join("\n");
  return sign(signing.signingKey, stringToSign);
}

/** Signs the trailing headers, chaining from the signature of the final zero-size chunk. */
function trailerSignature(signing: ChunkSigning, previousSignature: string, trailers: readonly (readonly [string, string])[]): string {
  let canonical = "";
  for (const [name, value] of trailers) canonical += `${name.toLowerCase()}:${value}\n`;
  const stringToSign = ["AWS4-HMAC-SHA256-TRAILER", signing.amzDate, scopeString(signing.scope), previousSignature, sha256Hex(canonical)].join("\n");
  return sign(signing.signingKey, stringToSign);
}

/**
 * Delivers `bytes` as a stream of network reads of the given sizes, the last size repeating.
 * Each piece is a copy, so the reader cannot rely on pieces sharing one buffer.
 */
export async function* deliverInPieces(bytes: Uint8Array, pieceSizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let index = 0;
  while (offset < bytes.length) {
    const size = Math.max(1, pieceSizes[Math.min(index, pieceSizes.length - 1)] ?? bytes.length);
    yield bytes.slice(offset, offset + size);
    offset += size;
    index += 1;
  }
}
