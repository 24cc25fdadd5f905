/**
 * Parts shared by the pages that explain why a user of an identity provider was not signed in.
 */

/** The account the identity provider signed in, as the pages show it. */
export interface AccountView {
  providerName: string;
  email: string;
  issuer: string;
  subject: string;
}

/** Says whom to ask, naming the operator's contact when one is configured. */
export function ContactAdvice(props: { supportContact: string | undefined; request: string }) {
  return (
    <p data-testid="support-contact">
      {props.supportContact === undefined
        ? `Ask the administrator of S3 Gateway ${props.request}, and give them the account details below.`
        : `Ask ${props.supportContact} ${props.request}, and give them the account details below.`}
    </p>
  );
}

/** Lists the details an operator needs to find the account, for example for "s3gateway user grant". */
export function AccountFacts(props: { account: AccountView }) {
  return (
    <dl class="key-values" data-testid="account-facts">
      <div class="key-value">
        <dt>Account</dt>
        <dd>{props.account.email}</dd>
      </div>
      <div class="key-value">
        <dt>Issuer</dt>
        <dd>
          <code>{props.account.issuer}</code>
        </dd>
      </div>
      <div class="key-value">
        <dt>Subject</dt>
        <dd>
          <code data-testid="account-subject">{props.account.subject}</code>
        </dd>
      </div>
    </dl>
  );
}

export function LeaveLinks(props: { providerName: string; providerSignOutUrl: string | undefined }) {
  return (
    <p class="leave-links">
      <a class="button button-quiet" href="/login">
        Back to sign-in
      </a>
      {props.providerSignOutUrl === undefined ? null : (
        <a class="button button-quiet" href={props.providerSignOutUrl} data-testid="provider-sign-out">
          {`Sign out of ${props.providerName}`}
        </a>
      )}
    </p>
  );
}
