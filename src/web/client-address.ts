/**
 * The address of the connecting peer, for audit events.
 */
import type { Context } from "hono";
import type { ServerBindings, WebEnv } from "./env.ts";

/**
 * Returns the TCP peer address that Bun reports, or undefined when the app runs in-process.
 * Forwarded headers are not read, because no trusted proxies are configured for the console.
 */
export function clientAddress(c: Context<WebEnv>): string | undefined {
  // Hono leaves `env` undefined for `app.request()` calls, although the declared type is not optional.
  const bindings = c.env as ServerBindings | undefined;
  const source = bindings?.server ?? bindings;
  return source?.requestIP?.(c.req.raw)?.address;
}
