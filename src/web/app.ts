/**
 * The web console: server-rendered pages and htmx fragments over the gateway's services.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { except } from "hono/combine";
import type { GatewayContext } from "../context.ts";
import { IdentityProviders } from "../identity/oidc/identity-providers.ts";
import { SessionService, defaultSessionTimeouts, type SessionTimeouts } from "../identity/sessions.ts";
import type { Logger } from "../log/logger.ts";
import { ConsoleError, pageNotFound } from "./console-error.ts";
import { cookiePolicyFor } from "./cookies.ts";
import { csrfProtection } from "./csrf.ts";
import type { ConsoleDeps, WebEnv } from "./env.ts";
import { renderError } from "./error-renderer.tsx";
import { requestLog } from "./request-log.ts";
import { createApiRoutes, type BearerAuthenticator } from "./routes/api.ts";
import { registerAuditRoutes } from "./routes/audit.tsx";
import { registerCredentialRoutes } from "./routes/credentials.tsx";
import { registerDashboardRoutes } from "./routes/dashboard.tsx";
import { registerOidcRoutes } from "./routes/oidc.tsx";
import { registerSetupRoutes } from "./routes/setup.tsx";
import { registerSignInRoutes } from "./routes/sign-in.tsx";
import { securityHeaders } from "./security-headers.ts";
import { signInThrottle } from "./sign-in-throttle.ts";
import { loadSession, requireSignIn } from "./session-middleware.ts";
import { loadStaticFiles, registerStaticRoutes } from "./static-assets.ts";

export interface WebAppOptions {
  logger: Logger;
  /** Session idle and absolute timeouts; 8 and 24 hours by default. */
  sessionTimeouts?: SessionTimeouts;
  /** Clock for session timeouts, replaced in tests. */
  now?: () => Date;
  /** Called after the console or the API changes a credential, for example to clear a lookup cache. */
  onCredentialsChanged?: () => void;
  /** Validates bearer tokens for the JSON API; without it the API accepts only the session cookie. */
  apiBearerAuthenticator?: BearerAuthenticator;
  /** Identity providers, discovered at start-up; local accounts only when left out. */
  identityProviders?: IdentityProviders;
}

/** Forms and htmx requests are small; anything larger is rejected before it is parsed. */
const maxRequestBodyBytes = 64 * 1024;

/** Paths that only a signed-in user may use. */
const signedInPaths = ["/", "/org", "/logout", "/credentials", "/credentials/*", "/audit"];

/**
 * Builds the console app. Static files are read here, so a missing file stops start-up, and a
 * console URL that forces insecure cookies is logged once as a warning. The cookie names follow
 * the scheme and host of `ctx.config.publicWebUrl` at this call. The CSRF check reads the accepted
 * origin from it on each request, so a caller may fill in the port after binding.
 * @example Bun.serve({ hostname, port, fetch: (request, server) => app.fetch(request, { server }) })
 */
export function createWebApp(ctx: GatewayContext, options: WebAppOptions): Hono<WebEnv> {
  const { logger } = options;
  const cookies = cookiePolicyFor(ctx.config.publicWebUrl);
  if (cookies.insecureWarning) logger.warn({ publicWebUrl: ctx.config.publicWebUrl }, cookies.insecureWarning);

  const staticFiles = loadStaticFiles();
  const deps: ConsoleDeps = {
    ctx,
    sessions: new SessionService(ctx.db, options.sessionTimeouts ?? defaultSessionTimeouts, options.now),
    cookies,
    logger,
    assets: staticFiles.urls,
    onCredentialsChanged: options.onCredentialsChanged ?? (() => {}),
    identityProviders: options.identityProviders ?? IdentityProviders.none(),
  };

  const app = new Hono<WebEnv>();
  app.use(securityHeaders());
  app.use(requestLog(logger));
  app.use(
    bodyLimit({
      maxSize: maxRequestBodyBytes,
      onError: () => {
        throw new ConsoleError(413, "body_too_large", `The request body is larger than ${maxRequestBodyBytes / 1024} KiB and was rejected.`);
      },
    }),
  );
  app.use(loadSession(deps));
  for (const path of signedInPaths) app.use(path, requireSignIn(deps));
  app.post("/login", signInThrottle());
  // The JSON API checks the CSRF token of cookie-authenticated requests itself, and bearer-token
  // requests need none.
  app.use(except("/api/v1/*", csrfProtection(deps)));

  app.get("/healthz", (c) => c.text("ok"));
  registerStaticRoutes(app, staticFiles.files);
  registerSetupRoutes(app, deps);
  // Before the sign-in and dashboard routes: it takes over sign-out and organization switching
  // for sessions that need the identity provider, and passes the others on.
  registerOidcRoutes(app, deps, deps.identityProviders);
  registerSignInRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  registerCredentialRoutes(app, deps);
  registerAuditRoutes(app, deps);
  app.route("/api/v1", createApiRoutes(deps, options.apiBearerAuthenticator));

  app.notFound((c) => renderError(c, pageNotFound(c.req.path), deps));
  app.onError((error, c) => renderError(c, error, deps));
  return app;
}
