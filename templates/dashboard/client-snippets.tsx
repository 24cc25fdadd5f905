/**
 * The four ways to configure a client with a key, each in a code block with a Copy button:
 * AWS CLI profile, environment variables, boto3 and rclone.
 */
import type { Child } from "hono/jsx";
import { awsCliConfigLines, boto3Snippet, environmentSnippet, rcloneSnippet, type ClientSettings } from "../../src/web/snippets.ts";

export function ClientSnippets(props: { settings: ClientSettings; idPrefix: string }) {
  const { settings } = props;
  const id = (name: string) => `${props.idPrefix}-${name}`;
  return (
    <div class="snippets">
      <CodeBlock
        title="AWS CLI profile"
        intro={
          <>
            Run these commands to save the key as the AWS CLI profile <code>{settings.profile}</code>, then add{" "}
            <code>{`--profile ${settings.profile}`}</code> to your commands, for example <code>{`aws s3 ls --profile ${settings.profile}`}</code>.
            {" "}AWS CLI releases before 2.13 ignore <code>endpoint_url</code> in a profile: with those, also add{" "}
            <code>{`--endpoint-url ${settings.endpointUrl}`}</code>.
          </>
        }
        id={id("aws-cli-config")}
        code={awsCliConfigLines(settings).join("\n")}
        testId="aws-cli-config"
      />
      <CodeBlock
        title="Environment variables"
        intro="Or export these in a shell; the AWS CLI (2.13 and later), boto3 and most SDKs read them."
        id={id("environment")}
        code={environmentSnippet(settings)}
        testId="environment-snippet"
      />
      <CodeBlock title="Python (boto3)" intro="Or create a client in Python with boto3:" id={id("boto3")} code={boto3Snippet(settings)} testId="boto3-snippet" />
      <CodeBlock
        title="rclone"
        intro={
          <>
            Or add this remote to <code>rclone.conf</code> (<code>rclone config file</code> prints where it is), then run{" "}
            <code>{`rclone ls ${settings.profile}:BUCKET`}</code>.
          </>
        }
        id={id("rclone")}
        code={rcloneSnippet(settings)}
        testId="rclone-snippet"
      />
    </div>
  );
}

function CodeBlock(props: { title: string; intro: Child; id: string; code: string; testId: string }) {
  const headingId = `${props.id}-title`;
  return (
    <section class="code-block" aria-labelledby={headingId}>
      <div class="code-head">
        <h4 id={headingId}>{props.title}</h4>
        <CopyButton targetId={props.id} testId={`copy-${props.testId}`} label={`Copy ${props.title}`} />
      </div>
      <p class="muted small">{props.intro}</p>
      <pre id={props.id} data-testid={props.testId} tabindex={0} aria-labelledby={headingId}>
        {props.code}
      </pre>
    </section>
  );
}

/** console.js copies the text of the element named by `data-copy-target`. */
export function CopyButton(props: { targetId: string; testId: string; label: string }) {
  return (
    <button type="button" class="button button-copy" data-copy-target={props.targetId} data-testid={props.testId} aria-label={props.label}>
      Copy
    </button>
  );
}
