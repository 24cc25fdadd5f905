/**
 * Signing in through identity providers: starting the authorization code flow, the callback,
 * switching to an Auth0 organization that the provider has to confirm, and signing out at the
 * provider too.
 *
 * The start and callback are GET requests, as the flow requires. The callback cannot be forged
 * across sites: it completes only with a `state` that this server issued to the same browser,
 * which the browser-binding cookie proves.
 */
import type { Context, Hono, Next } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { randomBytes } from "node:crypto";
import { ProviderNoOrganizationPage } from "../../../templates/login/no-organization-page.tsx";
import { OrganizationNotEnabledPage } from "../../../templates/login/organization-not-enabled-page.tsx";
import { ProviderRedirectPage } from "../../../templates/login/provider-redirect-page.tsx";
import { recordAudit } from "../../db/audit.ts";
import { completeAuthorization, createAuthorizationRequest, endSessionUrl } from "../../identity/oidc/code-flow.ts";
import type { DiscoveredProvider } from "../../identity/oidc/discovery.ts";
import type { IdentityProviders } from "../../identity/oidc/identity-providers.ts";
import { LoginAttemptStore, type LoginAttempt } from "../../identity/oidc/login-attempts.ts";
import { OidcSessionStore } from "../../identity/oidc/oidc-sessions.ts";
import { ProviderAccounts, type SignInOutcome } from "../../identity/oidc/provider-accounts.ts";
import { SignInError } from "../../identity/oidc/sign-in-error.ts";
import { clientAddress } from "../client-address.ts";
import { ConsoleError, pageNotFound } from "../console-error.ts";
import { clearSessionCookie, setSessionCookie } from "../cookies.ts";
import type { ConsoleDeps, WebEnv } from "../env.ts";
import { readForm } from "../form.ts";
import { renderPage } from "../render.ts";

interface OidcRouteDeps extends ConsoleDeps {
  providers: IdentityProviders;
  attempts: LoginAttemptStore;
  oidcSessions: OidcSessionStore;
  accounts: ProviderAccounts;
}

/**
 * Registers the identity provider routes. They must come before the sign-in and dashboard routes:
 * the handlers for `POST /logout` and `POST /org` here act only on sessions of identity providers
 * that need the provider's involvement, and pass every other request on to those routes.
 */
export function registerOidcRoutes(app: Hono<WebEnv>, deps: ConsoleDeps, providers: IdentityProviders): void {
  const routeDeps: OidcRouteDeps = {
    ...deps,
    providers,
    attempts: new LoginAttemptStore(deps.ctx.db),
    oidcSessions: new OidcSessionStore(deps.ctx.db, deps.ctx.keyring),
    accounts: new ProviderAccounts(deps.ctx),
  };

  app.get("/login/oidc/:provider", async (c) => {
    const provider = findProvider(c, providers);
    const { url, attempt } = await createAuthorizationRequest(provider, redirectUri(deps, provider), undefined);
    routeDeps.attempts.save(attempt, ensureBrowserToken(c, deps));
    return c.redirect(url.href, 302);
  });

  app.get("/login/oidc/:provider/callback", (c) => handleCallback(c, routeDeps, findProvider(c, providers)));
  app.post("/org", (c, next) => switchOrganization(c, next, routeDeps));
  app.post("/logout", (c, next) => signOut(c, next, routeDeps));
}

function findProvider(c: Context<WebEnv>, providers: IdentityProviders): DiscoveredProvider {
  const provider = providers.get(c.req.param("provider") ?? "");
  if (!provider) throw pageNotFound(c.req.path);
  return provider;
}

function redirectUri({ ctx }: ConsoleDeps, provider: DiscoveredProvider): string {
  return `${ctx.config.publicWebUrl}/login/oidc/${provider.settings.id}/callback`;
}

/** Name of the cookie that binds authorization requests to the browser that started them. */
function browserCookieName({ cookies }: ConsoleDeps): string {
  return cookies.secure ? "__Host-s3gw_oidc" : "s3gw_oidc";
}

/** Returns the browser-binding token, setting a new cookie that lasts until the browser closes. */
function ensureBrowserToken(c: Context<WebEnv>, deps: ConsoleDeps): string {
  const name = browserCookieName(deps);
  const existing = getCookie(c, name);
  if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString("base64url");
  setCookie(c, name, token, { path: "/", secure: deps.cookies.secure, httpOnly: true, sameSite: "Lax" });
  return token;
}

