/**
 * The lifecycle of an organization's S3 credentials: minting, renewal, revocation, deletion and
 * the record of their last use. Every change is audited and bumps the change counter, so the
 * lookup caches of every process drop what they hold.
 */
import { and, asc, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { recordAudit, type AuditAction } from "../db/audit.ts";
import { bumpChangeCounter } from "../db/change-counter.ts";
import type { MetadataDb } from "../db/database.ts";
import { connectors, credentials, organizations } from "../db/schema.ts";
import { ConflictError, InvalidInputError, LimitExceededError, NotFoundError } from "../errors.ts";
import { keyAccessLevels, type CredentialScope, type KeyAccess } from "../tenancy/scope.ts";
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
  /** Lifetime the key was created with; each renewal extends it by this much from the time of renewal. */
  lifetimeMs: number;
  scope: CredentialScope;
  status: CredentialStatus;
}

/** A credential just created: the only time the secret leaves the service. */
export interface NewCredential {
  accessKeyId: string;
  secretAccessKey: string;
  orgId: string;
  label: string | null;
  scope: CredentialScope;
  createdAt: Date;
  expiresAt: Date;
}

export interface CredentialLimits {
  defaultTtlMs: number;
  maxActivePerOrg: number;
  /** Maximum age of a key from its creation, renewals included. Undefined means no limit. */
  maxAgeMs?: number | undefined;
}

/** Choices a caller makes when generating a key. */
export interface CreateCredentialInput {
  orgId: string;
  /** User who generates the key; null for the CLI. */
  createdBy: string | null;
  /** Audit actor, such as `user:<id>` or `cli`. */
  actor: string;
  ttlMs?: number;
  label?: string;
  /** Bucket subset and access level; every bucket, read-write when left out. */
  scope?: { access?: KeyAccess; buckets?: readonly string[] | null };
  sourceAddress?: string;
}

/** The actor and source address of a change, for the audit trail. */
export interface ActorInfo {
  actor: string;
  sourceAddress?: string | undefined;
}

/** Maximum lifetime a caller may request with an explicit TTL. */
const maxTtlMs = 30 * 86_400_000;

