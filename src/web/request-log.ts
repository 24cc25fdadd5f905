/**
 * One log record per console request, with a request id that error pages show.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log/logger.ts";
import type { WebEnv } from "./env.ts";

/**
 * Assigns a request id and logs method, path, status and duration. The query string is left
 * out because the setup link carries its one-time token there.
 */
export function requestLog(logger: Logger): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    const startedAt = performance.now();
    await next();
    const record = {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round(performance.now() - startedAt),
      userId: c.get("session")?.userId,
    };
    if (c.req.path.startsWith("/static/")) logger.debug(record, "console request");
    else logger.info(record, "console request");
  };
}