async function handleCallback(c: Context<WebEnv>, deps: OidcRouteDeps, provider: DiscoveredProvider): Promise<Response> {
  const parameters = new URL(c.req.url).searchParams;
  let attempt: LoginAttempt | undefined;
  try {
    attempt = takeAttempt(c, deps, provider, parameters);
    const verified = await completeAuthorization(provider, parameters, attempt, redirectUri(deps, provider));
    const result = deps.accounts.recordSignIn(provider, verified.claims, attempt.organization);
    if (result.mapped.invalidOrganizationIds.length > 0) {
      deps.logger.warn(
        { provider: provider.settings.id, values: result.mapped.invalidOrganizationIds },
        "identity provider named organizations whose ids are invalid; they were ignored",
      );
    }
    if (result.createdOrgIds.length > 0) deps.logger.info({ provider: provider.settings.id, orgs: result.createdOrgIds }, "created organizations named by an identity provider");
    return finishSignIn(c, deps, provider, result.outcome, verified.idToken);
  } catch (error) {
    if (!(error instanceof SignInError)) throw error;
    return rejectSignIn(c, deps, provider, error, attempt);
  }
}

/**
 * Finds the pending request that the callback's `state` belongs to.
 * @throws {SignInError} when the state is missing, unknown, used, expired or from another browser.
 */
function takeAttempt(c: Context<WebEnv>, deps: OidcRouteDeps, provider: DiscoveredProvider, parameters: URLSearchParams): LoginAttempt {
  const rejected = (detail: string) =>
    new SignInError(
      "callback_rejected",
      "This sign-in response does not belong to a sign-in started in this browser, or it was used already, so it was rejected. Start again from the sign-in page.",
      { check: detail },
    );
  const state = parameters.get("state");
  if (state === null || state === "") throw rejected("state_missing");
  const lookup = deps.attempts.take(state, getCookie(c, browserCookieName(deps)));
  switch (lookup.status) {
    case "unknown":
      throw rejected("state_unknown");
    case "other_browser":
      throw rejected("state_from_other_browser");
    case "expired":
      throw new SignInError("callback_expired", "The sign-in took longer than 10 minutes and expired. Start again from the sign-in page.", {
        check: "attempt_expired",
      });
    case "found":
      if (lookup.attempt.providerId !== provider.settings.id) throw rejected("provider_mismatch");
      return lookup.attempt;
  }
}

/** Starts the session of a signed-in user, or explains why the user has no organization to work in. */
function finishSignIn(c: Context<WebEnv>, deps: OidcRouteDeps, provider: DiscoveredProvider, outcome: SignInOutcome, idToken: string): Response | Promise<Response> {
  const { ctx, sessions, cookies, assets, providers } = deps;
  const source = clientAddress(c) ?? null;
  if (outcome.kind !== "signed_in") {
    recordAudit(ctx.db, {
      actor: `user:${outcome.user.id}`,
      action: "user.sign_in_failed",
      target: outcome.user.email,
      sourceAddress: source,
      detail: { provider: provider.settings.id, reason: outcome.kind },
    });
    const account = {
      providerName: provider.settings.displayName,
      email: outcome.user.email,
      issuer: provider.settings.issuer,
      subject: outcome.subject,
    };
    const providerSignOutUrl = endSessionUrl(provider, `${ctx.config.publicWebUrl}/login`, undefined)?.href;
    const page =
      outcome.kind === "organization_not_enabled" ? (
        <OrganizationNotEnabledPage
          assets={assets}
          account={account}
          organizations={outcome.organizations}
          supportContact={providers.supportContact}
          providerSignOutUrl={providerSignOutUrl}
        />
      ) : (
        <ProviderNoOrganizationPage assets={assets} account={account} supportContact={providers.supportContact} providerSignOutUrl={providerSignOutUrl} />
      );
    return renderPage(c, page, 403);
  }

  // A new session id at every sign-in. Organizations the provider confirmed earlier in the same
  // browser session stay confirmed when the same user signs in again, as when switching.
  const previousToken = getCookie(c, cookies.sessionName);
  const previous = previousToken === undefined ? undefined : sessions.resume(previousToken);
  const previousRecord = previous === undefined ? undefined : deps.oidcSessions.get(previous.idHash);
  const carried = previous?.userId === outcome.user.id && previousRecord?.providerId === provider.settings.id ? previousRecord.verifiedOrgIds : [];
  if (previousToken !== undefined) sessions.endByToken(previousToken);

  const { token, session } = sessions.start(outcome.user.id, outcome.currentOrgId);
  deps.oidcSessions.save(session.idHash, {
    providerId: provider.settings.id,
    verifiedOrgIds: [...new Set([...outcome.verifiedOrgIds, ...carried])],
    idToken: provider.settings.logoutIdTokenHint ? idToken : undefined,
  });
  setSessionCookie(c, cookies, token);
  recordAudit(ctx.db, {
    actor: `user:${outcome.user.id}`,
    action: "user.signed_in",
    orgId: outcome.currentOrgId,
    target: outcome.user.email,
    sourceAddress: source,
    detail: { provider: provider.settings.id },
  });
  return c.redirect("/", 303);
}

