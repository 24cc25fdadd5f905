/**
 * Fragment: the access keys the signed-in user may see, newest first, with the actions each allows.
 * Sent whole after every generate, renew, revoke and delete.
 */
import type { CredentialSummary } from "../../src/credentials/credentials.ts";
import type { CredentialActions } from "../../src/credentials/permissions.ts";
import { formatDuration, formatRemaining, formatUtc } from "../../src/web/format.ts";

export interface HistoryRow {
  credential: CredentialSummary;
  actions: CredentialActions;
  /** E-mail of the user who generated the key; "command line" for keys made with the CLI. */
  createdBy: string;
}

export interface CredentialHistoryProps {
  rows: HistoryRow[];
  /** Active keys of the whole organization, which the limit counts. */
  activeCount: number;
  maxActive: number;
  /** True when the viewer sees every key of the organization, not only their own. */
  wholeOrg: boolean;
  orgName: string;
  csrfToken: string;
  now: Date;
  /** Marks the section for an htmx out-of-band swap, when it rides along with another fragment. */
  outOfBand?: boolean;
}

export function CredentialHistory(props: CredentialHistoryProps) {
  return (
    <section
      id="credential-history"
      class="card"
      data-testid="credential-history"
      aria-labelledby="credential-history-title"
      hx-swap-oob={props.outOfBand ? "true" : undefined}
    >
      <div class="section-head">
        <h2 id="credential-history-title">{props.wholeOrg ? "Key history of the organization" : "Your key history"}</h2>
        <p class="muted" data-testid="active-count">{`${props.activeCount} of ${props.maxActive} active keys in the organization`}</p>
      </div>
      {props.rows.length === 0 ? <EmptyHistory {...props} /> : <HistoryTable {...props} />}
    </section>
  );
}

function EmptyHistory(props: CredentialHistoryProps) {
  return (
    <p class="empty" data-testid="history-empty">
      {props.wholeOrg
        ? `No access keys have been generated for ${props.orgName} yet. Keys appear here once someone generates one.`
        : "You have not generated any access keys for this organization yet. Press Generate credentials to create your first one."}
    </p>
  );
}

function HistoryTable(props: CredentialHistoryProps) {
  return (
    <table class="history">
      <caption class="visually-hidden">Access keys, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Access key</th>
          <th scope="col">Status</th>
          {props.wholeOrg ? <th scope="col">Created by</th> : null}
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <Row row={row} wholeOrg={props.wholeOrg} csrfToken={props.csrfToken} now={props.now} />
        ))}
      </tbody>
    </table>
  );
}

function Row(props: { row: HistoryRow; wholeOrg: boolean; csrfToken: string; now: Date }) {
  const { credential, actions } = props.row;
  return (
    <tr data-testid="credential-row" data-access-key-id={credential.accessKeyId}>
      <td data-label="Access key">
        <div class="key-cell">
          <code>{credential.accessKeyId}</code>
          {credential.label ? <span class="key-label" data-testid="credential-label">{credential.label}</span> : null}
          <span class="key-scope muted small" data-testid="credential-scope">
            {scopeText(credential)}
          </span>
        </div>
      </td>
      <td data-label="Status">
        <span class={`badge badge-${credential.status}`} data-testid="credential-status">
          {credential.status}
        </span>
      </td>
      {props.wholeOrg ? (
        <td data-label="Created by" data-testid="credential-created-by">
          {props.row.createdBy}
        </td>
      ) : null}
      <td data-label="Created">
        <Time value={credential.createdAt} />
      </td>
      <td data-label={credential.status === "revoked" ? "Revoked" : "Expires"} data-testid="credential-expires">
        <ExpiryCell credential={credential} now={props.now} />
      </td>
      <td data-label="Last used" data-testid="credential-last-used">
        {credential.lastUsedAt ? (
          <span class="stacked">
            <Time value={credential.lastUsedAt} />
            <span class="muted small">{`from ${credential.lastUsedFrom ?? "unknown address"}`}</span>
          </span>
        ) : (
          <span class="muted">never</span>
        )}
      </td>
      <td class="row-actions">
        <RowActions credential={credential} actions={actions} csrfToken={props.csrfToken} />
      </td>
    </tr>
  );
}

function ExpiryCell(props: { credential: CredentialSummary; now: Date }) {
  const { credential } = props;
  if (credential.revokedAt) return <Time value={credential.revokedAt} />;
  return (
    <span class="stacked">
      <Time value={credential.expiresAt} />
      {credential.status === "active" ? (
        <span class="muted small" data-countdown={credential.expiresAt.toISOString()} data-testid="credential-countdown">
          {formatRemaining(credential.expiresAt, props.now)}
        </span>
      ) : null}
    </span>
  );
}

function scopeText(credential: CredentialSummary): string {
  const buckets = credential.scope.buckets === null ? "all buckets" : credential.scope.buckets.join(", ");
  return `${credential.scope.access} · ${buckets}`;
}

/**
 * Renders the buttons of a row. Each state-changing one is a plain form that also works without
 * JavaScript. With htmx, a `window.confirm` dialog shows the `hx-confirm` text first.
 */
function RowActions(props: { credential: CredentialSummary; actions: CredentialActions; csrfToken: string }) {
  const { credential, actions } = props;
  const id = credential.accessKeyId;
  const configurationUrl = `/credentials/${id}/configuration`;
  return (
    <div class="action-list">
      {actions.viewConfiguration ? (
        <a
          class="button button-quiet button-small"
          href={configurationUrl}
          hx-get={configurationUrl}
          hx-target="#credential-panel"
          data-testid="view-configuration"
          aria-label={`View configuration of ${id}`}
        >
          View configuration
        </a>
      ) : null}
      {actions.renew ? (
        <ActionForm
          id={id}
          action="renew"
          label="Renew"
          tone="quiet"
          csrfToken={props.csrfToken}
          confirm={`Renew access key ${id}? It will then expire ${formatDuration(credential.lifetimeMs)} from now, or at its maximum age if that comes first.`}
        />
      ) : null}
      {actions.revoke ? (
        <ActionForm
          id={id}
          action="revoke"
          label="Revoke"
          tone="danger"
          csrfToken={props.csrfToken}
          confirm={`Revoke access key ${id}? Programs using it stop working at once.`}
        />
      ) : null}
      {actions.delete ? (
        <ActionForm
          id={id}
          action="delete"
          label="Delete"
          tone="danger"
          csrfToken={props.csrfToken}
          revokeFirst={credential.status === "active"}
          confirm={
            credential.status === "active"
              ? `Access key ${id} is still active. Revoke it, so programs using it stop working at once, and delete it from the history?`
              : `Delete access key ${id} from the history? The audit trail keeps its record.`
          }
        />
      ) : null}
    </div>
  );
}

function ActionForm(props: { id: string; action: string; label: string; tone: "quiet" | "danger"; csrfToken: string; confirm: string; revokeFirst?: boolean }) {
  const url = `/credentials/${props.id}/${props.action}`;
  return (
    <form method="post" action={url} hx-post={url} hx-target="#credential-history" hx-swap="outerHTML" hx-confirm={props.confirm}>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {props.revokeFirst ? <input type="hidden" name="revoke" value="true" /> : null}
      <button
        type="submit"
        class={`button button-small ${props.tone === "danger" ? "button-danger" : "button-quiet"}`}
        data-testid={`${props.action}-credential`}
        aria-label={`${props.label} ${props.id}`}
      >
        {props.label}
      </button>
    </form>
  );
}

function Time(props: { value: Date }) {
  return <time datetime={props.value.toISOString()}>{formatUtc(props.value)}</time>;
}
