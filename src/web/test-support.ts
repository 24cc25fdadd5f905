/**
 * Helpers for the console's in-process tests: a gateway over a fresh data directory, and a
 * small client that keeps cookies and sends the headers a browser sends on same-origin posts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hono } from "hono";
import { loadConfig } from "../config.ts";
import { openContext, type GatewayContext } from "../context.ts";
import type { SessionTimeouts } from "../identity/sessions.ts";
import { createLogger } from "../log/logger.ts";
import { createWebApp } from "./app.ts";
import type { WebEnv } from "./env.ts";

/** The console URL that `loadConfig` uses by default; requests go to it so the Origin check passes. */
export const consoleOrigin = "http://127.0.0.1:7071";

/** A password long enough for `UserService.add`. */
export const testPassword = "correct horse battery";

export interface ConsoleFixture {
  ctx: GatewayContext;
  app: Hono<WebEnv>;
  /** Every log line the app wrote, as JSON text. */
  logs: string[];
  close(): void;
}

export function openConsoleFixture(options: { env?: Record<string, string>; now?: () => Date; sessionTimeouts?: SessionTimeouts } = {}): ConsoleFixture {
  const dataDir = mkdtempSync(join(tmpdir(), "s3gw-web-"));
  const ctx = openContext(loadConfig({ dataDir }, options.env ?? {}));
  const logs: string[] = [];
  const logger = createLogger("debug", { write: (line: string) => void logs.push(line) });
  const app = createWebApp(ctx, {
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sessionTimeouts ? { sessionTimeouts: options.sessionTimeouts } : {}),
  });
  return {
    ctx,
    app,
    logs,
    close: () => {
      ctx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates an organization with the default connectors. */
export function addOrg(ctx: GatewayContext, id: string, name = `${id} Inc.`): void {
  ctx.organizations.create({ id, name, connectors: ["azure", "vmware"] }, "test");
}

/** Creates a local account that is a member of the given organizations. */
export async function addUser(ctx: GatewayContext, email: string, orgIds: string[], platformAdmin = false): Promise<void> {
  await ctx.users.add({ email, password: testPassword, orgIds, orgAdmin: false, platformAdmin }, "test");
}

interface PostOptions {
  /** Sends the request the way htmx does: `HX-Request` and the CSRF token in a header. */
  htmx?: boolean;
  /** The CSRF token to send; the session's token (or the form token) when left out, none when null. */
  csrf?: string | null;
  headers?: Record<string, string>;
}

/** A cookie-keeping client for one browser. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** The session's CSRF token, read from the last page that showed it. */
  csrfToken: string | undefined;

  constructor(private readonly app: Hono<WebEnv>) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(path, { method: "GET", headers });
  }

  async post(path: string, fields: Record<string, string> = {}, options: PostOptions = {}): Promise<Response> {
    const token = options.csrf === undefined ? this.csrfToken ?? this.cookies.get("__Host-s3gw_form") : options.csrf;
    const body = new URLSearchParams(fields);
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: consoleOrigin,
      "Sec-Fetch-Site": "same-origin",
    };
    if (options.htmx) {
      headers["HX-Request"] = "true";
      if (token !== null && token !== undefined) headers["X-CSRF-Token"] = token;
    } else if (token !== null && token !== undefined) {
      body.set("_csrf", token);
    }
    return this.send(path, { method: "POST", headers: { ...headers, ...options.headers }, body });
  }

  /** Signs in through the login form and loads the dashboard, which sets `csrfToken`. */
  async signIn(email: string, password = testPassword): Promise<Response> {
    await this.get("/login");
    const response = await this.post("/login", { email, password });
    if (response.status !== 303) throw new Error(`sign-in of ${email} failed with status ${response.status}`);
    await this.get("/");
    return response;
  }

  private async send(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    const cookieHeader = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    if (cookieHeader) init.headers.Cookie = cookieHeader;
    const response = await this.app.request(`${consoleOrigin}${path}`, init);
    for (const line of response.headers.getSetCookie()) this.storeCookie(line);
    const contentType = response.headers.get("Content-Type") ?? "";
    if (contentType.startsWith("text/html")) {
      const html = await response.clone().text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      if (token && html.includes("hx-headers")) this.csrfToken = token;
    }
    return response;
  }

  private storeCookie(line: string): void {
    const [pair = ""] = line.split(";");
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** Counts the session rows, to check that a session was created or ended. */
export function sessionCount(ctx: GatewayContext): number {
  return (ctx.sqlite.query("SELECT count(*) AS n FROM sessions").get() as { n: number }).n;
}

/** Audit actions in the order they were recorded. */
export function auditActions(ctx: GatewayContext): string[] {
  return (ctx.sqlite.query("SELECT action FROM audit_events ORDER BY id").all() as { action: string }[]).map((row) => row.action);
}