/** Logs and audits a failed sign-in, then shows the error page. */
function rejectSignIn(c: Context<WebEnv>, deps: OidcRouteDeps, provider: DiscoveredProvider, error: SignInError, attempt: LoginAttempt | undefined): never {
  const requestId = c.get("requestId");
  deps.logger.warn({ requestId, provider: provider.settings.id, reason: error.reason, ...error.logDetail }, "identity provider sign-in failed");
  recordAudit(deps.ctx.db, {
    actor: "anonymous",
    action: "user.sign_in_failed",
    sourceAddress: clientAddress(c) ?? null,
    detail: { provider: provider.settings.id, reason: error.reason, ...(error.logDetail.check ? { check: error.logDetail.check } : {}) },
  });

  // Auth0 refuses an `organization` the user no longer belongs to with access_denied, so the
  // membership learned from an earlier sign-in is removed and the selector stops offering it.
  const session = c.get("session");
  if (attempt?.organization !== undefined && error.logDetail.providerError === "access_denied" && session !== undefined) {
    deps.accounts.removeProviderMembership(provider, session.userId, attempt.organization);
  }
  throw new ConsoleError(error.status, error.code, error.message);
}

/**
 * Switches the organization of a session from an Auth0-mapped provider. An organization known
 * from an earlier sign-in but not confirmed in this session is confirmed first by signing in again
 * with Auth0's `organization` parameter. Everything else goes on to the dashboard's handler.
 */
async function switchOrganization(c: Context<WebEnv>, next: Next, deps: OidcRouteDeps): Promise<Response | void> {
  const { session, user, memberships } = c.get("signedIn");
  const record = deps.oidcSessions.get(session.idHash);
  const provider = record === undefined ? undefined : deps.providers.get(record.providerId);
  const orgId = (await readForm(c)).get("orgId") ?? "";
  const membership = memberships.find((m) => m.orgId === orgId);
  if (!record || !provider || !membership || !deps.accounts.needsConfirmation(provider, user, orgId, record.verifiedOrgIds)) {
    return next();
  }

  const { url, attempt } = await createAuthorizationRequest(provider, redirectUri(deps, provider), orgId);
  deps.attempts.save(attempt, ensureBrowserToken(c, deps));
  c.header("Refresh", `0; url=${url.href}`);
  const page = (
    <ProviderRedirectPage
      assets={deps.assets}
      title={`Switching to ${membership.orgName}`}
      message={`${provider.settings.displayName} confirms that you belong to ${membership.orgName} before you can work in it.`}
      url={url.href}
      linkLabel={`Continue to ${provider.settings.displayName}`}
    />
  );
  return renderPage(c, page);
}

/**
 * Signs out a session of an identity provider: ends it here, then sends the browser to the
 * provider's end-session endpoint when it has one. Sessions of local accounts go on to the
 * sign-in routes' handler.
 */
async function signOut(c: Context<WebEnv>, next: Next, deps: OidcRouteDeps): Promise<Response | void> {
  const { session, user } = c.get("signedIn");
  const record = deps.oidcSessions.get(session.idHash);
  const provider = record === undefined ? undefined : deps.providers.get(record.providerId);
  if (!record || !provider) return next();

  const endUrl = endSessionUrl(provider, `${deps.ctx.config.publicWebUrl}/login`, record.idToken);
  deps.sessions.end(session);
  clearSessionCookie(c, deps.cookies);
  recordAudit(deps.ctx.db, {
    actor: `user:${user.id}`,
    action: "user.signed_out",
    target: user.email,
    sourceAddress: clientAddress(c) ?? null,
    detail: { provider: provider.settings.id, providerSignOut: endUrl !== undefined },
  });
  if (!endUrl) return c.redirect("/login", 303);

  c.header("Refresh", `0; url=${endUrl.href}`);
  const page = (
    <ProviderRedirectPage
      assets={deps.assets}
      title="Signing out"
      message={`You are signed out of S3 Gateway. Your browser now signs you out of ${provider.settings.displayName} too.`}
      url={endUrl.href}
      linkLabel={`Sign out of ${provider.settings.displayName}`}
    />
  );
  return renderPage(c, page);
}
