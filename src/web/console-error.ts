/**
 * The console's own HTTP error, for failures that are not a service's `GatewayError`, such as a
 * rejected CSRF check or an unknown page.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "../errors.ts";

export class ConsoleError extends GatewayError {
  readonly status: ContentfulStatusCode;

  /**
   * @param status HTTP status of the response.
   * @param code stable code for logs and tests, such as `csrf_rejected`.
   * @param message text shown to the user: what failed and what to do.
   */
  constructor(status: ContentfulStatusCode, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** Creates the error for a URL that no console route serves. */
export function pageNotFound(path: string): ConsoleError {
  return new ConsoleError(404, "page_not_found", `There is no page at ${path}. Go back to the console's start page.`);
}
