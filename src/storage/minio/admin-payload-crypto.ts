/**
 * Encryption of MinIO admin API bodies that carry secrets (users, service accounts, policy
 * attachments), in the format of madmin-go's `EncryptData` and `DecryptData`:
 *
 *     salt (32 bytes) | algorithm id (1 byte) | stream nonce (8 bytes) | sio stream
 *
 * The key is derived from the admin secret key and the salt, with Argon2id (time 1, 64 MiB,
 * 4 lanes) for id 0x00 and 0x01, or with PBKDF2-HMAC-SHA256 (8192 iterations) for id 0x02, the
 * id that MinIO's FIPS builds use. Id 0x01 streams with ChaCha20-Poly1305, which the runtime's
 * crypto module does not offer, so it is rejected with a clear error. MinIO servers accept all
 * three ids in requests. They encrypt responses with 0x00, or 0x01 on CPUs without AES
 * instructions, or 0x02 in FIPS mode.
 * @see https://github.com/minio/madmin-go/blob/main/encrypt.go
 */
import { argon2Sync, pbkdf2Sync, randomBytes } from "node:crypto";
import { openStream, sealStream, streamNonceSize, StreamAuthenticationError } from "./sio-stream.ts";

export type AdminKeyDerivation = "argon2id" | "pbkdf2";

const saltSize = 32;
const headerSize = saltSize + 1 + streamNonceSize;

const algorithmIds = { argon2idAesGcm: 0x00, argon2idChaCha20Poly1305: 0x01, pbkdf2AesGcm: 0x02 } as const;

/** Raised when a response body cannot be decrypted with the admin secret key. */
export class AdminPayloadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AdminPayloadError";
  }
}

function deriveKey(secretKey: string, salt: Buffer, derivation: AdminKeyDerivation): Buffer {
  if (derivation === "pbkdf2") return pbkdf2Sync(Buffer.from(secretKey, "utf8"), salt, 8192, 32, "sha256");
  return argon2Sync("argon2id", { message: Buffer.from(secretKey, "utf8"), nonce: salt, parallelism: 4, tagLength: 32, memory: 64 * 1024, passes: 1 });
}

/**
 * Encrypts an admin request body with a key derived from the admin secret key.
 * @param derivation `pbkdf2` (fast, and accepted by FIPS and regular MinIO builds) or `argon2id`.
 */
export function encryptAdminPayload(secretKey: string, plaintext: Uint8Array, derivation: AdminKeyDerivation = "pbkdf2"): Buffer {
  const salt = randomBytes(saltSize);
  const streamNonce = randomBytes(streamNonceSize);
  const id = derivation === "pbkdf2" ? algorithmIds.pbkdf2AesGcm : algorithmIds.argon2idAesGcm;
  const key = deriveKey(secretKey, salt, derivation);
  return Buffer.concat([salt, Buffer.from([id]), streamNonce, sealStream(key, streamNonce, plaintext)]);
}

/**
 * Decrypts an admin response body.
 * @throws {AdminPayloadError} for a short header, an unknown or unsupported algorithm id, or a
 *   body that fails authentication (usually a wrong admin secret key).
 */
export function decryptAdminPayload(secretKey: string, data: Uint8Array): Buffer {
  if (data.length < headerSize) throw new AdminPayloadError(`The encrypted admin payload is ${data.length} bytes, shorter than its ${headerSize}-byte header.`);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const salt = bytes.subarray(0, saltSize);
  const id = bytes[saltSize];
  const streamNonce = bytes.subarray(saltSize + 1, headerSize);
  let derivation: AdminKeyDerivation;
  if (id === algorithmIds.argon2idAesGcm) derivation = "argon2id";
  else if (id === algorithmIds.pbkdf2AesGcm) derivation = "pbkdf2";
  else if (id === algorithmIds.argon2idChaCha20Poly1305) {
    throw new AdminPayloadError("The MinIO server encrypted its response with ChaCha20-Poly1305, which this runtime does not support: run MinIO on a CPU with AES instructions, or in FIPS mode.");
  } else {
    throw new AdminPayloadError(`The encrypted admin payload names unknown algorithm id ${id}.`);
  }
  try {
    return openStream(deriveKey(secretKey, salt, derivation), streamNonce, bytes.subarray(headerSize));
  } catch (error) {
    if (error instanceof StreamAuthenticationError) {
      throw new AdminPayloadError("The encrypted admin payload failed authentication: check that the MinIO root password is the one the server uses.", { cause: error });
    }
    throw error;
  }
}
