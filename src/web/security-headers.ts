/**
 * Response headers that every console response carries.
 */
import type { MiddlewareHandler } from "hono";
import type { WebEnv } from "./env.ts";

/**
 * Only the console's own scripts, styles and requests are allowed. No inline script or style is
 * needed: htmx is told not to inject its indicator styles (see the `htmx-config` meta tag).
 */
export const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Sets the Content-Security-Policy, nosniff and Referrer-Policy headers on every response, and
 * `Cache-Control: no-store` on every response that has not set its own caching, so pages that
 * show a secret are never kept in a cache.
 */
export function securityHeaders(): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set("Content-Security-Policy", contentSecurityPolicy);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("X-Frame-Options", "DENY");
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  };
}
