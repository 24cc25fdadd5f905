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

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Secrets are 40 letters and digits (about 238 random bits). Punctuation is left out because a
 * secret starting with "-" is read as an option by `aws configure set`.
 */
export function newSecretAccessKey(): string {
  let secret = "";
  while (secret.length < 40) {
    for (const byte of randomBytes(48)) {
      // 248 is the largest multiple of 62 below 256; skipping larger bytes keeps the choice uniform.
      if (byte < 248 && secret.length < 40) secret += secretAlphabet[byte % 62];
    }
  }
  return secret;
}

/** Shape check done before any lookup, so malformed ids never reach the database. */
export function isWellFormedAccessKeyId(id: string): boolean {
  return /^GW[A-Z2-7]{18}$/.test(id);
}
