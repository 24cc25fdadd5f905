/**
 * The sign-in page: one button per configured identity provider, and the form for local accounts
 * when they are enabled.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";

/** An identity provider's sign-in button. */
export interface ProviderButtonView {
  id: string;
  displayName: string;
}

export interface LoginPageProps {
  assets: AssetUrls;
  /** Value of the form-token cookie, repeated in the form for the CSRF check. */
  formToken: string;
  /** Identity providers in configuration order; none when only local accounts are set up. */
  providers?: ProviderButtonView[];
  /** Whether to show the e-mail and password form; true unless the operator turned it off. */
  localAccounts?: boolean;
  email?: string;
  error?: string;
}

export function LoginPage(props: LoginPageProps) {
  const providers = props.providers ?? [];
  const localAccounts = props.localAccounts ?? true;
  return (
    <Layout title="Sign in" assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow">
        <h1>Sign in</h1>
        <p class="muted">Sign in to generate S3 access keys for your organization.</p>
        {props.error === undefined ? null : (
          <p class="alert alert-error" role="alert" data-testid="login-error">
            {props.error}
          </p>
        )}
        {providers.length === 0 ? null : (
          <div class="provider-list">
            {providers.map((provider) => (
              <a class="button button-primary" href={`/login/oidc/${provider.id}`} data-testid={`sign-in-with-${provider.id}`}>
                {`Sign in with ${provider.displayName}`}
              </a>
            ))}
          </div>
        )}
        {providers.length > 0 && localAccounts ? <p class="divider">or with an e-mail and password</p> : null}
        {localAccounts ? <LocalAccountForm {...props} /> : null}
      </section>
    </Layout>
  );
}

function LocalAccountForm(props: LoginPageProps) {
  return (
    <form method="post" action="/login" class="stack">
      <input type="hidden" name="_csrf" value={props.formToken} />
      <label for="email">E-mail</label>
      <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ""} />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit" class={props.providers?.length ? "button button-quiet" : "button button-primary"} data-testid="sign-in">
        Sign in
      </button>
    </form>
  );
}
