/**
 * Finding the session of each request and guarding the pages that need a signed-in user.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { clearSessionCookie } from "./cookies.ts";
import type { ConsoleDeps, WebEnv } from "./env.ts";

/** Looks up the session named by the cookie; clears a cookie whose session has ended. */
export function loadSession({ sessions, cookies }: ConsoleDeps): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const token = getCookie(c, cookies.sessionName);
    const session = token ? sessions.resume(token) : undefined;
    c.set("session", session);
    if (token && !session) clearSessionCookie(c, cookies);
    await next();
  };
}

/**
 * Lets the request through only with a valid session, and resolves the user, their memberships
 * and the organization they work in. Without a session a page request is redirected to the
 * sign-in page, and an htmx request gets 401 with `HX-Redirect` so that htmx goes there too.
 */
export function requireSignIn({ ctx, sessions }: ConsoleDeps): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = c.get("session");
    if (!session) return redirectToSignIn(c);

    const user = ctx.users.get(session.userId);
    const memberships = ctx.users.memberships(user.id);
    // The stored organization may have been removed from the user since it was chosen.
    const currentOrg = memberships.find((m) => m.orgId === session.currentOrgId) ?? memberships[0];
    if (currentOrg && currentOrg.orgId !== session.currentOrgId) {
      sessions.setCurrentOrg(session, currentOrg.orgId);
    }
    c.set("signedIn", { user, session, memberships, currentOrg });
    await next();
    return undefined;
  };
}

function redirectToSignIn(c: Context<WebEnv>): Response {
  if (isHtmxRequest(c)) {
    c.header("HX-Redirect", "/login");
    return c.text("Your session has ended: sign in again.", 401);
  }
  return c.redirect("/login", 303);
}

/** Checks whether htmx sent the request, so that the response should be a fragment. */
export function isHtmxRequest(c: Context): boolean {
  return c.req.header("HX-Request") === "true";
}
