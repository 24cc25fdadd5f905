/**
 * The console's static files: htmx from its npm package, and the console's own script and
 * stylesheet from `static/`. They are read once at start-up and served from memory.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Hono } from "hono";
import type { AssetUrls } from "../../templates/layout.tsx";
import { pageNotFound } from "./console-error.ts";
import type { WebEnv } from "./env.ts";

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

const staticFolder = join(import.meta.dir, "..", "..", "static");

/**
 * Page URLs carry a hash of the file's content, so a browser may keep a file for a year and
 * still fetches the new one after an upgrade.
 */
const longCache = "public, max-age=31536000, immutable";

/**
 * Reads the static files and returns them with their versioned URLs.
 * @throws when a file is missing, so that the server does not start without its assets.
 */
export function loadStaticFiles(): { files: Map<string, StaticFile>; urls: AssetUrls } {
  const sources: [string, string, string][] = [
    ["htmx.min.js", Bun.resolveSync("htmx.org/dist/htmx.min.js", import.meta.dir), "text/javascript; charset=utf-8"],
    ["console.js", join(staticFolder, "console.js"), "text/javascript; charset=utf-8"],
    ["console.css", join(staticFolder, "console.css"), "text/css; charset=utf-8"],
    ["favicon.svg", join(staticFolder, "favicon.svg"), "image/svg+xml"],
  ];
  const files = new Map<string, StaticFile>();
  const versions = new Map<string, string>();
  for (const [name, path, contentType] of sources) {
    const body: Uint8Array<ArrayBuffer> = Uint8Array.from(readFileSync(path));
    files.set(name, { body, contentType });
    versions.set(name, createHash("sha256").update(body).digest("hex").slice(0, 12));
  }
  const url = (name: string) => `/static/${name}?v=${versions.get(name)}`;
  return { files, urls: { css: url("console.css"), htmx: url("htmx.min.js"), script: url("console.js"), icon: url("favicon.svg") } };
}

/** Serves `/static/<name>` for the loaded files. */
export function registerStaticRoutes(app: Hono<WebEnv>, files: Map<string, StaticFile>): void {
  app.get("/static/:name", (c) => {
    const file = files.get(c.req.param("name"));
    if (!file) throw pageNotFound(c.req.path);
    return c.body(file.body, 200, { "Content-Type": file.contentType, "Cache-Control": longCache });
  });
}
