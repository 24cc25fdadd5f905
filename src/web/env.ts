/**
 * Types shared by the console's middleware and routes: what the server passes in and what the
 * middleware stores on each request's context.
 */
import type { AssetUrls } from "../../templates/layout.tsx";
import type { GatewayContext } from "../context.ts";
import type { IdentityProviders } from "../identity/oidc/identity-providers.ts";
import type { ConsoleSession, SessionService } from "../identity/sessions.ts";
import type { Membership, User } from "../identity/users.ts";
import type { Logger } from "../log/logger.ts";
import type { CookiePolicy } from "./cookies.ts";

/** The part of Bun's server object the console uses. */
export interface PeerAddressSource {
  requestIP(request: Request): { address: string } | null;
}

/**
 * Second argument of `app.fetch`: `{ server }` or Bun's server itself. Absent when the app is
 * called in-process with `app.request()`.
 */
export interface ServerBindings {
  server?: PeerAddressSource;
  requestIP?: PeerAddressSource["requestIP"];
}

/** The signed-in user and the organization their session works in. */
export interface SignedInUser {
  user: User;
  session: ConsoleSession;
  memberships: Membership[];
  /** Undefined when the user belongs to no organization. */
  currentOrg: Membership | undefined;
}

export interface WebEnv {
  Bindings: ServerBindings;
  Variables: {
    requestId: string;
    /** The session named by the request's cookie, when it is valid. */
    session: ConsoleSession | undefined;
    /** Set by `requireSignIn` on routes that need a signed-in user. */
    signedIn: SignedInUser;
  };
}

/** Services and settings of the console's routes and middleware, resolved once in `createWebApp`. */
export interface ConsoleDeps {
  ctx: GatewayContext;
  sessions: SessionService;
  cookies: CookiePolicy;
  logger: Logger;
  assets: AssetUrls;
  /** Called after a credential is created or revoked, so caches of credentials can be dropped. */
  onCredentialsChanged: () => void;
  /** Identity providers offered on the sign-in page, and whether local accounts are enabled. */
  identityProviders: IdentityProviders;
}
