/**
 * The audit trail page of the session's current organization, for its admins.
 */
import type { Hono } from "hono";
import { inArray } from "drizzle-orm";
import { AuditPage } from "../../../templates/dashboard/audit-page.tsx";
import { listAuditEventsBefore, type AuditEvent } from "../../db/audit.ts";
import type { MetadataDb } from "../../db/database.ts";
import { users } from "../../db/schema.ts";
import { ConsoleError } from "../console-error.ts";
import type { ConsoleDeps, WebEnv } from "../env.ts";
import { renderPage } from "../render.ts";
import { requireOrg } from "./credentials.tsx";

/** Events per page. */
const pageSize = 100;

export function registerAuditRoutes(app: Hono<WebEnv>, deps: ConsoleDeps): void {
  const { ctx, assets } = deps;

  app.get("/audit", (c) => {
    const signedIn = c.get("signedIn");
    const org = requireOrg(signedIn);
    if (org.role !== "admin") {
      throw new ConsoleError(403, "not_org_admin", `Only admins of ${org.orgName} can read its audit trail. Ask one of them if you need an entry from it.`);
    }
    const before = parseBefore(c.req.query("before"));
    const events = listAuditEventsBefore(ctx.db, org.orgId, before, pageSize + 1);
    const page = events.slice(0, pageSize);
    const olderThan = events.length > pageSize ? page.at(-1)?.id : undefined;
    const view = (
      <AuditPage
        assets={assets}
        csrfToken={signedIn.session.csrfToken}
        email={signedIn.user.email}
        memberships={signedIn.memberships}
        org={org}
        events={page}
        actorEmails={actorEmails(ctx.db, page)}
        olderThan={olderThan}
      />
    );
    return renderPage(c, view);
  });
}

function parseBefore(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ConsoleError(400, "invalid_page", `The page marker "${text.slice(0, 20)}" is invalid: open the audit trail from its first page.`);
  return id;
}

function actorEmails(db: MetadataDb, events: readonly AuditEvent[]): Map<string, string> {
  const ids = [...new Set(events.map((event) => event.actor).filter((actor) => actor.startsWith("user:")).map((actor) => actor.slice(5)))];
  if (ids.length === 0) return new Map();
  return new Map(db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, ids)).all().map((row) => [row.id, row.email] as const));
}
