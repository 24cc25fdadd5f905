/**
 * Cross-site request forgery protection for every state-changing request. The request must come
 * from the console's own origin and carry the CSRF token of its session. The sign-in and setup
 * forms, which have no session yet, carry the token of the form-token cookie instead.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { ConsoleError } from "./console-error.ts";
import { setFormTokenCookie, type CookiePolicy } from "./cookies.ts";
import type { ConsoleDeps, WebEnv } from "./env.ts";
import { readForm } from "./form.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** Name of the hidden form field that carries the token in plain HTML forms. */
export const csrfFieldName = "_csrf";

/** Header that carries the token in htmx requests, set by `hx-headers` on the page body. */
export const csrfHeaderName = "X-CSRF-Token";

/**
 * Rejects unsafe requests with 403 unless they pass both checks. The origin check uses
 * `Sec-Fetch-Site` and `Origin` when the browser sends them. The token check applies to every
 * client, including those that send neither header.
 */
export function csrfProtection({ ctx, cookies }: ConsoleDeps): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (safeMethods.has(c.req.method)) return next();

    const consoleOrigin = new URL(ctx.config.publicWebUrl).origin;
    if (!isSameOrigin(c, consoleOrigin)) {
      throw new ConsoleError(
        403,
        "cross_origin_rejected",
        `This request came from another site or address and was rejected. Open the console at ${consoleOrigin} and try again. ` +
          "If that is not the console's address, ask the operator to set S3GATEWAY_PUBLIC_WEB_URL to it.",
      );
    }

    const expected = c.get("session")?.csrfToken ?? getCookie(c, cookies.formTokenName);
    const presented = c.req.header(csrfHeaderName) ?? (await readForm(c)).get(csrfFieldName);
    if (expected === undefined || presented === undefined || !tokensEqual(expected, presented)) {
      throw new ConsoleError(
        403,
        "csrf_rejected",
        "This form has expired or did not come from this console, so it was rejected. Reload the page and try again.",
      );
    }
    await next();
  };
}

/**
 * Chromium 156 sends `Origin: null` on form posts from pages served with
 * `Referrer-Policy: no-referrer`, as the Fetch standard prescribes for non-CORS requests. A "null"
 * origin therefore carries no information, and `Sec-Fetch-Site` decides. A request with neither
 * header (an older browser, a script) still has to pass the token check.
 */
function isSameOrigin(c: Context, consoleOrigin: string): boolean {
  const fetchSite = c.req.header("Sec-Fetch-Site");
  if (fetchSite !== undefined && fetchSite !== "same-origin") return false;
  const origin = c.req.header("Origin");
  return origin === undefined || origin === "null" || origin === consoleOrigin;
}

function tokensEqual(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Returns the form token for the sign-in and setup forms, reusing the browser's cookie when it
 * has one, or setting a new one. The forms repeat it in the `_csrf` field.
 */
export function ensureFormToken(c: Context, cookies: CookiePolicy): string {
  const existing = getCookie(c, cookies.formTokenName);
  if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString("base64url");
  setFormTokenCookie(c, cookies, token);
  return token;
}