/** Maximum label length, in characters. */
export const maxLabelLength = 100;

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

  /** The configured lifetime of a new key and the maximum of active keys per organization. */
  get settings(): Readonly<CredentialLimits> {
    return this.limits;
  }

  /**
   * Creates a credential for `orgId`, valid for `ttlMs` (the configured lifetime by default).
   * @throws {InvalidInputError} for a bad lifetime, label, access level or bucket scope.
   * @throws {NotFoundError} when the organization does not exist.
   * @throws {LimitExceededError} when the organization already has the maximum of active keys.
   */
  create(input: CreateCredentialInput): NewCredential {
    const ttlMs = input.ttlMs ?? this.limits.defaultTtlMs;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > maxTtlMs) {
      throw new InvalidInputError(`Invalid credential lifetime of ${ttlMs} ms: use a duration between 1s and 30d.`);
    }
    const label = normalizeLabel(input.label);
    const access = input.scope?.access ?? "read-write";
    if (!keyAccessLevels.includes(access)) {
      throw new InvalidInputError(`Invalid access level "${String(access)}": use ${keyAccessLevels.join(", ")}.`);
    }
    const createdAt = this.now();
    const expiresAt = new Date(createdAt.getTime() + this.cappedLifetime(ttlMs));
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    const sealed = encryptSecret(this.keyring, accessKeyId, secretAccessKey);
    let scope: CredentialScope = { access, buckets: null };

    this.db.transaction((tx) => {
      if (!tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, input.orgId)).get()) {
        throw new NotFoundError(`Organization "${input.orgId}" does not exist: list organizations with "s3gateway org list".`);
      }
      const orgBuckets = tx.select({ bucket: connectors.bucket }).from(connectors).where(eq(connectors.orgId, input.orgId)).all();
      scope = { access, buckets: validateBucketScope(input.orgId, input.scope?.buckets, orgBuckets.map((row) => row.bucket)) };
      const active = countActive(tx, input.orgId, createdAt);
      if (active >= this.limits.maxActivePerOrg) {
        throw new LimitExceededError(
          `Organization "${input.orgId}" already has ${active} active credentials, and ${this.limits.maxActivePerOrg} is the maximum: revoke one before generating another.`,
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
          lifetimeMs: ttlMs,
          access: scope.access,
          scopeBuckets: scope.buckets === null ? null : [...scope.buckets],
        })
        .run();
      const detail: Record<string, string> = { access, expiresAt: expiresAt.toISOString() };
      if (scope.buckets) detail.buckets = scope.buckets.join(",");
      if (label) detail.label = label;
      recordAudit(
        tx,
        { actor: input.actor, action: "credential.created", orgId: input.orgId, target: accessKeyId, sourceAddress: input.sourceAddress ?? null, detail },
        createdAt,
      );
      bumpChangeCounter(tx);
    });
    return { accessKeyId, secretAccessKey, orgId: input.orgId, label, scope, createdAt, expiresAt };
  }

  /** Lists an organization's credentials, newest first, optionally only those one user created. */
  list(orgId: string, options: { createdBy?: string } = {}): CredentialSummary[] {
    const now = this.now();
    const condition = options.createdBy === undefined ? eq(credentials.orgId, orgId) : and(eq(credentials.orgId, orgId), eq(credentials.createdBy, options.createdBy));
    return this.db
      .select()
      .from(credentials)
      .where(condition)
      .orderBy(desc(credentials.createdAt), asc(credentials.accessKeyId))
      .all()
      .map((row) => summarize(row, now));
  }

  /** Lists every organization's credentials, newest first. */
  listAll(): CredentialSummary[] {
    const now = this.now();
    return this.db.select().from(credentials).orderBy(desc(credentials.createdAt), asc(credentials.accessKeyId)).all().map((row) => summarize(row, now));
  }

  /** Counts an organization's active credentials. */
  activeCount(orgId: string): number {
    return countActive(this.db, orgId, this.now());
  }

  /** @throws {NotFoundError} when no credential has this id. */
  get(accessKeyId: string): CredentialSummary {
    const row = this.db.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
    if (!row) throw notFound(accessKeyId);
    return summarize(row, this.now());
  }

  /**
   * Extends an active credential by its lifetime from now, but not past the configured maximum
   * age counted from its creation.
   * @throws {NotFoundError} when no credential has this id.
   * @throws {ConflictError} when it is revoked or expired, or already at its maximum age.
   */
  renew(accessKeyId: string, by: ActorInfo): CredentialSummary {
    const now = this.now();
    this.db.transaction((tx) => {
      const row = tx.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
      if (!row) throw notFound(accessKeyId);
      const status = credentialStatus(row, now);
      if (status === "revoked") throw new ConflictError(`Credential "${accessKeyId}" was revoked at ${row.revokedAt?.toISOString()}, so it cannot be renewed: generate a new key.`);
      if (status === "expired") throw new ConflictError(`Credential "${accessKeyId}" expired at ${row.expiresAt.toISOString()}, so it cannot be renewed: generate a new key.`);
      const wanted = now.getTime() + row.lifetimeMs;
      const ceiling = this.limits.maxAgeMs === undefined ? wanted : row.createdAt.getTime() + this.limits.maxAgeMs;
      const expiresAt = new Date(Math.min(wanted, ceiling));
      if (expiresAt.getTime() <= row.expiresAt.getTime()) {
        throw new ConflictError(
          `Credential "${accessKeyId}" already expires at ${row.expiresAt.toISOString()}, the latest its maximum age allows: generate a new key before then.`,
        );
      }
      tx.update(credentials).set({ expiresAt }).where(eq(credentials.accessKeyId, accessKeyId)).run();
      this.audit(tx, "credential.renewed", row.orgId, accessKeyId, by, now, { expiresAt: expiresAt.toISOString() });
      bumpChangeCounter(tx);
    });
    return this.get(accessKeyId);
  }

  /**
   * Revokes a credential at once; the next S3 request signed with it is rejected. The key stays in
   * the history as revoked.
   * @throws {NotFoundError} when no credential has this id.
   * @throws {ConflictError} when it is already revoked.
   */
  revoke(accessKeyId: string, by: ActorInfo): CredentialSummary {
    const revokedAt = this.now();
    this.db.transaction((tx) => {
      const row = tx.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
      if (!row) throw notFound(accessKeyId);
      if (row.revokedAt) throw new ConflictError(`Credential "${accessKeyId}" was already revoked at ${row.revokedAt.toISOString()}.`);
      tx.update(credentials).set({ revokedAt }).where(eq(credentials.accessKeyId, accessKeyId)).run();
      this.audit(tx, "credential.revoked", row.orgId, accessKeyId, by, revokedAt);
      bumpChangeCounter(tx);
    });
    return this.get(accessKeyId);
  }

  /**
   * Removes a revoked or expired credential from the history; the audit trail keeps its events.
   * With `revokeIfActive`, an active credential is revoked and removed in one transaction, and
   * both steps are audited.
   * @throws {NotFoundError} when no credential has this id.
   * @throws {ConflictError} when it is active and `revokeIfActive` is not set.
   */
  delete(accessKeyId: string, by: ActorInfo, options: { revokeIfActive?: boolean } = {}): CredentialSummary {
    const now = this.now();
    let deleted: CredentialSummary | undefined;
    this.db.transaction((tx) => {
      const row = tx.select().from(credentials).where(eq(credentials.accessKeyId, accessKeyId)).get();
      if (!row) throw notFound(accessKeyId);
      deleted = summarize(row, now);
      if (deleted.status === "active") {
        if (!options.revokeIfActive) {
          throw new ConflictError(`Credential "${accessKeyId}" is active: revoke it first, or confirm that it should be revoked and deleted.`);
        }
        this.audit(tx, "credential.revoked", row.orgId, accessKeyId, by, now);
      }
      tx.delete(credentials).where(eq(credentials.accessKeyId, accessKeyId)).run();
      this.audit(tx, "credential.deleted", row.orgId, accessKeyId, by, now, { status: deleted.status });
      bumpChangeCounter(tx);
    });
    if (!deleted) throw notFound(accessKeyId);
    return deleted;
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

  private cappedLifetime(ttlMs: number): number {
    return this.limits.maxAgeMs === undefined ? ttlMs : Math.min(ttlMs, this.limits.maxAgeMs);
  }

  private audit(
    tx: Pick<MetadataDb, "insert">,
    action: AuditAction,
    orgId: string,
    accessKeyId: string,
    by: ActorInfo,
    at: Date,
    detail?: Record<string, string>,
  ): void {
    recordAudit(tx, { actor: by.actor, action, orgId, target: accessKeyId, sourceAddress: by.sourceAddress ?? null, ...(detail ? { detail } : {}) }, at);
  }
}

