/**
 * The page between a form post and the identity provider. Chromium applies the
 * Content-Security-Policy's `form-action 'self'` to every redirect that follows a form post, so
 * a post cannot redirect to the provider directly. The route returns this page for the post
 * instead, and sets a `Refresh` response header that starts a new navigation to the provider.
 * The link serves browsers that ignore the header.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";

export interface ProviderRedirectPageProps {
  assets: AssetUrls;
  title: string;
  message: string;
  /** Next destination of the browser: the provider's authorization or end-session endpoint. */
  url: string;
  linkLabel: string;
}

export function ProviderRedirectPage(props: ProviderRedirectPageProps) {
  return (
    <Layout title={props.title} assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow" data-testid="provider-redirect">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a class="button button-primary" href={props.url} data-testid="provider-redirect-link">
            {props.linkLabel}
          </a>
        </p>
      </section>
    </Layout>
  );
}
