/**
 * Minting, listing and revoking the S3 credentials of an organization.
 */
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { recordAudit } from "../db/audit.ts";
import { bumpChangeCounter } from "../db/change-counter.ts";
import type { MetadataDb } from "../db/database.ts";
import { credentials, organizations } from "../db/schema.ts";
import { ConflictError, InvalidInputError, LimitExceededError, NotFoundError } from "../errors.ts";
import { newAccessKeyId, newSecretAccessKey } from "./key-format.ts";
import type { MasterKeyring } from "./master-key.ts";
import { encryptSecret } from "./secret-box.ts";

export type CredentialStatus = "active" | "expired" | "revoked";

/** A credential as the history shows it; never carries the secret. */
export interface CredentialSummary {
  accessKeyId: string;
  orgId: string;
  label: string | null;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedFrom: string | null;
  status: CredentialStatus;
}

/** A credential just created: the only time the secret leaves the service. */
export interface NewCredential {
  accessKeyId: string;
  secretAccessKey: string;
  orgId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface CredentialLimits {
  defaultTtlMs: number;
  maxActivePerOrg: number;
}

/** Longest lifetime a caller may ask for with an explicit TTL. */
const maxTtlMs = 30 * 86_400_000;

export function credentialStatus(row: { revokedAt: Date | null; expiresAt: Date }, now: Date): CredentialStatus {
  if (row.revokedAt) return "revoked";
  return row.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
}

export class CredentialService {
  constructor(
    private readonly db: MetadataDb,
    private readonly keyring: MasterKeyring,
    private readonly limits: CredentialLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates a credential for `orgId`, valid for `ttlMs` (the configured lifetime by default).
   * @throws {NotFoundError} when the organization does not exist.
   * @throws {LimitExceededError} when the organization already has the maximum of active keys.
   */
  create(input: { orgId: string; createdBy: string | null; actor: string; ttlMs?: number; label?: string; sourceAddress?: string }): NewCredential {
    const ttlMs = input.ttlMs ?? this.limits.defaultTtlMs;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > maxTtlMs) {
      throw new InvalidInputError(`Invalid credential lifetime of ${ttlMs} ms: use a duration between 1s and 30d.`);
    }
    const label = input.label?.trim() || null;
    if (label && label.length > 100) throw new InvalidInputError(`Invalid label "${label}": use at most 100 characters.`);
    const createdAt = this.now();
    const expiresAt = new Date(createdAt.getTime() + ttlMs);
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    const sealed = encryptSecret(this.keyring, accessKeyId, secretAccessKey);
    this.db.transaction((tx) => {
      if (!tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, input.orgId)).get()) {
        throw new NotFoundError(`Organization "${input.orgId}" does not exist: list organizations with "s3gateway org list".`);
      }
      const active = tx
        .select({ count: sql<number>`count(*)` })
        .from(credentials)
        .where(and(eq(credentials.orgId, input.orgId), isNull(credentials.revokedAt), gt(credentials.expiresAt, createdAt)))
        .get();
      if ((active?.count ?? 0) >= this.limits.maxActivePerOrg) {
        throw new LimitExceededError(
          `Organization "${input.orgId}" already has ${this.limits.maxActivePerOrg} active credentials, the maximum: revoke one before generating another.`,
        );
      }
      tx.insert(credentials)
        .values({
          accessKeyId,
          orgId: input.orgId,
          createdBy: input.createdBy,
          label,
          secretCiphertext: sealed.ciphertext,
          secretKeyId: sealed.keyId,
          createdAt,
          expiresAt,
        })
        .run();
      recordAudit(
        tx,
        { actor: input.actor, action: "credential.created", orgId: input.orgId, target: accessKeyId, sourceAddress: input.sourceAddress ?? null },
        createdAt,
      );
      bumpChangeCounter(tx);
    });
    return { accessKeyId, secretAccessKey, orgId: input.orgId, createdAt, expiresAt };
  }

  /** Lists an organization's credentials, newest first. */
  list(orgId: string): CredentialSummary[] {
    const now = this.now();
    return this.db
      .select()
      .from(credentials)
      .where(eq(credentials.orgId, orgId))
      .orderBy(desc(credentials.createdAt))
      .all()
      .map((row) => summarize(row, now));
  }

  /** @throws {NotFoundError} when no credential has this id. */
  get(accessKeyId: string): CredentialSummary {
    const row = this.db.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
    if (!row) throw new NotFoundError(`Credential "${accessKeyId}" does not exist: list credentials with "s3gateway credential list --org ORG_ID".`);
    return summarize(row, this.now());
  }

  /**
   * Revokes a credential at once; the next S3 request signed with it is rejected.
   * @throws {NotFoundError} when no credential has this id.
   * @throws {ConflictError} when it is already revoked.
   */
  revoke(accessKeyId: string, actor: string, sourceAddress?: string): CredentialSummary {
    const revokedAt = this.now();
    this.db.transaction((tx) => {
      const row = tx.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
      if (!row) throw new NotFoundError(`Credential "${accessKeyId}" does not exist: list credentials with "s3gateway credential list --org ORG_ID".`);
      if (row.revokedAt) throw new ConflictError(`Credential "${accessKeyId}" was already revoked at ${row.revokedAt.toISOString()}.`);
      tx.update(credentials).set({ revokedAt }).where(eq(credentials.accessKeyId, accessKeyId)).run();
      recordAudit(tx, { actor, action: "credential.revoked", orgId: row.orgId, target: accessKeyId, sourceAddress: sourceAddress ?? null }, revokedAt);
      bumpChangeCounter(tx);
    });
    return this.get(accessKeyId);
  }

  /** Writes last-used times collected by the S3 endpoint, in one transaction. */
  recordLastUse(uses: ReadonlyMap<string, { at: Date; from: string }>): void {
    if (uses.size === 0) return;
    this.db.transaction((tx) => {
      for (const [accessKeyId, use] of uses) {
        tx.update(credentials).set({ lastUsedAt: use.at, lastUsedFrom: use.from }).where(eq(credentials.accessKeyId, accessKeyId)).run();
      }
    });
  }
}

function summarize(row: typeof credentials.$inferSelect, now: Date): CredentialSummary {
  return {
    accessKeyId: row.accessKeyId,
    orgId: row.orgId,
    label: row.label,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    lastUsedFrom: row.lastUsedFrom,
    status: credentialStatus(row, now),
  };
}
