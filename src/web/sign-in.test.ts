import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { ConsoleClient, addOrg, addUser, auditActions, openConsoleFixture, sessionCount, testPassword, type ConsoleFixture } from "./test-support.ts";

let fixture: ConsoleFixture;
let client: ConsoleClient;

beforeEach(async () => {
  fixture = openConsoleFixture();
  addOrg(fixture.ctx, "acme");
  await addUser(fixture.ctx, "ann@acme.test", ["acme"]);
  client = new ConsoleClient(fixture.app);
});

afterEach(() => fixture.close());

describe("sign-in page", () => {
  test("shows the form with a form token", async () => {
    const response = await client.get("/login");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('action="/login"');
    const token = client.cookies.get("__Host-s3gw_form");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(html).toContain(`name="_csrf" value="${token}"`);
  });

  test("keeps the form token across reloads", async () => {
    await client.get("/login");
    const first = client.cookies.get("__Host-s3gw_form");
    const second = await client.get("/login");
    expect(second.headers.getSetCookie()).toHaveLength(0);
    expect(client.cookies.get("__Host-s3gw_form")).toBe(first);
  });

  test("redirects a signed-in user to the dashboard", async () => {
    await client.signIn("ann@acme.test");
    const response = await client.get("/login");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/");
  });
});

describe("failed sign-in", () => {
  const cases: [string, string, string][] = [
    ["wrong password", "ann@acme.test", "not the password"],
    ["unknown e-mail", "nobody@acme.test", testPassword],
    ["empty fields", "", ""],
  ];

  for (const [name, email, password] of cases) {
    test(`${name} gets the generic message`, async () => {
      await client.get("/login");
      const response = await client.post("/login", { email, password });
      expect(response.status).toBe(401);
      const html = await response.text();
      expect(html).toContain("E-mail or password is incorrect.");
      expect(response.headers.getSetCookie().some((line) => line.startsWith("__Host-s3gw_session="))).toBe(false);
      expect(sessionCount(fixture.ctx)).toBe(0);
    });
  }

  test("is audited with the e-mail", async () => {
    await client.get("/login");
    await client.post("/login", { email: "ann@acme.test", password: "not the password" });
    const row = fixture.ctx.sqlite.query("SELECT actor, target FROM audit_events WHERE action = 'user.sign_in_failed'").get() as {
      actor: string;
      target: string;
    } | null;
    expect(row).toEqual({ actor: "anonymous", target: "ann@acme.test" });
  });

  test("keeps the e-mail escaped in the form", async () => {
    await client.get("/login");
    const html = await (await client.post("/login", { email: '"><script>x</script>', password: "x" })).text();
    expect(html).not.toContain("<script>x</script>");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
  });
});

describe("successful sign-in", () => {
  test("redirects to the dashboard and is audited", async () => {
    await client.get("/login");
    const response = await client.post("/login", { email: "ANN@acme.test", password: testPassword });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/");
    expect(auditActions(fixture.ctx)).toContain("user.signed_in");

    const dashboard = await client.get("/");
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('data-testid="user-email">ann@acme.test<');
  });

  test("stores only the SHA-256 of the cookie", async () => {
    await client.signIn("ann@acme.test");
    const token = client.cookies.get("__Host-s3gw_session") ?? "";
    const rows = fixture.ctx.sqlite.query("SELECT id_hash FROM sessions").all() as { id_hash: string }[];
    expect(rows).toEqual([{ id_hash: createHash("sha256").update(token).digest("hex") }]);
  });

  test("issues a new session id and ends the old one", async () => {
    await client.signIn("ann@acme.test");
    const firstToken = client.cookies.get("__Host-s3gw_session") ?? "";
    await client.signIn("ann@acme.test");
    const secondToken = client.cookies.get("__Host-s3gw_session") ?? "";
    expect(secondToken).not.toBe(firstToken);
    expect(sessionCount(fixture.ctx)).toBe(1);

    const stale = new ConsoleClient(fixture.app);
    stale.cookies.set("__Host-s3gw_session", firstToken);
    const response = await stale.get("/");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/login");
  });
});

describe("sign-out", () => {
  test("ends the session and clears the cookie", async () => {
    await client.signIn("ann@acme.test");
    const token = client.cookies.get("__Host-s3gw_session") ?? "";
    const response = await client.post("/logout");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/login");
    expect(client.cookies.has("__Host-s3gw_session")).toBe(false);
    expect(sessionCount(fixture.ctx)).toBe(0);
    expect(auditActions(fixture.ctx)).toContain("user.signed_out");

    const replay = new ConsoleClient(fixture.app);
    replay.cookies.set("__Host-s3gw_session", token);
    expect((await replay.get("/")).status).toBe(303);
  });
});

describe("pages that need a session", () => {
  test("page request redirects to sign-in", async () => {
    const response = await client.get("/");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/login");
  });

  test("htmx request gets HX-Redirect", async () => {
    const response = await client.post("/credentials", {}, { htmx: true });
    expect(response.status).toBe(401);
    expect(response.headers.get("HX-Redirect")).toBe("/login");
  });

  test("unknown session cookie is cleared", async () => {
    client.cookies.set("__Host-s3gw_session", "made-up-value");
    const response = await client.get("/");
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie().some((line) => line.startsWith("__Host-s3gw_session=;"))).toBe(true);
  });
});
