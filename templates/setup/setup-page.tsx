/**
 * The first-administrator form, reached through the one-time link the server prints at its
 * first start, and the page for a link that no longer works.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";

export interface SetupPageProps {
  assets: AssetUrls;
  formToken: string;
  setupToken: string;
  minPasswordLength: number;
  email?: string;
  error?: string;
}

export function SetupPage(props: SetupPageProps) {
  return (
    <Layout title="Create the administrator account" assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow">
        <h1>Create the administrator account</h1>
        <p class="muted">
          This account administers the gateway. The setup link works once, and only until the first account exists.
        </p>
        {props.error === undefined ? null : (
          <p class="alert alert-error" role="alert" data-testid="setup-error">
            {props.error}
          </p>
        )}
        <form method="post" action="/setup" class="stack">
          <input type="hidden" name="_csrf" value={props.formToken} />
          <input type="hidden" name="token" value={props.setupToken} />
          <label for="email">E-mail</label>
          <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ""} />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength={props.minPasswordLength}
            required
            aria-describedby="password-hint"
          />
          <p id="password-hint" class="hint">{`At least ${props.minPasswordLength} characters.`}</p>
          <label for="password-repeat">Repeat the password</label>
          <input id="password-repeat" name="passwordRepeat" type="password" autocomplete="new-password" required />
          <button type="submit" class="button button-primary" data-testid="create-admin">
            Create account and sign in
          </button>
        </form>
      </section>
    </Layout>
  );
}

export function SetupLinkInvalidPage(props: { assets: AssetUrls }) {
  return (
    <Layout title="Setup link not valid" assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow" data-testid="setup-link-invalid">
        <h1>This setup link is not valid</h1>
        <p>The link is wrong, has expired, or was already used to create the administrator account.</p>
        <ul class="plain-list">
          <li>
            If the account exists, <a href="/login">sign in</a>.
          </li>
          <li>
            Otherwise restart the server to print a new setup link, or create an account with{" "}
            <code>s3gateway user add</code>.
          </li>
        </ul>
      </section>
    </Layout>
  );
}
