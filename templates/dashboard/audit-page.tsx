/**
 * The audit trail of one organization, newest first, for its admins.
 */
import type { AuditEvent } from "../../src/db/audit.ts";
import type { Membership } from "../../src/identity/users.ts";
import { formatUtcSeconds } from "../../src/web/format.ts";
import { Layout, type AssetUrls } from "../layout.tsx";
import { SignedInHeader } from "../site-header.tsx";

export interface AuditPageProps {
  assets: AssetUrls;
  csrfToken: string;
  email: string;
  memberships: Membership[];
  org: Membership;
  events: AuditEvent[];
  /** E-mail of each user id that appears as an actor. */
  actorEmails: ReadonlyMap<string, string>;
  /** Id to pass as `before` for the next, older page; undefined on the last page. */
  olderThan: number | undefined;
}

/** Readable names of the audit actions. */
const actionNames: Record<string, string> = {
  "org.created": "Organization created",
  "connector.added": "Bucket added",
  "connector.removed": "Bucket removed",
  "user.created": "User added",
  "user.signed_in": "Signed in",
  "user.sign_in_failed": "Sign-in failed",
  "user.signed_out": "Signed out",
  "credential.created": "Key generated",
  "credential.renewed": "Key renewed",
  "credential.revoked": "Key revoked",
  "credential.deleted": "Key deleted",
  "master_key.rotated": "Master key rotated",
  "s3.requests_rejected": "S3 requests rejected",
};

export function AuditPage(props: AuditPageProps) {
  const header = <SignedInHeader email={props.email} memberships={props.memberships} currentOrgId={props.org.orgId} csrfToken={props.csrfToken} />;
  return (
    <Layout title="Audit trail" assets={props.assets} csrfToken={props.csrfToken} header={header}>
      <section class="org-summary">
        <p class="eyebrow">Organization</p>
        <h1 data-testid="org-name">{props.org.orgName}</h1>
        <p class="muted">
          <a href="/">Back to access keys</a>
        </p>
      </section>
      <section class="card" aria-labelledby="audit-title" data-testid="audit-trail">
        <div class="section-head">
          <h2 id="audit-title">Audit trail</h2>
          <p class="muted small">Times in UTC. Rejected S3 requests are counted per key and address over 30 seconds.</p>
        </div>
        {props.events.length === 0 ? (
          <p class="empty" data-testid="audit-empty">
            Nothing has happened in this organization yet. Sign-ins, key changes and rejected S3 requests appear here.
          </p>
        ) : (
          <table class="history audit-table">
            <caption class="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">By</th>
                <th scope="col">Subject</th>
                <th scope="col">From</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {props.events.map((event) => (
                <tr data-testid="audit-row" data-action={event.action}>
                  <td data-label="Time">
                    <time datetime={event.at.toISOString()}>{formatUtcSeconds(event.at)}</time>
                  </td>
                  <td data-label="Event">{actionNames[event.action] ?? event.action}</td>
                  <td data-label="By">{actorText(event.actor, props.actorEmails)}</td>
                  <td data-label="Subject">{event.target ? <code>{event.target}</code> : <span class="muted">none</span>}</td>
                  <td data-label="From">{event.sourceAddress ?? <span class="muted">unknown</span>}</td>
                  <td data-label="Details" class="audit-detail">
                    {detailText(event.detail)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {props.olderThan !== undefined ? (
          <p>
            <a class="button button-quiet" href={`/audit?before=${props.olderThan}`} data-testid="audit-older">
              Older events
            </a>
          </p>
        ) : null}
      </section>
    </Layout>
  );
}

function actorText(actor: string, emails: ReadonlyMap<string, string>): string {
  if (actor.startsWith("user:")) return emails.get(actor.slice(5)) ?? "a deleted user";
  if (actor === "cli") return "command line";
  if (actor === "s3-client") return "S3 client";
  return actor;
}

function detailText(detail: Record<string, string | number | boolean> | null): string {
  if (!detail) return "";
  return Object.entries(detail)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join("; ");
}
