/**
 * Generation of access key ids and secrets in the shapes AWS clients expect.
 */
import { randomBytes } from "node:crypto";

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Access key ids are 20 characters, like AWS's: the `GW` prefix and 18 random base32 characters. */
export function newAccessKeyId(): string {
  const bytes = randomBytes(18);
  let id = "GW";
  for (const byte of bytes) id += base32Alphabet[byte & 31];
  return id;
}

/** Secrets are 40 characters of URL-safe base64 (240 random bits). */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString("base64url");
}

/** Shape check done before any lookup, so malformed ids never reach the database. */
export function isWellFormedAccessKeyId(id: string): boolean {
  return /^GW[A-Z2-7]{18}$/.test(id);
}
