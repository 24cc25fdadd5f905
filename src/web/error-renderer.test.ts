import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createLogger } from "../log/logger.ts";
import { ConsoleError } from "./console-error.ts";
import type { WebEnv } from "./env.ts";
import { renderError } from "./error-renderer.tsx";
import { LimitExceededError } from "../errors.ts";
import { consoleOrigin, openConsoleFixture, type ConsoleFixture } from "./test-support.ts";

const assets = { css: "/static/console.css", htmx: "/static/htmx.min.js", script: "/static/console.js", icon: "/static/favicon.svg" };
let logs: string[];
let app: Hono<WebEnv>;

beforeEach(() => {
  logs = [];
  const logger = createLogger("debug", { write: (line: string) => void logs.push(line) });
  app = new Hono<WebEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "req-1");
    await next();
  });
  app.get("/internal", () => {
    throw new Error("database file is locked", { cause: new Error("disk detail /var/lib/secret") });
  });
  app.get("/limit", () => {
    throw new LimitExceededError("Organization \"acme\" already has 10 active credentials.");
  });
  app.get("/console", () => {
    throw new ConsoleError(403, "csrf_rejected", "Reload the page <now>.");
  });
  app.onError((error, c) => renderError(c, error, { logger, assets }));
});

describe("HTML error renderer", () => {
  test("unexpected error hides message and cause", async () => {
    const response = await app.request("/internal");
    expect(response.status).toBe(500);
    const html = await response.text();
    expect(html).toContain("Something went wrong");
    expect(html).toContain("Request id: req-1");
    expect(html).not.toContain("database file is locked");
    expect(html).not.toContain("disk detail");
  });

  test("unexpected error is logged with its cause", async () => {
    await app.request("/internal");
    const record = logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === "console request failed");
    expect(record?.level).toBe("error");
    expect(record?.requestId).toBe("req-1");
    expect(JSON.stringify(record)).toContain("disk detail");
  });

  test("service error shows its message and status", async () => {
    const response = await app.request("/limit");
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain("Limit reached");
    expect(html).toContain("Organization &quot;acme&quot; already has 10 active credentials.");
  });

  test("console error message is escaped", async () => {
    const response = await app.request("/console");
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Reload the page &lt;now&gt;.");
  });

  test("htmx request gets a retargeted fragment", async () => {
    const response = await app.request("/limit", { headers: { "HX-Request": "true" } });
    expect(response.status).toBe(409);
    expect(response.headers.get("HX-Retarget")).toBe("#alert");
    const html = await response.text();
    expect(html).toStartWith('<div class="alert alert-error" role="alert" data-testid="error-alert">');
    expect(html).not.toContain("<html");
  });
});

describe("not found page", () => {
  let fixture: ConsoleFixture;
  beforeEach(() => {
    fixture = openConsoleFixture();
  });
  afterEach(() => fixture.close());

  test("unknown path gets a 404 page", async () => {
    const response = await fixture.app.request(`${consoleOrigin}/nothing/here`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("There is no page at /nothing/here.");
  });
});
