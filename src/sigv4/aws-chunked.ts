/**
 * Decoder for `aws-chunked` request bodies: the streaming payload modes of Signature Version 4,
 * with per-chunk signatures (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`) or without them
 * (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`), and optional trailing headers such as checksums.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import { ByteReader } from "./byte-reader.ts";
import { SigV4Error } from "./errors.ts";
import { scopeString, sha256Hex, sign, signaturesEqual, type CredentialScope } from "./signing-key.ts";

/** Maximum length of a chunk header or trailer line, in bytes. */
const maxLineLength = 4096;
/** Largest single chunk accepted; clients send 8 KiB to a few MiB. */
const maxChunkSize = 64 * 1024 * 1024;
const emptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: CredentialScope;
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Present for signed chunks; every chunk signature is then verified. */
  signing?: ChunkSigning;
  /** Whether trailing headers follow the last chunk. */
  trailer: boolean;
  /** Receives the trailing headers (lowercase names) once the body is read. */
  onTrailers?: (trailers: Map<string, string>) => void;
}

/**
 * Decodes an `aws-chunked` body, yielding the payload bytes. Chunk data is yielded before its
 * signature is checked, so callers must only commit what they stored once the generator returns.
 * @throws {SigV4Error} `SignatureDoesNotMatch` for a wrong chunk or trailer signature,
 *   `IncompleteBody` for a truncated or malformed body.
 */
export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>, options: AwsChunkedOptions): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source);
  let previousSignature = options.signing?.seedSignature ?? "";
  for (;;) {
    const header = await reader.readLine(maxLineLength);
    if (header === undefined) throw incomplete("a chunk header is missing or too long");
    const { size, signature } = parseChunkHeader(header, options.signing !== undefined);
    const hasher = options.signing ? new Bun.CryptoHasher("sha256") : undefined;
    const complete = { ok: true };
    for await (const piece of reader.readBytes(size, complete)) {
      hasher?.update(piece);
      yield piece;
    }
    if (!complete.ok) throw incomplete(`the body ended inside a chunk of ${size} bytes`);
    if (options.signing && signature !== undefined) {
      previousSignature = verifyChunk(options.signing, previousSignature, hasher?.digest("hex") ?? emptySha256, signature);
    }
    if (size === 0) break;
    const separator = await reader.readLine(0);
    if (separator !== "") throw incomplete("a chunk is not followed by CRLF");
  }
  const trailers = options.trailer ? await readTrailers(reader) : new Map<string, string>();
  if (!options.trailer && (await reader.readLine(0)) !== "") throw incomplete("the final chunk is not followed by CRLF");
  if (options.trailer && options.signing) verifyTrailerSignature(options.signing, previousSignature, trailers);
  trailers.delete("x-amz-trailer-signature");
  if (!(await reader.atEnd())) throw incomplete("bytes follow the final chunk");
  options.onTrailers?.(trailers);
}

function parseChunkHeader(line: string, signed: boolean): { size: number; signature?: string } {
  const match = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
  if (!match?.[1]) throw incomplete(`the chunk header "${line.slice(0, 40)}" is malformed`);
  if (signed && match[2] === undefined) {
    throw new SigV4Error("SignatureDoesNotMatch", "A chunk has no chunk-signature although the request declares signed chunks.");
  }
  const size = Number.parseInt(match[1], 16);
  if (size > maxChunkSize) throw incomplete(`a chunk of ${size} bytes exceeds the limit of ${maxChunkSize}`);
  return match[2] === undefined ? { size } : { size, signature: match[2] };
}

function verifyChunk(signing: ChunkSigning, previous: string, dataSha256: string, received: string): string {
  const toSign = ["AWS4-HMAC-SHA256-PAYLOAD", signing.amzDate, scopeString(signing.scope), previous, emptySha256, dataSha256].join("\n");
  const expected = sign(signing.signingKey, toSign);
  if (!signaturesEqual(expected, received)) {
    throw new SigV4Error("SignatureDoesNotMatch", "A chunk signature does not match: the body was altered or signed with another key.");
  }
  return expected;
}

async function readTrailers(reader: ByteReader): Promise<Map<string, string>> {
  const trailers = new Map<string, string>();
  for (;;) {
    const line = await reader.readLine(maxLineLength);
    if (line === undefined) throw incomplete("the trailing headers are truncated");
    if (line === "") return trailers;
    const colon = line.indexOf(":");
    if (colon <= 0 || trailers.size >= 16) throw incomplete(`the trailing header "${line.slice(0, 40)}" is malformed`);
    trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}

function verifyTrailerSignature(signing: ChunkSigning, previous: string, trailers: Map<string, string>): void {
  const received = trailers.get("x-amz-trailer-signature");
  if (received === undefined) throw new SigV4Error("SignatureDoesNotMatch", "The signed trailer has no x-amz-trailer-signature.");
  let canonical = "";
  for (const [name, value] of trailers) {
    if (name !== "x-amz-trailer-signature") canonical += `${name}:${value}\n`;
  }
  const toSign = ["AWS4-HMAC-SHA256-TRAILER", signing.amzDate, scopeString(signing.scope), previous, sha256Hex(canonical)].join("\n");
  if (!signaturesEqual(sign(signing.signingKey, toSign), received)) {
    throw new SigV4Error("SignatureDoesNotMatch", "The trailer signature does not match: the trailing headers were altered or signed with another key.");
  }
}

function incomplete(reason: string): SigV4Error {
  return new SigV4Error("IncompleteBody", `The aws-chunked body is malformed: ${reason}. Send the body again.`);
}
