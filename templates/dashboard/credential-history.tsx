/**
 * Fragment: the organization's access keys, newest first, with a Revoke button on active ones.
 * Sent whole after every generate and revoke.
 */
import type { CredentialSummary } from "../../src/credentials/credentials.ts";
import { formatUtc } from "../../src/web/format.ts";

export interface CredentialHistoryProps {
  credentials: CredentialSummary[];
  maxActive: number;
  csrfToken: string;
  /** Marks the section for an htmx out-of-band swap, when it rides along with another fragment. */
  outOfBand?: boolean;
}

export function CredentialHistory(props: CredentialHistoryProps) {
  const activeCount = props.credentials.filter((c) => c.status === "active").length;
  return (
    <section id="credential-history" class="card" data-testid="credential-history" hx-swap-oob={props.outOfBand ? "true" : undefined}>
      <div class="section-head">
        <h2>Key history</h2>
        <p class="muted" data-testid="active-count">{`${activeCount} of ${props.maxActive} active keys`}</p>
      </div>
      {props.credentials.length === 0 ? (
        <p class="empty">No access keys have been generated for this organization yet.</p>
      ) : (
        <table class="history">
          <thead>
            <tr>
              <th scope="col">Access key ID</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.credentials.map((credential) => (
              <HistoryRow credential={credential} csrfToken={props.csrfToken} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function HistoryRow(props: { credential: CredentialSummary; csrfToken: string }) {
  const { credential } = props;
  const revokedNote = credential.revokedAt ? `Revoked ${formatUtc(credential.revokedAt)}` : undefined;
  return (
    <tr data-testid="credential-row" data-access-key-id={credential.accessKeyId}>
      <td data-label="Access key ID">
        <code>{credential.accessKeyId}</code>
      </td>
      <td data-label="Status">
        <span class={`badge badge-${credential.status}`} data-testid="credential-status" title={revokedNote}>
          {credential.status}
        </span>
      </td>
      <td data-label="Created">
        <Time value={credential.createdAt} />
      </td>
      <td data-label="Expires">
        <Time value={credential.expiresAt} />
      </td>
      <td data-label="Last used" data-testid="credential-last-used">
        {credential.lastUsedAt ? <Time value={credential.lastUsedAt} /> : <span class="muted">never</span>}
      </td>
      <td class="row-actions">{credential.status === "active" ? <RevokeButton {...props} /> : null}</td>
    </tr>
  );
}

/** htmx shows the `hx-confirm` text in a `window.confirm` dialog before sending the request. */
function RevokeButton(props: { credential: CredentialSummary; csrfToken: string }) {
  const id = props.credential.accessKeyId;
  const action = `/credentials/${id}/revoke`;
  return (
    <form
      method="post"
      action={action}
      hx-post={action}
      hx-target="#credential-history"
      hx-swap="outerHTML"
      hx-confirm={`Revoke access key ${id}? Programs using it stop working at once.`}
    >
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <button type="submit" class="button button-danger" data-testid="revoke-credential">
        Revoke
      </button>
    </form>
  );
}

function Time(props: { value: Date }) {
  return <time datetime={props.value.toISOString()}>{formatUtc(props.value)}</time>;
}
