/**
 * Names and attributes of the console's cookies. The `__Host-` prefix makes browsers reject the
 * cookie unless it is Secure, has `Path=/` and no `Domain`, so another host cannot plant it.
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";

export interface CookiePolicy {
  /** Cookie holding the session token. */
  sessionName: string;
  /** Cookie holding the CSRF token of the sign-in and setup forms, before a session exists. */
  formTokenName: string;
  secure: boolean;
  /**
   * Warning text, set when the console URL is plain HTTP on a host other than loopback. Browsers
   * drop Secure cookies there, so the policy falls back to unprefixed cookies without Secure.
   */
  insecureWarning?: string;
}

/** Lifetime of the session cookie in the browser. The server enforces its own timeouts as well. */
const sessionCookieMaxAgeSeconds = 24 * 3600;

/**
 * Chooses cookie names and the Secure attribute for the console's public URL. HTTPS and plain
 * HTTP on a loopback host get `__Host-` cookies: Chromium 156 treats http://127.0.0.1 as a secure
 * context and accepts Secure cookies from it (checked with playwright-core).
 */
export function cookiePolicyFor(publicWebUrl: string): CookiePolicy {
  const url = new URL(publicWebUrl);
  if (url.protocol === "https:" || isLoopbackHost(url.hostname)) {
    return { sessionName: "__Host-s3gw_session", formTokenName: "__Host-s3gw_form", secure: true };
  }
  return {
    sessionName: "s3gw_session",
    formTokenName: "s3gw_form",
    secure: false,
    insecureWarning:
      `The console URL ${url.origin} is plain HTTP on a host that is not loopback, so session cookies are sent without ` +
      "Secure and without the __Host- prefix: serve the console over HTTPS and set S3GATEWAY_PUBLIC_WEB_URL to its https:// URL.",
  };
}

/** Checks whether a URL host name is a loopback address: 127.0.0.0/8, ::1, localhost or *.localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "::1" || host === "localhost" || host.endsWith(".localhost")) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function setSessionCookie(c: Context, policy: CookiePolicy, token: string): void {
  setCookie(c, policy.sessionName, token, {
    path: "/",
    secure: policy.secure,
    httpOnly: true,
    sameSite: "Lax",
    maxAge: sessionCookieMaxAgeSeconds,
  });
}

/** Sets the form-token cookie, which lasts until the browser closes. */
export function setFormTokenCookie(c: Context, policy: CookiePolicy, token: string): void {
  setCookie(c, policy.formTokenName, token, { path: "/", secure: policy.secure, httpOnly: true, sameSite: "Lax" });
}

export function clearSessionCookie(c: Context, policy: CookiePolicy): void {
  deleteCookie(c, policy.sessionName, { path: "/", secure: policy.secure, httpOnly: true, sameSite: "Lax" });
}
