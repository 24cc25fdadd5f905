/**
 * Signing in with a local account, and signing out.
 */
import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { LoginPage } from "../../../templates/login/login-page.tsx";
import { recordAudit } from "../../db/audit.ts";
import { ConsoleError } from "../console-error.ts";
import type { User } from "../../identity/users.ts";
import { clientAddress } from "../client-address.ts";
import { clearSessionCookie, setSessionCookie } from "../cookies.ts";
import { ensureFormToken } from "../csrf.ts";
import type { ConsoleDeps, WebEnv } from "../env.ts";
import { readForm } from "../form.ts";
import { renderPage } from "../render.ts";

/** The same message for an unknown e-mail and a wrong password, so it does not reveal which accounts exist. */
const signInFailedMessage = "E-mail or password is incorrect.";

export function registerSignInRoutes(app: Hono<WebEnv>, deps: ConsoleDeps): void {
  const { ctx, cookies, sessions, assets, identityProviders } = deps;
  const signInMethods = { providers: identityProviders.buttons(), localAccounts: identityProviders.localAccounts };

  app.get("/login", (c) => {
    if (c.get("session")) return c.redirect("/", 303);
    return renderPage(c, <LoginPage assets={assets} formToken={ensureFormToken(c, cookies)} {...signInMethods} />);
  });

  app.post("/login", async (c) => {
    if (!signInMethods.localAccounts) {
      throw new ConsoleError(403, "local_accounts_disabled", "Signing in with an e-mail and password is turned off here: use a sign-in button on the sign-in page.");
    }
    const form = await readForm(c);
    const email = (form.get("email") ?? "").trim();
    const password = form.get("password") ?? "";
    // Checked even when a field is empty, so every failure takes about as long as a wrong password.
    const user = await ctx.users.verifyPassword(email, password);
    if (!user) {
      recordAudit(ctx.db, {
        actor: "anonymous",
        action: "user.sign_in_failed",
        target: email.slice(0, 254),
        sourceAddress: clientAddress(c) ?? null,
      });
      const page = <LoginPage assets={assets} formToken={ensureFormToken(c, cookies)} {...signInMethods} email={email} error={signInFailedMessage} />;
      return renderPage(c, page, 401);
    }
    return completeSignIn(c, deps, user);
  });

  app.post("/logout", (c) => {
    const { session, user } = c.get("signedIn");
    sessions.end(session);
    clearSessionCookie(c, cookies);
    recordAudit(ctx.db, { actor: `user:${user.id}`, action: "user.signed_out", target: user.email, sourceAddress: clientAddress(c) ?? null });
    return c.redirect("/login", 303);
  });
}

/**
 * Starts a new session for a user whose identity was just proven, ending any session the browser
 * already had so that a session id known before sign-in is never carried over.
 */
export function completeSignIn(c: Context<WebEnv>, { ctx, sessions, cookies }: ConsoleDeps, user: User): Response {
  const previousToken = getCookie(c, cookies.sessionName);
  if (previousToken !== undefined) sessions.endByToken(previousToken);

  const firstOrgId = ctx.users.memberships(user.id)[0]?.orgId ?? null;
  const { token } = sessions.start(user.id, firstOrgId);
  setSessionCookie(c, cookies, token);
  recordAudit(ctx.db, { actor: `user:${user.id}`, action: "user.signed_in", target: user.email, sourceAddress: clientAddress(c) ?? null });
  return c.redirect("/", 303);
}
