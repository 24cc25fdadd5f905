/**
 * The authenticated stream format of sio-go (DARE 2.0), with AES-256-GCM, which MinIO's admin
 * API uses for request and response bodies that carry secrets.
 *
 * Plaintext is cut into fragments of 16 KiB. Each fragment is sealed on its own with the 12-byte
 * nonce `stream nonce (8 bytes) || sequence number (4 bytes, little-endian)`, where sequence
 * number 0 is reserved and the fragments use 1, 2, ... The additional data of every fragment is
 * a flag byte (0x00, or 0x80 for the final fragment) followed by the GCM tag of an empty message
 * sealed under sequence number 0. The final fragment contains 0 to 16 KiB, and it is a full 16 KiB
 * only when the plaintext length is a non-zero multiple of 16 KiB, because a writer only seals a
 * full fragment once it knows more bytes follow.
 * @see https://github.com/secure-io/sio-go
 */
import { createCipheriv, createDecipheriv } from "node:crypto";

/** Plaintext bytes per fragment (sio-go's default buffer size). */
export const fragmentSize = 16 * 1024;

const tagSize = 16;

/** Bytes of the nonce that the caller supplies; the last 4 of the 12 are the sequence number. */
export const streamNonceSize = 8;

/** Raised when a stream fails authentication or is cut short. */
export class StreamAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamAuthenticationError";
  }
}

function fragmentNonce(streamNonce: Buffer, sequence: number): Buffer {
  const nonce = Buffer.alloc(12);
  streamNonce.copy(nonce, 0);
  nonce.writeUInt32LE(sequence, streamNonce.length);
  return nonce;
}

/** Computes the additional data of each fragment except its flag byte: the tag of an empty message. */
function headerTag(key: Buffer, streamNonce: Buffer): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, fragmentNonce(streamNonce, 0));
  cipher.final();
  return cipher.getAuthTag();
}

function fragmentData(tag: Buffer, final: boolean): Buffer {
  return Buffer.concat([Buffer.from([final ? 0x80 : 0x00]), tag]);
}

/**
 * Encrypts `plaintext` as one sio stream.
 * @param key 32-byte AES-256 key.
 * @param streamNonce 8 bytes, unique for the key.
 */
export function sealStream(key: Buffer, streamNonce: Buffer, plaintext: Uint8Array): Buffer {
  const tag = headerTag(key, streamNonce);
  const sealed: Buffer[] = [];
  let offset = 0;
  let sequence = 1;
  // Full fragments are sealed only while more bytes follow them; the rest is the final fragment.
  while (plaintext.length - offset > fragmentSize) {
    sealed.push(sealFragment(key, streamNonce, sequence, plaintext.subarray(offset, offset + fragmentSize), fragmentData(tag, false)));
    offset += fragmentSize;
    sequence += 1;
  }
  sealed.push(sealFragment(key, streamNonce, sequence, plaintext.subarray(offset), fragmentData(tag, true)));
  return Buffer.concat(sealed);
}

function sealFragment(key: Buffer, streamNonce: Buffer, sequence: number, fragment: Uint8Array, additionalData: Buffer): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, fragmentNonce(streamNonce, sequence));
  cipher.setAAD(additionalData);
  return Buffer.concat([cipher.update(fragment), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Decrypts one sio stream.
 * @throws {StreamAuthenticationError} when any fragment fails authentication, or the stream is
 *   truncated or reordered.
 */
export function openStream(key: Buffer, streamNonce: Buffer, ciphertext: Uint8Array): Buffer {
  const tag = headerTag(key, streamNonce);
  const sealedSize = fragmentSize + tagSize;
  const opened: Buffer[] = [];
  let offset = 0;
  let sequence = 1;
  while (ciphertext.length - offset > sealedSize) {
    opened.push(openFragment(key, streamNonce, sequence, ciphertext.subarray(offset, offset + sealedSize), fragmentData(tag, false)));
    offset += sealedSize;
    sequence += 1;
  }
  const last = ciphertext.subarray(offset);
  if (last.length < tagSize) throw new StreamAuthenticationError("The encrypted stream is truncated: its final fragment is shorter than an authentication tag.");
  opened.push(openFragment(key, streamNonce, sequence, last, fragmentData(tag, true)));
  return Buffer.concat(opened);
}

function openFragment(key: Buffer, streamNonce: Buffer, sequence: number, sealed: Uint8Array, additionalData: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, fragmentNonce(streamNonce, sequence));
  decipher.setAAD(additionalData);
  decipher.setAuthTag(sealed.subarray(sealed.length - tagSize));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagSize)), decipher.final()]);
  } catch {
    throw new StreamAuthenticationError(`Fragment ${sequence} of the encrypted stream failed authentication: wrong key, or the data was changed.`);
  }
}
