/**
 * The signed-in start page: the current organization, the Generate credentials form, the panel
 * for a new key (or a key's configuration, or the limit notice) and the key history.
 */
import type { Child } from "hono/jsx";
import type { Membership } from "../../src/identity/users.ts";
import { Layout, type AssetUrls } from "../layout.tsx";
import { SignedInHeader } from "../site-header.tsx";
import { CredentialHistory, type CredentialHistoryProps } from "./credential-history.tsx";
import { GenerateForm } from "./generate-form.tsx";

export interface DashboardPageProps {
  assets: AssetUrls;
  csrfToken: string;
  email: string;
  memberships: Membership[];
  org: Membership;
  connectors: string[];
  /** How long a new key is valid, as text such as "24 hours". */
  keyLifetime: string;
  history: CredentialHistoryProps;
  /** Shown under the form after a plain form post (without htmx): a new key, a configuration or the limit notice. */
  panel?: Child;
}

export function DashboardPage(props: DashboardPageProps) {
  const header = (
    <SignedInHeader email={props.email} memberships={props.memberships} currentOrgId={props.org.orgId} csrfToken={props.csrfToken} />
  );
  return (
    <Layout title="Access keys" assets={props.assets} csrfToken={props.csrfToken} header={header}>
      <section class="org-summary">
        <p class="eyebrow">Organization</p>
        <h1 data-testid="org-name">{props.org.orgName}</h1>
        <p class="muted">
          ID <code data-testid="org-id">{props.org.orgId}</code>
          {" · "}
          {props.connectors.length === 0 ? "no buckets yet" : `Buckets: ${props.connectors.join(", ")}`}
          {props.org.role === "admin" ? (
            <>
              {" · "}
              <a href="/audit" data-testid="audit-link">
                Audit trail
              </a>
            </>
          ) : null}
        </p>
      </section>

      <div id="alert" class="alert-slot" aria-live="polite"></div>

      <section class="card" aria-labelledby="generate-title">
        <div class="section-head">
          <h2 id="generate-title">Access keys</h2>
        </div>
        <p>
          {`Generate an S3 access key for ${props.org.orgName} to use with the AWS CLI or any S3 SDK. Each key is valid for ${props.keyLifetime} and can be renewed.`}
        </p>
        <GenerateForm csrfToken={props.csrfToken} connectors={props.connectors} />
        <div id="credential-panel">{props.panel ?? null}</div>
      </section>

      <CredentialHistory {...props.history} />
    </Layout>
  );
}

/** Fragment: clears the alert area when an htmx request succeeds. */
export function ClearedAlert() {
  return <div id="alert" class="alert-slot" aria-live="polite" hx-swap-oob="true"></div>;
}

/** Fragment: a confirmation in the alert area, such as "Renewed ...". */
export function StatusAlert(props: { message: string }) {
  return (
    <div id="alert" class="alert-slot" aria-live="polite" hx-swap-oob="true">
      <div class="alert alert-success" role="status" data-testid="status-alert">
        {props.message}
      </div>
    </div>
  );
}

/** Fragment: empties the panel under the form, after the limit notice was dealt with. */
export function ClearedPanel() {
  return <div id="credential-panel" hx-swap-oob="true"></div>;
}
