/**
 * Fragment: the client configuration of an existing key. The secret is not stored in a form that
 * can be shown again, so the snippets carry a placeholder where it goes.
 */
import type { CredentialSummary } from "../../src/credentials/credentials.ts";
import { formatUtc } from "../../src/web/format.ts";
import { secretPlaceholder, type ClientSettings } from "../../src/web/snippets.ts";
import { ClientSnippets } from "./client-snippets.tsx";

export interface ConfigurationPanelProps {
  credential: CredentialSummary;
  profile: string;
  region: string;
  endpointUrl: string;
}

export function ConfigurationPanel(props: ConfigurationPanelProps) {
  const { credential } = props;
  const settings: ClientSettings = {
    accessKeyId: credential.accessKeyId,
    secretAccessKey: secretPlaceholder,
    region: props.region,
    endpointUrl: props.endpointUrl,
    profile: props.profile,
  };
  return (
    <div class="new-credential" data-testid="configuration-panel" data-panel-key={credential.accessKeyId}>
      <h3 tabindex={-1} autofocus>
        {`Configuration of ${credential.accessKeyId}`}
      </h3>
      <p class="notice">
        The secret access key was shown only when the key was generated, so it appears below as <code>{secretPlaceholder}</code>:
        replace it with your copy of the secret. If you no longer have it, generate a new key.
        {credential.status === "active" ? (
          <>
            {" "}The key expires at <time datetime={credential.expiresAt.toISOString()}>{formatUtc(credential.expiresAt)}</time>.
          </>
        ) : (
          ` This key is ${credential.status} and no longer works.`
        )}
      </p>
      <ClientSnippets settings={settings} idPrefix="config" />
    </div>
  );
}
