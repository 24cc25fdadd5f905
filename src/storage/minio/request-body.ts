/**
 * Request bodies for the upstream. A body of known length is streamed as it arrives. A body of
 * unknown length is first written to a temporary file, because S3 needs the length before the
 * bytes. A checksum whose algorithm is known up front is sent as an `aws-chunked` trailer, so the
 * upstream verifies and stores it without the gateway buffering the body.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageError } from "../errors.ts";
import type { ByteSource } from "../types.ts";

/** A body written to a temporary file; `remove` deletes the file. */
export interface SpooledBody {
  length: number;
  open(): ByteSource;
  remove(): Promise<void>;
}

/**
 * Writes a body to a temporary file, failing as soon as it passes `maxSize`.
 * @throws {StorageError} `EntityTooLarge`, or the body's own error; the file is removed then.
 */
export async function spoolBody(body: ByteSource, maxSize: number): Promise<SpooledBody> {
  const path = join(tmpdir(), `s3gw-upload-${randomBytes(12).toString("hex")}`);
  const handle = await open(path, "wx", 0o600);
  let length = 0;
  try {
    for await (const chunk of body) {
      length += chunk.length;
      if (length > maxSize) {
        throw new StorageError("EntityTooLarge", `The body is larger than the maximum of ${maxSize} bytes. Send at most ${maxSize} bytes, or use a multipart upload.`);
      }
      await handle.write(chunk);
    }
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
  return {
    length,
    open: () => createReadStream(path) as AsyncIterable<Uint8Array>,
    remove: () => rm(path, { force: true }),
  };
}

/**
 * Passes a body through and fails once it passes `maxSize` bytes. The S3 layer has already
 * checked the declared length, so this guards against a body longer than declared.
 */
export async function* limitBody(body: ByteSource, maxSize: number): ByteSource {
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > maxSize) {
      throw new StorageError("EntityTooLarge", `The body is larger than the maximum of ${maxSize} bytes. Send at most ${maxSize} bytes, or use a multipart upload.`);
    }
    yield chunk;
  }
}

/** Bytes of payload per `aws-chunked` chunk sent upstream. */
const chunkSize = 64 * 1024;

/** Length of the base64 checksum value of each algorithm. */
const checksumValueLength: Record<string, number> = { crc32: 8, crc32c: 8, crc64nvme: 12, sha1: 28, sha256: 44 };

/** Checks whether a checksum of this algorithm can be sent as a trailer (its value length is fixed). */
export function isTrailerAlgorithm(algorithm: string): boolean {
  return Object.hasOwn(checksumValueLength, algorithm);
}

/**
 * Length of the `aws-chunked` encoding of `payloadLength` bytes with one checksum trailer, as
 * {@link encodeWithTrailer} writes it.
 */
export function chunkedLength(payloadLength: number, algorithm: string): number {
  const fullChunks = Math.floor(payloadLength / chunkSize);
  const rest = payloadLength % chunkSize;
  const framing = (size: number) => size.toString(16).length + 2 + size + 2;
  let length = fullChunks * framing(chunkSize) + (rest > 0 ? framing(rest) : 0);
  length += "0\r\n".length;
  length += `x-amz-checksum-${algorithm}:`.length + (checksumValueLength[algorithm] ?? 0) + 2;
  return length + 2;
}

/**
 * Encodes a body as `aws-chunked` with unsigned chunks and one `x-amz-checksum-<algorithm>`
 * trailer, whose value `checksum()` returns once the body has been read.
 * @throws {Error} when the checksum is missing or its length differs from the announced one.
 */
export async function* encodeWithTrailer(body: ByteSource, algorithm: string, checksum: () => string | undefined): ByteSource {
  let pending = Buffer.alloc(0);
  for await (const chunk of body) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    while (pending.length >= chunkSize) {
      yield frame(pending.subarray(0, chunkSize));
      pending = pending.subarray(chunkSize);
    }
  }
  if (pending.length > 0) yield frame(pending);
  const value = checksum();
  if (value === undefined || value.length !== checksumValueLength[algorithm]) {
    throw new Error(`The ${algorithm} checksum to forward is missing or malformed.`);
  }
  yield Buffer.from(`0\r\nx-amz-checksum-${algorithm}:${value}\r\n\r\n`, "latin1");
}

function frame(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, "latin1"), data, Buffer.from("\r\n", "latin1")]);
}
