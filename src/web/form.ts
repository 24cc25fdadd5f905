/**
 * Reading URL-encoded and multipart form fields.
 */
import type { Context } from "hono";
import { InvalidInputError } from "../errors.ts";

/**
 * Returns the text fields of a form body. File fields are dropped, a repeated field keeps its last
 * value, and any other content type gives an empty map. Hono caches the parsed body, so
 * middleware and the handler can both call this.
 * @throws {InvalidInputError} when the body is not a readable form.
 */
export async function readForm(c: Context): Promise<Map<string, string>> {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!contentType.startsWith("application/x-www-form-urlencoded") && !contentType.startsWith("multipart/form-data")) {
    return new Map();
  }
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch (error) {
    throw new InvalidInputError("The form could not be read: reload the page and submit it again.", { cause: error });
  }
  const fields = new Map<string, string>();
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string") fields.set(name, value);
  }
  return fields;
}
