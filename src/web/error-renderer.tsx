/**
 * The console's one HTML error renderer. It shows the message of errors the program raises on
 * purpose, and for anything else a generic message with the request id. An error's cause is
 * never shown, only logged.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorAlert, ErrorPage, type ErrorView } from "../../templates/errors/error-page.tsx";
import { GatewayError } from "../errors.ts";
import { ConsoleError } from "./console-error.ts";
import type { ConsoleDeps, WebEnv } from "./env.ts";
import { renderFragment, renderPage } from "./render.ts";
import { isHtmxRequest } from "./session-middleware.ts";

/** HTTP status and page title for the stable codes of the services' errors. */
const serviceErrors: Record<string, { status: ContentfulStatusCode; title: string }> = {
  invalid_input: { status: 400, title: "Invalid request" },
  not_found: { status: 404, title: "Not found" },
  conflict: { status: 409, title: "Conflict" },
  limit_exceeded: { status: 409, title: "Limit reached" },
};

const consoleErrorTitles: Record<number, string> = {
  400: "Invalid request",
  401: "Sign-in failed",
  403: "Request rejected",
  404: "Page not found",
  413: "Request too large",
  429: "Too many attempts",
  502: "Identity provider unavailable",
};

/**
 * Renders an error as a page, or for an htmx request as a fragment that htmx puts in the page's
 * alert area (`#alert`). Expected errors are logged at info level, others at error level with
 * their cause.
 */
export function renderError(
  c: Context<WebEnv>,
  error: unknown,
  { logger, assets }: Pick<ConsoleDeps, "logger" | "assets">,
): Response | Promise<Response> {
  const requestId = c.get("requestId") ?? "unknown";
  const view = describeError(error, requestId);
  if (view.status >= 500) {
    logger.error({ err: error, requestId, path: c.req.path }, "console request failed");
  } else {
    const code = error instanceof GatewayError ? error.code : undefined;
    logger.info({ requestId, path: c.req.path, status: view.status, code }, "console request rejected");
  }

  const status = view.status as ContentfulStatusCode;
  if (isHtmxRequest(c)) {
    c.header("HX-Retarget", "#alert");
    c.header("HX-Reswap", "innerHTML");
    return renderFragment(c, <ErrorAlert error={view} />, status);
  }
  return renderPage(c, <ErrorPage error={view} assets={assets} />, status);
}

function describeError(error: unknown, requestId: string): ErrorView {
  if (error instanceof ConsoleError) {
    return { status: error.status, title: consoleErrorTitles[error.status] ?? "Request failed", message: error.message, requestId };
  }
  if (error instanceof GatewayError) {
    const known = serviceErrors[error.code];
    if (known) return { ...known, message: error.message, requestId };
  }
  return {
    status: 500,
    title: "Something went wrong",
    message: "The server could not complete the request. Try again; if it keeps failing, give the request id below to your administrator.",
    requestId,
  };
}
