/**
 * The sign-in form for local accounts.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";

export interface LoginPageProps {
  assets: AssetUrls;
  /** Value of the form-token cookie, repeated in the form for the CSRF check. */
  formToken: string;
  email?: string;
  error?: string;
}

export function LoginPage(props: LoginPageProps) {
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
        <form method="post" action="/login" class="stack">
          <input type="hidden" name="_csrf" value={props.formToken} />
          <label for="email">E-mail</label>
          <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ""} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="button button-primary" data-testid="sign-in">
            Sign in
          </button>
        </form>
      </section>
    </Layout>
  );
}
