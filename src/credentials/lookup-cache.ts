/**
 * In-memory view of credentials and connector buckets for the S3 endpoint, so a request costs no
 * database query in the common case. Any change in this or another process bumps the change
 * counter; the cache polls it and drops everything it holds when it moves. A change made in this
 * process also calls {@link CredentialLookupCache.clear} directly, so it applies to the very next
 * request without waiting for a poll.
 */
import { eq } from "drizzle-orm";
import { readChangeCounter } from "../db/change-counter.ts";
import type { MetadataDb } from "../db/database.ts";
import { connectors, credentials } from "../db/schema.ts";
import type { CredentialScope } from "../tenancy/scope.ts";
import type { MasterKeyring } from "./master-key.ts";
import { decryptSecret } from "./secret-box.ts";

export interface CachedCredential {
  accessKeyId: string;
  orgId: string;
  secretAccessKey: string;
  expiresAt: Date;
  revokedAt: Date | null;
  scope: CredentialScope;
}

/** Entries kept before the cache is emptied, which bounds memory under a flood of unknown ids. */
const maxEntries = 100_000;

export class CredentialLookupCache {
  private readonly credentialsById = new Map<string, CachedCredential | null>();
  private readonly bucketsByOrg = new Map<string, ReadonlyMap<string, Date>>();
  private seenCounter: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: MetadataDb,
    private readonly keyring: MasterKeyring,
  ) {
    this.seenCounter = readChangeCounter(db);
  }

  /** Starts polling the change counter every `intervalMs`. */
  start(intervalMs = 200): void {
    this.timer ??= setInterval(() => this.refresh(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Drops cached entries when the change counter moved since the last look, and rereads the
   * master key file if it changed, as it does after `s3gateway master-key rotate`.
   */
  refresh(): void {
    const counter = readChangeCounter(this.db);
    if (counter !== this.seenCounter) {
      this.seenCounter = counter;
      this.reloadKeyring();
      this.clear();
    }
  }

  clear(): void {
    this.credentialsById.clear();
    this.bucketsByOrg.clear();
  }

  /** Returns the credential with its decrypted secret, or undefined for an unknown id. */
  credential(accessKeyId: string): CachedCredential | undefined {
    const cached = this.credentialsById.get(accessKeyId);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.db.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
    if (row && !this.keyring.keys.has(row.secretKeyId)) this.reloadKeyring();
    const entry: CachedCredential | null = row
      ? {
          accessKeyId,
          orgId: row.orgId,
          secretAccessKey: decryptSecret(this.keyring, accessKeyId, row.secretKeyId, row.secretCiphertext),
          expiresAt: row.expiresAt,
          revokedAt: row.revokedAt,
          scope: { access: row.access, buckets: row.scopeBuckets ?? null },
        }
      : null;
    // Unknown ids are cached as null too, so guessing does not turn into database load.
    if (this.credentialsById.size > maxEntries) this.credentialsById.clear();
    this.credentialsById.set(accessKeyId, entry);
    return entry ?? undefined;
  }

  /** Returns the connector buckets of an organization with the time each was added. */
  buckets(orgId: string): ReadonlyMap<string, Date> {
    let buckets = this.bucketsByOrg.get(orgId);
    if (!buckets) {
      const rows = this.db.select({ bucket: connectors.bucket, createdAt: connectors.createdAt }).from(connectors).where(eq(connectors.orgId, orgId)).all();
      buckets = new Map(rows.map((row) => [row.bucket, row.createdAt]));
      this.bucketsByOrg.set(orgId, buckets);
    }
    return buckets;
  }

  /**
   * Keeps the keys already loaded when the file cannot be read at this moment, for example while
   * an operator edits it. Decryption then fails only for secrets under a key not yet seen.
   */
  private reloadKeyring(): void {
    try {
      this.keyring.reloadIfChanged?.();
    } catch {
      return;
    }
  }
}
