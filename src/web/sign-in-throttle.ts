/**
 * The limit on failed sign-ins: a token bucket per source address. Failures take tokens; once the
 * bucket is empty, sign-in attempts from that address are rejected before the password is checked,
 * until a token comes back. Successful sign-ins take nothing.
 */
import type { MiddlewareHandler } from "hono";
import { TokenBuckets, type TokenBucketSettings } from "../credentials/throttle.ts";
import { clientAddress } from "./client-address.ts";
import { ConsoleError } from "./console-error.ts";
import type { WebEnv } from "./env.ts";

/** 10 failed sign-ins in a burst from one address, then one more every 6 seconds (10 a minute). */
export const defaultSignInLimit: TokenBucketSettings = { capacity: 10, refillPerSecond: 1 / 6 };

/**
 * Middleware for the sign-in form's POST. A response with status 401 counts as a failure.
 * @param now clock in milliseconds, replaced in tests.
 */
export function signInThrottle(settings: TokenBucketSettings = defaultSignInLimit, now: () => number = Date.now): MiddlewareHandler<WebEnv> {
  const buckets = new TokenBuckets(settings, now);
  return async (c, next) => {
    // In-process requests have no peer address; they share one bucket.
    const source = clientAddress(c) ?? "unknown";
    const waitMs = buckets.waitMs(source);
    if (waitMs > 0) {
      throw new ConsoleError(429, "sign_in_throttled", `Too many failed sign-ins came from your address. Wait ${Math.ceil(waitMs / 1000)} seconds, then try again.`);
    }
    await next();
    if (c.res.status === 401) buckets.take(source);
  };
}
