/**
 * Bearer tokens for the JSON API. An access token from a configured identity provider is checked
 * at that provider's userinfo endpoint, which works for opaque and JWT access tokens alike. The
 * subject it returns is mapped to an existing user by issuer and subject.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
import { createHash } from "node:crypto";
import * as oauth from "oauth4webapi";
import type { Logger } from "../../log/logger.ts";
import type { BearerAuthenticator } from "../../web/routes/api.ts";
import { describeFetchError, type DiscoveredProvider } from "./discovery.ts";

/** Limit for each userinfo request. */
const userInfoTimeoutMs = 5_000;

export interface BearerTokenOptions {
  /** How long an accepted token is trusted without asking the provider again, in milliseconds. */
  cacheTtlMs?: number;
  /** Maximum number of cached tokens. The oldest entry is dropped first. */
  maxCacheEntries?: number;
  now?: () => number;
  /** Replaces `fetch` for the userinfo requests, for tests. */
  fetch?: (url: string, init: { headers: Record<string, string>; method: string }) => Promise<Response>;
}

/** Issuer and subject that a provider returned for an accepted token. */
interface TokenIdentity {
  issuer: string;
  subject: string;
}

/**
 * Validates access tokens against the userinfo endpoints of `providers`. Accepted tokens are
 * cached by their SHA-256 digest, so the raw token is never stored or logged. Only positive
 * results are cached, and the user is looked up again on every call, so a deleted user loses
 * access at once.
 * NOTE: the userinfo endpoint does not say which client the token was issued to, so a token that
 * any client of a configured provider obtained for the user with the `openid` scope is accepted.
 */
export class BearerTokenValidator {
  private readonly providers: DiscoveredProvider[];
  private readonly cache = new Map<string, { identity: TokenIdentity; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<TokenIdentity | undefined>>();
  private readonly cacheTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly now: () => number;
  private readonly requestOptions: () => oauth.UserInfoRequestOptions;

  constructor(
    providers: DiscoveredProvider[],
    /** Returns the id of the user with this issuer and subject, or undefined when there is none. */
    private readonly findUserId: (issuer: string, subject: string) => string | undefined,
    private readonly logger: Logger,
    options: BearerTokenOptions = {},
  ) {
    this.providers = providers.filter((provider) => {
      if (provider.server.userinfo_endpoint) return true;
      logger.warn({ provider: provider.settings.id }, "identity provider has no userinfo_endpoint, so the API does not accept its bearer tokens");
      return false;
    });
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.maxCacheEntries = options.maxCacheEntries ?? 1_000;
    this.now = options.now ?? Date.now;
    const customFetch = options.fetch;
    this.requestOptions = () => ({ signal: AbortSignal.timeout(userInfoTimeoutMs), ...(customFetch ? { [oauth.customFetch]: customFetch } : {}) });
  }

  /** The validator as the web app's {@link BearerAuthenticator}. */
  readonly authenticate: BearerAuthenticator = async (token) => {
    const identity = await this.identify(token);
    if (!identity) return undefined;
    const userId = this.findUserId(identity.issuer, identity.subject);
    return userId === undefined ? undefined : { userId };
  };

  /** Returns the issuer and subject of an accepted token, from the cache or from the providers. */
  private async identify(token: string): Promise<TokenIdentity | undefined> {
    const key = createHash("sha256").update(token).digest("base64url");
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.identity;
    if (cached) this.cache.delete(key);

    // Concurrent requests with the same token share one round of userinfo requests.
    let lookup = this.pending.get(key);
    if (!lookup) {
      lookup = this.askProviders(token).finally(() => this.pending.delete(key));
      this.pending.set(key, lookup);
    }
    const identity = await lookup;
    if (identity) this.remember(key, identity);
    return identity;
  }

  private remember(key: string, identity: TokenIdentity): void {
    this.cache.delete(key);
    while (this.cache.size >= this.maxCacheEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(key, { identity, expiresAt: this.now() + this.cacheTtlMs });
  }

  /**
   * Asks each candidate provider in configuration order and returns the first identity one
   * accepts. A JWT access token goes only to the provider of its `iss` claim, so the token is not
   * shown to other providers. The claim is only read here, and the userinfo request checks it.
   */
  private async askProviders(token: string): Promise<TokenIdentity | undefined> {
    const tokenIssuer = unverifiedJwtIssuer(token);
    const candidates = tokenIssuer === undefined ? this.providers : this.providers.filter((provider) => provider.settings.issuer === tokenIssuer);
    for (const provider of candidates) {
      const subject = await this.askProvider(provider, token);
      if (subject !== undefined) return { issuer: provider.settings.issuer, subject };
    }
    return undefined;
  }

  /** Returns the subject that the provider's userinfo endpoint returns for the token, or undefined when it rejects the token. */
  private async askProvider(provider: DiscoveredProvider, token: string): Promise<string | undefined> {
    const { server, client, settings } = provider;
    let response: Response;
    try {
      response = await oauth.userInfoRequest(server, client, token, this.requestOptions());
    } catch (error) {
      this.logger.error({ provider: settings.id, issuer: settings.issuer, cause: describeFetchError(error) }, "userinfo request for a bearer token failed");
      return undefined;
    }
    // RFC 6750: 401 for a token that is invalid or expired, 403 for one without the openid scope.
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return undefined;
    }
    try {
      const claims = await oauth.processUserInfoResponse(server, client, oauth.skipSubjectCheck, response);
      return claims.sub;
    } catch (error) {
      this.logger.error(
        { provider: settings.id, issuer: settings.issuer, status: response.status, cause: (error as Error).message },
        "userinfo response for a bearer token is invalid",
      );
      return undefined;
    }
  }
}

/** Returns the `iss` claim of a token shaped like a JWS without verifying it, or undefined for other tokens. */
function unverifiedJwtIssuer(token: string): string | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")) as unknown;
    const issuer = typeof payload === "object" && payload !== null ? (payload as { iss?: unknown }).iss : undefined;
    return typeof issuer === "string" ? issuer : undefined;
  } catch {
    return undefined;
  }
}
