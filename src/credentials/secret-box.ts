/**
 * AES-256-GCM encryption of credential secrets under the master keyring. The stored text is
 * `base64(iv) "." base64(ciphertext || tag)`, and the key id is stored beside it. The access key id
 * is bound in as additional data, so a ciphertext cannot be moved to another credential row.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { GatewayError } from "../errors.ts";
import type { MasterKeyring } from "./master-key.ts";

/** A stored secret cannot be decrypted: wrong or missing master key, or a damaged row. */
export class SecretDecryptionError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("secret_decryption_failed", message, options);
  }
}

export function encryptSecret(keyring: MasterKeyring, accessKeyId: string, secret: string): { keyId: string; ciphertext: string } {
  const key = keyring.keys.get(keyring.currentId);
  if (!key) throw new SecretDecryptionError(`Master key "${keyring.currentId}" is missing from the keyring.`);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(accessKeyId, "utf8"));
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { keyId: keyring.currentId, ciphertext: `${iv.toString("base64")}.${body.toString("base64")}` };
}

/**
 * Decrypts a secret stored by {@link encryptSecret}.
 * @throws {SecretDecryptionError} when the key id is unknown or authentication fails.
 */
export function decryptSecret(keyring: MasterKeyring, accessKeyId: string, keyId: string, ciphertext: string): string {
  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new SecretDecryptionError(`Credential ${accessKeyId} is encrypted with master key "${keyId}", which the master key file does not contain.`);
  }
  const [ivText, bodyText] = ciphertext.split(".");
  const iv = Buffer.from(ivText ?? "", "base64");
  const body = Buffer.from(bodyText ?? "", "base64");
  if (iv.length !== 12 || body.length < 16) throw new SecretDecryptionError(`Credential ${accessKeyId} has a malformed stored secret.`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAAD(Buffer.from(accessKeyId, "utf8"));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new SecretDecryptionError(`Credential ${accessKeyId} failed authentication under master key "${keyId}".`, { cause: error });
  }
}
