/**
 * Fragment: a key just generated. This is the only place the secret is ever shown, and after this
 * response it is kept nowhere except encrypted in the credential store.
 */
import type { Child } from "hono/jsx";
import type { NewCredential } from "../../src/credentials/credentials.ts";
import { formatUtc } from "../../src/web/format.ts";
import { awsCliConfigLines, boto3Snippet, type ClientSettings } from "../../src/web/snippets.ts";

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
    <div class="new-credential" data-testid="new-credential">
      <h3>{`New access key for ${props.orgName}`}</h3>
      <p class="notice" role="status">
        <strong>Copy the secret access key now.</strong> It is shown only this once and cannot be retrieved later. The key
        expires at <time datetime={credential.expiresAt.toISOString()}>{formatUtc(credential.expiresAt)}</time>.
      </p>

      <dl class="key-values">
        <CopyableValue label="Access key ID" id="new-access-key-id" value={credential.accessKeyId} testId="access-key-id" />
        <CopyableValue label="Secret access key" id="new-secret-access-key" value={credential.secretAccessKey} testId="secret-access-key" />
      </dl>

      <CodeBlock
        title="AWS CLI configuration"
        intro={
          <>
            Run these commands to save the key as the AWS CLI profile <code>{props.profile}</code>. Then add{" "}
            <code>{`--profile ${props.profile}`}</code> to your commands, for example <code>{`aws s3 ls --profile ${props.profile}`}</code>.
            {" "}AWS CLI releases before 2.13 ignore <code>endpoint_url</code> in a profile: with those, also add{" "}
            <code>{`--endpoint-url ${settings.endpointUrl}`}</code>.
          </>
        }
        id="aws-cli-config"
        code={awsCliConfigLines(settings).join("\n")}
        testId="aws-cli-config"
      />
      <CodeBlock
        title="Python (boto3)"
        intro="Or create a client in Python with boto3:"
        id="boto3-snippet"
        code={boto3Snippet(settings)}
        testId="boto3-snippet"
      />
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

function CodeBlock(props: { title: string; intro: Child; id: string; code: string; testId: string }) {
  return (
    <section class="code-block">
      <div class="code-head">
        <h4>{props.title}</h4>
        <CopyButton targetId={props.id} testId={`copy-${props.testId}`} label={`Copy ${props.title}`} />
      </div>
      <p class="muted small">{props.intro}</p>
      <pre id={props.id} data-testid={props.testId}>
        {props.code}
      </pre>
    </section>
  );
}

/** console.js copies the text of the element named by `data-copy-target`. */
function CopyButton(props: { targetId: string; testId: string; label: string }) {
  return (
    <button type="button" class="button button-copy" data-copy-target={props.targetId} data-testid={props.testId} aria-label={props.label}>
      Copy
    </button>
  );
}
