/**
 * Streaming a request body into an open file: counting bytes against a limit and computing the
 * MD5 as the chunks pass, so memory use does not depend on the body size.
 */
import type { FileHandle } from "node:fs/promises";
import { StorageError } from "../errors.ts";
import type { ByteSource } from "../types.ts";

/** Limits checked while a body is written. */
export interface BodyLimits {
  /** More bytes than this fail with `EntityTooLarge`. */
  maxSize: number;
  /** Expected MD5 digest (Content-MD5). A mismatch fails with `BadDigest`. */
  expectedMd5?: Buffer;
}

/** Size and MD5 digest of a body that was written completely. */
export interface WrittenBody {
  size: number;
  md5: Buffer;
}

/**
 * Writes every chunk of `body` to `handle` in order and returns the size and MD5.
 * An error thrown by `body` propagates unchanged.
 * @throws {StorageError} `EntityTooLarge` as soon as the count passes `limits.maxSize`, without
 *   reading further.
 * @throws {StorageError} `BadDigest` after the last chunk when the MD5 differs from `limits.expectedMd5`.
 */
export async function writeBody(handle: FileHandle, body: ByteSource, limits: BodyLimits): Promise<WrittenBody> {
  const hasher = new Bun.CryptoHasher("md5");
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limits.maxSize) throw entityTooLarge(limits.maxSize);
    hasher.update(chunk);
    await writeFully(handle, chunk);
  }
  const md5 = hasher.digest();
  if (limits.expectedMd5 !== undefined && !md5.equals(limits.expectedMd5)) {
    throw badDigest(limits.expectedMd5, md5);
  }
  return { size, md5 };
}

/** Writes the whole chunk, looping because one write call may store fewer bytes than requested. */
async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

function entityTooLarge(maxSize: number): StorageError {
  return new StorageError(
    "EntityTooLarge",
    `The body is larger than the maximum of ${maxSize} bytes. Send at most ${maxSize} bytes, or use a multipart upload.`,
  );
}

function badDigest(expected: Buffer, actual: Buffer): StorageError {
  return new StorageError(
    "BadDigest",
    `The Content-MD5 "${expected.toString("base64")}" does not match the MD5 of the received body ` +
      `"${actual.toString("base64")}". Check the digest and send the body again.`,
  );
}
