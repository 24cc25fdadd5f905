/**
 * The Generate credentials form, with the optional label and scope folded away in a disclosure.
 */
import { maxLabelLength } from "../../src/credentials/credentials.ts";

export interface GenerateFormProps {
  csrfToken: string;
  /** The organization's connector buckets, which the scope may narrow down. */
  connectors: string[];
}

const accessChoices = [
  { value: "read-write", title: "Read and write", detail: "list, download, upload and delete" },
  { value: "read-only", title: "Read only", detail: "list and download" },
  { value: "write-only", title: "Write only", detail: "upload, without listing, downloading or deleting" },
] as const;

export function GenerateForm(props: GenerateFormProps) {
  return (
    <form
      id="generate-form"
      class="generate-form"
      method="post"
      action="/credentials"
      hx-post="/credentials"
      hx-target="#credential-panel"
      hx-disabled-elt="find button[type='submit']"
    >
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <details class="key-options" data-testid="key-options">
        <summary>Label and scope (optional)</summary>
        <div class="key-options-body">
          <div class="field">
            <label for="key-label">Label</label>
            <input id="key-label" name="label" type="text" maxlength={maxLabelLength} autocomplete="off" aria-describedby="key-label-hint" data-testid="key-label-input" />
            <p id="key-label-hint" class="hint">
              A note that tells this key apart in the history, such as "nightly backup".
            </p>
          </div>
          <fieldset class="choice-group">
            <legend>Access</legend>
            {accessChoices.map((choice, index) => (
              <label class="choice">
                <input type="radio" name="access" value={choice.value} checked={index === 0} data-testid={`access-${choice.value}`} />
                <span>
                  <strong>{choice.title}</strong>
                  <span class="muted">{`: ${choice.detail}`}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {props.connectors.length > 0 ? (
            <fieldset class="choice-group" aria-describedby="bucket-scope-hint">
              <legend>Buckets</legend>
              <input type="hidden" name="bucketScope" value="listed" />
              {props.connectors.map((bucket) => (
                <label class="choice">
                  <input type="checkbox" name="bucket" value={bucket} checked data-testid={`bucket-${bucket}`} />
                  <code>{bucket}</code>
                </label>
              ))}
              <p id="bucket-scope-hint" class="hint">
                Leave every bucket checked to allow all of them, including buckets added later.
              </p>
            </fieldset>
          ) : null}
        </div>
      </details>
      <button type="submit" class="button button-primary" data-testid="generate-credentials">
        Generate credentials
      </button>
    </form>
  );
}
