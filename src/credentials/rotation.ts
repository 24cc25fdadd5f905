/**
 * Master key rotation: a new key is appended to the keyring file, and every stored secret is
 * re-encrypted under it while servers keep running. Servers decrypt with any key in the file and
 * reload the file when it changes, so requests never meet a secret they cannot decrypt.
 */
import { and, eq, ne } from "drizzle-orm";
import { recordAudit } from "../db/audit.ts";
import { bumpChangeCounter } from "../db/change-counter.ts";
import type { MetadataDb } from "../db/database.ts";
import { credentials } from "../db/schema.ts";
import { ConfigError } from "../errors.ts";
import { appendMasterKey, FileKeyring } from "./master-key.ts";
import { decryptSecret, encryptSecret } from "./secret-box.ts";

export interface RotationResult {
  newKeyId: string;
  /** Secrets re-encrypted under the new key. */
  reencrypted: number;
  /** Key ids still in the file that no stored secret uses any more. */
  unusedKeyIds: string[];
}

/** Rows re-encrypted per transaction, so that servers writing meanwhile wait only briefly. */
const batchSize = 200;

/**
 * Maximum passes over the table. A server that has not yet reloaded the file may store a new
 * secret under the old key during the first pass. The change counter bump makes it reload, so the
 * next pass catches that secret.
 */
const maxPasses = 5;

/**
 * Appends a new master key to the file at `path` and re-encrypts every secret under it.
 * @throws {ConfigError} when the file cannot be read, or a secret is under a key the file lacks.
 */
export function rotateMasterKey(db: MetadataDb, path: string, actor: string): RotationResult {
  assertEveryKeyPresent(db, new FileKeyring(path));
  const newKeyId = appendMasterKey(path);
  const keyring = new FileKeyring(path);
  if (keyring.currentId !== newKeyId) throw new ConfigError(`Master key file "${path}" changed during rotation: run the rotation again.`);
  // Servers reload the keyring when the counter moves, and from then on encrypt under the new key.
  db.transaction((tx) => bumpChangeCounter(tx));

  let reencrypted = 0;
  for (let pass = 0; pass < maxPasses; pass++) {
    const count = reencryptPass(db, keyring);
    reencrypted += count;
    if (count === 0) break;
  }
  db.transaction((tx) => {
    recordAudit(tx, { actor, action: "master_key.rotated", target: newKeyId, detail: { reencrypted } });
    bumpChangeCounter(tx);
  });
  const used = new Set(keyIdsInUse(db));
  const unusedKeyIds = [...keyring.keys.keys()].filter((id) => !used.has(id) && id !== newKeyId);
  return { newKeyId, reencrypted, unusedKeyIds };
}

/** Re-encrypts every secret not under the current key, in batches; returns how many. */
function reencryptPass(db: MetadataDb, keyring: FileKeyring): number {
  let total = 0;
  for (;;) {
    const rows = db
      .select({ accessKeyId: credentials.accessKeyId, keyId: credentials.secretKeyId, ciphertext: credentials.secretCiphertext })
      .from(credentials)
      .where(ne(credentials.secretKeyId, keyring.currentId))
      .limit(batchSize)
      .all();
    if (rows.length === 0) return total;
    db.transaction((tx) => {
      for (const row of rows) {
        const secret = decryptSecret(keyring, row.accessKeyId, row.keyId, row.ciphertext);
        const sealed = encryptSecret(keyring, row.accessKeyId, secret);
        // Matching on the old ciphertext skips a row that changed since it was read.
        tx.update(credentials)
          .set({ secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext })
          .where(and(eq(credentials.accessKeyId, row.accessKeyId), eq(credentials.secretCiphertext, row.ciphertext)))
          .run();
      }
      bumpChangeCounter(tx);
    });
    total += rows.length;
  }
}

/** Lists the distinct master key ids that stored secrets are encrypted under. */
export function keyIdsInUse(db: MetadataDb): string[] {
  return db
    .selectDistinct({ keyId: credentials.secretKeyId })
    .from(credentials)
    .all()
    .map((row) => row.keyId);
}

/**
 * Checks that the keyring contains every key that stored secrets use.
 * @throws {ConfigError} naming the missing key ids and the file, so the operator restores it.
 */
export function assertEveryKeyPresent(db: MetadataDb, keyring: { keys: ReadonlyMap<string, Buffer> }, path?: string): void {
  const missing = keyIdsInUse(db).filter((id) => !keyring.keys.has(id));
  if (missing.length === 0) return;
  throw new ConfigError(
    `Stored secrets are encrypted with master key ${missing.map((id) => `"${id}"`).join(", ")}, which ${path ? `"${path}"` : "the master key file"} does not contain: restore the key file from its backup, or set S3GATEWAY_MASTER_KEY_FILE to the right file.`,
  );
}
