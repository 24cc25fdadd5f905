/**
 * Writing and reading audit events.
 */
import { and, desc, eq } from "drizzle-orm";
import type { MetadataDb } from "./database.ts";
import { auditEvents } from "./schema.ts";

export type AuditAction =
  | "org.created"
  | "connector.added"
  | "connector.removed"
  | "user.created"
  | "user.signed_in"
  | "user.sign_in_failed"
  | "user.signed_out"
  | "credential.created"
  | "credential.revoked";

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
