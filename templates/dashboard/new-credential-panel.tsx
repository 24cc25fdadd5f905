/**
 * Fragment: a key just generated. This is the only place the secret is ever shown, and after this
 * response it is kept nowhere except encrypted in the credential store.
 */
import type { NewCredential } from "../../src/credentials/credentials.ts";
import { formatUtc } from "../../src/web/format.ts";
import type { ClientSettings } from "../../src/web/snippets.ts";
import { ClientSnippets, CopyButton } from "./client-snippets.tsx";

export interface NewCredentialPanelProps {
  credential: NewCredential;
  orgName: string;
  profile: string;
  region: string;
  endpointUrl: string;
}

export function NewCredentialPanel(props: NewCredentialPanelProps) {
  const { credential } = props;
  const settings: ClientSettings = {
    accessKeyId: credential.accessKeyId,
    secretAccessKey: credential.secretAccessKey,
    region: props.region,
    endpointUrl: props.endpointUrl,
    profile: props.profile,
  };
  return (
    <div class="new-credential" data-testid="new-credential" data-panel-key={credential.accessKeyId}>
      <h3 tabindex={-1} autofocus>
        {`New access key for ${props.orgName}`}
      </h3>
      <p class="notice" role="status">
        <strong>Copy the secret access key now.</strong> It is shown only this once and cannot be retrieved later. The key
        expires at <time datetime={credential.expiresAt.toISOString()}>{formatUtc(credential.expiresAt)}</time>.
      </p>

      <dl class="key-values">
        <CopyableValue label="Access key ID" id="new-access-key-id" value={credential.accessKeyId} testId="access-key-id" />
        <CopyableValue label="Secret access key" id="new-secret-access-key" value={credential.secretAccessKey} testId="secret-access-key" />
        <div class="key-value">
          <dt>Scope</dt>
          <dd data-testid="new-credential-scope">
            {`${credential.scope.access}, ${credential.scope.buckets === null ? "every bucket" : `buckets ${credential.scope.buckets.join(", ")}`}`}
            {credential.label ? ` · ${credential.label}` : ""}
          </dd>
        </div>
      </dl>

      <ClientSnippets settings={settings} idPrefix="new" />
    </div>
  );
}

function CopyableValue(props: { label: string; id: string; value: string; testId: string }) {
  return (
    <div class="key-value">
      <dt>{props.label}</dt>
      <dd>
        <code id={props.id} data-testid={props.testId}>
          {props.value}
        </code>
        <CopyButton targetId={props.id} testId={`copy-${props.testId}`} label={`Copy ${props.label.toLowerCase()}`} />
      </dd>
    </div>
  );
}
