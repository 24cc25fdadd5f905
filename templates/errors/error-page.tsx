/**
 * A full page for an error, and the same message as an htmx fragment.
 */
import { Layout, type AssetUrls } from "../layout.tsx";
import { AnonymousHeader } from "../site-header.tsx";

export interface ErrorView {
  status: number;
  title: string;
  message: string;
  requestId: string;
}

export function ErrorPage(props: { error: ErrorView; assets: AssetUrls }) {
  const { error } = props;
  return (
    <Layout title={error.title} assets={props.assets} header={<AnonymousHeader />}>
      <section class="card narrow" data-testid="error-page">
        <p class="eyebrow">{`Error ${error.status}`}</p>
        <h1>{error.title}</h1>
        <p data-testid="error-message">{error.message}</p>
        <p class="muted small">{`Request id: ${error.requestId}`}</p>
        <p>
          <a class="button button-primary" href="/">
            Back to the console
          </a>
        </p>
      </section>
    </Layout>
  );
}

/** Renders the message alone, for htmx to swap into the page's alert area. */
export function ErrorAlert(props: { error: ErrorView }) {
  return (
    <div class="alert alert-error" role="alert" data-testid="error-alert">
      <strong class="alert-title">{props.error.title}</strong>
      <span>{props.error.message}</span>
    </div>
  );
}