function countActive(db: Pick<MetadataDb, "select">, orgId: string, now: Date): number {
  const row = db
    .select({ count: sql<number>`count(*)` })
    .from(credentials)
    .where(and(eq(credentials.orgId, orgId), isNull(credentials.revokedAt), gt(credentials.expiresAt, now)))
    .get();
  return row?.count ?? 0;
}

function normalizeLabel(label: string | undefined): string | null {
  const trimmed = label?.trim() ?? "";
  if (trimmed === "") return null;
  if (trimmed.length > maxLabelLength || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new InvalidInputError(`Invalid label "${trimmed.slice(0, maxLabelLength)}": use at most ${maxLabelLength} characters and no control characters.`);
  }
  return trimmed;
}

/**
 * Checks a bucket scope against the organization's connectors.
 * @returns the sorted, de-duplicated buckets, or null for every bucket.
 */
function validateBucketScope(orgId: string, requested: readonly string[] | null | undefined, orgBuckets: readonly string[]): string[] | null {
  if (requested === undefined || requested === null) return null;
  const buckets = [...new Set(requested)].sort();
  if (buckets.length === 0) {
    throw new InvalidInputError("The bucket scope is empty: choose at least one bucket, or leave the scope out to allow every bucket.");
  }
  const unknown = buckets.filter((bucket) => !orgBuckets.includes(bucket));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `Organization "${orgId}" has no bucket ${unknown.map((bucket) => `"${bucket}"`).join(", ")}: choose from ${orgBuckets.join(", ") || "none"}.`,
    );
  }
  return buckets;
}

function notFound(accessKeyId: string): NotFoundError {
  return new NotFoundError(`Credential "${accessKeyId}" does not exist: list credentials with "s3gateway credential list --org ORG_ID".`);
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
    lifetimeMs: row.lifetimeMs,
    scope: { access: row.access, buckets: row.scopeBuckets ?? null },
    status: credentialStatus(row, now),
  };
}
