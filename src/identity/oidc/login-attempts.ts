/**
 * Pending authorization requests. Each keeps the `state`, `nonce` and PKCE code verifier of one
 * request on the server, bound to the browser that started it through a random cookie value. The
 * callback can then only complete in that browser, and only once.
 */
import { timingSafeEqual } from "node:crypto";
import { eq, lte } from "drizzle-orm";
import type { MetadataDb } from "../../db/database.ts";
import { oidcLoginAttempts } from "../../db/schema.ts";
import { hashToken } from "../users.ts";

/** How long a user may take at the provider before the sign-in has to start again. */
export const loginAttemptLifetimeMs = 10 * 60_000;

export interface LoginAttempt {
  providerId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Organization requested with Auth0's `organization` parameter; undefined for a plain sign-in. */
  organization: string | undefined;
}

export type TakeResult =
  | { status: "found"; attempt: LoginAttempt }
  | { status: "unknown" }
  | { status: "expired"; providerId: string }
  | { status: "other_browser"; providerId: string };

export class LoginAttemptStore {
  constructor(
    private readonly db: MetadataDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Stores an attempt for the browser whose binding cookie contains `browserToken`, and deletes
   * attempts that have expired.
   */
  save(attempt: LoginAttempt, browserToken: string): void {
    const createdAt = this.now();
    this.db.delete(oidcLoginAttempts).where(lte(oidcLoginAttempts.expiresAt, createdAt)).run();
    this.db
      .insert(oidcLoginAttempts)
      .values({
        stateHash: hashToken(attempt.state),
        browserHash: hashToken(browserToken),
        providerId: attempt.providerId,
        nonce: attempt.nonce,
        codeVerifier: attempt.codeVerifier,
        organization: attempt.organization ?? null,
        createdAt,
        expiresAt: new Date(createdAt.getTime() + loginAttemptLifetimeMs),
      })
      .run();
  }

  /**
   * Finds the attempt for a callback's `state` and deletes it, so that the same callback cannot
   * complete twice. An attempt presented by another browser is left in place, so that a leaked
   * callback URL does not cancel the sign-in of the browser it belongs to.
   * @param browserToken the binding cookie of the browser that presents the callback.
   */
  take(state: string, browserToken: string | undefined): TakeResult {
    const stateHash = hashToken(state);
    const row = this.db.select().from(oidcLoginAttempts).where(eq(oidcLoginAttempts.stateHash, stateHash)).get();
    if (!row) return { status: "unknown" };

    const presented = Buffer.from(hashToken(browserToken ?? ""), "hex");
    if (browserToken === undefined || !timingSafeEqual(presented, Buffer.from(row.browserHash, "hex"))) {
      return { status: "other_browser", providerId: row.providerId };
    }
    this.db.delete(oidcLoginAttempts).where(eq(oidcLoginAttempts.stateHash, stateHash)).run();
    if (row.expiresAt.getTime() <= this.now().getTime()) return { status: "expired", providerId: row.providerId };

    return {
      status: "found",
      attempt: { providerId: row.providerId, state, nonce: row.nonce, codeVerifier: row.codeVerifier, organization: row.organization ?? undefined },
    };
  }
}
