/**
 * The HTML document around every console page.
 */
import type { Child } from "hono/jsx";

/** Versioned URLs of the static files, so they can be cached for a long time. */
export interface AssetUrls {
  css: string;
  htmx: string;
  script: string;
  icon: string;
}

/**
 * htmx settings. htmx injects no indicator `<style>`, because the Content-Security-Policy forbids
 * inline styles. It runs no eval and no scripts from fragments, and keeps no copies of the page in
 * localStorage, because a page may show a secret. Error responses are swapped in like any other,
 * so the server's error fragment reaches the page.
 */
const htmxConfig = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
});

export interface LayoutProps {
  title: string;
  assets: AssetUrls;
  /** The session's CSRF token, which htmx then sends with every request. */
  csrfToken?: string | undefined;
  header: Child;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const hxHeaders = props.csrfToken === undefined ? undefined : JSON.stringify({ "X-CSRF-Token": props.csrfToken });
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={htmxConfig} />
        <title>{`${props.title} · S3 Gateway`}</title>
        <link rel="icon" href={props.assets.icon} type="image/svg+xml" />
        <link rel="stylesheet" href={props.assets.css} />
        <script src={props.assets.htmx} defer></script>
        <script src={props.assets.script} defer></script>
      </head>
      <body hx-headers={hxHeaders}>
        {props.header}
        <main class="page">{props.children}</main>
      </body>
    </html>
  );
}
