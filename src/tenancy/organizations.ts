/**
 * Organizations and their connector buckets. Each organization has access to its own connectors
 * only, and storage is keyed by the pair (organization id, bucket name).
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { recordAudit } from "../db/audit.ts";
import { bumpChangeCounter } from "../db/change-counter.ts";
import type { MetadataDb } from "../db/database.ts";
import { connectors, organizations } from "../db/schema.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";
import { assertValidBucketName, assertValidOrgId } from "./names.ts";

export interface Organization {
  id: string;
  name: string;
  createdAt: Date;
  connectors: string[];
}

export class OrganizationService {
  constructor(
    private readonly db: MetadataDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Creates an organization with the given connector buckets.
   * @throws {InvalidInputError} for a bad id, name or bucket name.
   * @throws {ConflictError} when the id is taken.
   */
  create(input: { id: string; name: string; connectors: string[] }, actor: string): Organization {
    assertValidOrgId(input.id);
    const name = input.name.trim();
    if (name === "" || name.length > 200) {
      throw new InvalidInputError(`Invalid organization name "${input.name}": use 1 to 200 characters.`);
    }
    const buckets = [...new Set(input.connectors)];
    for (const bucket of buckets) assertValidBucketName(bucket);
    const createdAt = this.now();
    this.db.transaction((tx) => {
      // Ids differing only in case would give two profiles that people confuse (s3gw_ACME, s3gw_acme).
      const existing = tx.select({ id: organizations.id }).from(organizations).where(sql`lower(${organizations.id}) = lower(${input.id})`).get();
      if (existing) {
        const clash = existing.id === input.id ? "already exists" : `clashes with the existing organization "${existing.id}", which differs only in case`;
        throw new ConflictError(`Organization "${input.id}" ${clash}: pick another id, or add connectors with "s3gateway connector add".`);
      }
      tx.insert(organizations).values({ id: input.id, name, createdAt }).run();
      for (const bucket of buckets) tx.insert(connectors).values({ orgId: input.id, bucket, createdAt }).run();
      recordAudit(tx, { actor, action: "org.created", orgId: input.id, target: input.id, detail: { connectors: buckets.join(",") } }, createdAt);
      bumpChangeCounter(tx);
    });
    return { id: input.id, name, createdAt, connectors: buckets.sort() };
  }

  list(): Organization[] {
    const rows = this.db.select().from(organizations).orderBy(asc(organizations.id)).all();
    const buckets = this.db.select().from(connectors).orderBy(asc(connectors.bucket)).all();
    return rows.map((row) => ({ ...row, connectors: buckets.filter((c) => c.orgId === row.id).map((c) => c.bucket) }));
  }

  /** @throws {NotFoundError} when the organization does not exist. */
  get(orgId: string): Organization {
    const row = this.db.select().from(organizations).where(eq(organizations.id, orgId)).get();
    if (!row) throw new NotFoundError(`Organization "${orgId}" does not exist: list organizations with "s3gateway org list".`);
    return { ...row, connectors: this.connectorsOf(orgId) };
  }

  connectorsOf(orgId: string): string[] {
    return this.db
      .select({ bucket: connectors.bucket })
      .from(connectors)
      .where(eq(connectors.orgId, orgId))
      .orderBy(asc(connectors.bucket))
      .all()
      .map((row) => row.bucket);
  }

  /**
   * Makes `bucket` visible to the organization.
   * @throws {ConflictError} when the organization already has it.
   */
  addConnector(orgId: string, bucket: string, actor: string): void {
    assertValidBucketName(bucket);
    this.get(orgId);
    this.db.transaction((tx) => {
      const existing = tx.select().from(connectors).where(and(eq(connectors.orgId, orgId), eq(connectors.bucket, bucket))).get();
      if (existing) throw new ConflictError(`Organization "${orgId}" already has connector bucket "${bucket}".`);
      tx.insert(connectors).values({ orgId, bucket, createdAt: this.now() }).run();
      recordAudit(tx, { actor, action: "connector.added", orgId, target: bucket });
      bumpChangeCounter(tx);
    });
  }

  /**
   * Hides `bucket` from the organization. Its objects stay in storage and reappear when the
   * connector is added again.
   * @throws {NotFoundError} when the organization does not have it.
   */
  removeConnector(orgId: string, bucket: string, actor: string): void {
    this.get(orgId);
    this.db.transaction((tx) => {
      const removed = tx.delete(connectors).where(and(eq(connectors.orgId, orgId), eq(connectors.bucket, bucket))).returning().all();
      if (removed.length === 0) {
        throw new NotFoundError(`Organization "${orgId}" has no connector bucket "${bucket}": see its connectors with "s3gateway org list".`);
      }
      recordAudit(tx, { actor, action: "connector.removed", orgId, target: bucket });
      bumpChangeCounter(tx);
    });
  }
}
