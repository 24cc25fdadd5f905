/**
 * Turning page and fragment components into responses.
 */
import type { Context } from "hono";
import { html } from "hono/html";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Sends a full page; the component's output is already escaped. */
export function renderPage(c: Context, page: JSX.Element, status: ContentfulStatusCode = 200): Response | Promise<Response> {
  return c.html(html`<!DOCTYPE html>${page}`, status);
}

/** Sends an htmx fragment. */
export function renderFragment(c: Context, fragment: JSX.Element, status: ContentfulStatusCode = 200): Response | Promise<Response> {
  return c.html(fragment, status);
}
