/**
 * Fragment: shown in place of a new key when the organization already has the maximum of active
 * keys. It explains the limit and offers the active keys the user may revoke.
 */
import type { CredentialSummary } from "../../src/credentials/credentials.ts";
import { formatUtc } from "../../src/web/format.ts";

export interface LimitPanelProps {
  orgName: string;
  maxActive: number;
  /** Active keys the user may revoke, oldest first. */
  revocable: CredentialSummary[];
  /** The earliest expiry among the organization's active keys, when one frees a place. */
  nextExpiry: Date | undefined;
  csrfToken: string;
}

export function LimitPanel(props: LimitPanelProps) {
  return (
    <div class="limit-panel" data-testid="limit-panel" role="alert">
      <h3 tabindex={-1} autofocus>
        No new key: the limit of active keys is reached
      </h3>
      <p>
        {`${props.orgName} already has ${props.maxActive} active access keys, the most one organization may hold at a time. `}
        {props.revocable.length > 0
          ? "Revoke a key you no longer need, then press Generate credentials again."
          : "They all belong to other members: ask an organization admin to revoke one."}
        {props.nextExpiry ? (
          <>
            {" "}The next one expires at <time datetime={props.nextExpiry.toISOString()}>{formatUtc(props.nextExpiry)}</time>.
          </>
        ) : null}
      </p>
      {props.revocable.length > 0 ? (
        <ul class="plain-list limit-list">
          {props.revocable.map((credential) => (
            <li class="limit-item" data-testid="limit-item">
              <span>
                <code>{credential.accessKeyId}</code>
                {credential.label ? <span class="key-label">{credential.label}</span> : null}
                <span class="muted small">
                  {` created ${formatUtc(credential.createdAt)}, last used ${credential.lastUsedAt ? formatUtc(credential.lastUsedAt) : "never"}`}
                </span>
              </span>
              <RevokeFromLimit credential={credential} csrfToken={props.csrfToken} />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Revokes from the panel; the response also clears the panel, so Generate can be pressed again. */
function RevokeFromLimit(props: { credential: CredentialSummary; csrfToken: string }) {
  const id = props.credential.accessKeyId;
  const url = `/credentials/${id}/revoke`;
  return (
    <form method="post" action={url} hx-post={url} hx-target="#credential-history" hx-swap="outerHTML" hx-confirm={`Revoke access key ${id}? Programs using it stop working at once.`}>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <input type="hidden" name="from" value="limit" />
      <button type="submit" class="button button-danger button-small" data-testid="limit-revoke" aria-label={`Revoke ${id}`}>
        Revoke
      </button>
    </form>
  );
}
