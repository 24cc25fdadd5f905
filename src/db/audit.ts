/**
 * Writing and reading audit events.
 */
import { and, asc, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { MetadataDb } from "./database.ts";
import { auditEvents, memberships } from "./schema.ts";

export type AuditAction =
  | "org.created"
  | "connector.added"
  | "connector.removed"
  | "user.created"
  | "user.signed_in"
  | "user.sign_in_failed"
  | "user.signed_out"
  | "user.platform_admin_changed"
  | "membership.added"
  | "membership.role_changed"
  | "membership.removed"
  | "credential.created"
  | "credential.renewed"
  | "credential.revoked"
  | "credential.deleted"
  | "master_key.rotated"
  | "s3.requests_rejected";

export interface AuditEventInput {
  actor: string;
  action: AuditAction;
  orgId?: string | null;
  target?: string | null;
  sourceAddress?: string | null;
  detail?: Record<string, string | number | boolean>;
}

export function recordAudit(db: Pick<MetadataDb, "insert">, event: AuditEventInput, now: Date = new Date()): void {
  db.insert(auditEvents)
    .values({
      at: now,
      actor: event.actor,
      action: event.action,
      orgId: event.orgId ?? null,
      target: event.target ?? null,
      sourceAddress: event.sourceAddress ?? null,
      detail: event.detail ?? null,
    })
    .run();
}

export function listAuditEvents(db: MetadataDb, orgId: string, limit = 100): (typeof auditEvents.$inferSelect)[] {
  return db.select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId))).orderBy(desc(auditEvents.id)).limit(limit).all();
}

export type AuditEvent = typeof auditEvents.$inferSelect;

/**
 * Reads audit events in the order they were recorded, from `since` on, optionally of one
 * organization, in pages of `pageSize` so that an export of a long trail does not load it whole.
 */
export function* iterateAuditEvents(db: MetadataDb, filter: { since: Date; orgId?: string | undefined }, pageSize = 1000): Generator<AuditEvent> {
  let afterId = 0;
  for (;;) {
    const conditions: SQL[] = [gte(auditEvents.at, filter.since)];
    if (filter.orgId !== undefined) conditions.push(belongsToOrg(db, filter.orgId));
    const page = db
      .select()
      .from(auditEvents)
      .where(and(...conditions, gte(auditEvents.id, afterId + 1)))
      .orderBy(asc(auditEvents.id))
      .limit(pageSize)
      .all();
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    afterId = last.id;
  }
}

/** Lists an organization's audit events with an id below `beforeId` (all when undefined), newest first, for paging in the console. */
export function listAuditEventsBefore(db: MetadataDb, orgId: string, beforeId: number | undefined, limit: number): AuditEvent[] {
  const condition = beforeId === undefined ? belongsToOrg(db, orgId) : and(belongsToOrg(db, orgId), lt(auditEvents.id, beforeId));
  return db.select().from(auditEvents).where(condition).orderBy(desc(auditEvents.id)).limit(limit).all();
}

/** Formats an event as the JSON object that `s3gateway audit export` and the API write. */
export function auditEventRecord(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    org: event.orgId,
    target: event.target,
    source_address: event.sourceAddress,
    detail: event.detail ?? {},
  };
}

/**
 * Events of an organization: those recorded for it, and the sign-ins and sign-outs of its
 * members, which belong to no single organization.
 */
function belongsToOrg(db: MetadataDb, orgId: string): SQL {
  const memberActors = db.select({ actor: sql<string>`'user:' || ${memberships.userId}` }).from(memberships).where(eq(memberships.orgId, orgId));
  const memberSessions = and(isNull(auditEvents.orgId), inArray(auditEvents.action, ["user.signed_in", "user.signed_out"]), inArray(auditEvents.actor, memberActors));
  return or(eq(auditEvents.orgId, orgId), memberSessions) ?? eq(auditEvents.orgId, orgId);
}
