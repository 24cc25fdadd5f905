import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ConsoleClient, addUser, auditActions, openConsoleFixture, testPassword, type ConsoleFixture } from "./test-support.ts";

let fixture: ConsoleFixture;
let client: ConsoleClient;
let setupToken: string;

beforeEach(() => {
  fixture = openConsoleFixture();
  client = new ConsoleClient(fixture.app);
  setupToken = fixture.ctx.users.createSetupToken();
});

afterEach(() => fixture.close());

function setupFields(overrides: Record<string, string> = {}): Record<string, string> {
  return { token: setupToken, email: "admin@example.test", password: testPassword, passwordRepeat: testPassword, ...overrides };
}

describe("setup link", () => {
  test("valid link shows the form", async () => {
    const response = await client.get(`/setup?token=${setupToken}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('action="/setup"');
    expect(html).toContain(`name="token" value="${setupToken}"`);
  });

  test("wrong token shows the invalid-link page", async () => {
    const response = await client.get("/setup?token=not-a-token");
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('data-testid="setup-link-invalid"');
  });

  test("missing token shows the invalid-link page", async () => {
    const response = await client.get("/setup");
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("This setup link is not valid");
  });

  test("link stops working once a user exists", async () => {
    await addUser(fixture.ctx, "someone@example.test", []);
    const response = await client.get(`/setup?token=${setupToken}`);
    expect(response.status).toBe(403);
  });

  test("setup token is never logged", async () => {
    await client.get(`/setup?token=${setupToken}`);
    expect(fixture.logs.join("\n")).not.toContain(setupToken);
  });
});

describe("creating the administrator", () => {
  beforeEach(async () => {
    await client.get(`/setup?token=${setupToken}`);
  });

  test("signs the new administrator in", async () => {
    const response = await client.post("/setup", setupFields());
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/");
    expect(client.cookies.has("__Host-s3gw_session")).toBe(true);

    const dashboard = await client.get("/");
    expect(dashboard.status).toBe(200);
    const html = await dashboard.text();
    expect(html).toContain('data-testid="no-organization"');
    expect(html).toContain("s3gateway org create");
    expect(auditActions(fixture.ctx)).toEqual(["user.created", "user.signed_in"]);
  });

  test("used link cannot create a second account", async () => {
    await client.post("/setup", setupFields());
    const second = new ConsoleClient(fixture.app);
    await second.get("/login");
    const response = await second.post("/setup", setupFields({ email: "intruder@example.test" }));
    expect(response.status).toBe(403);
    expect(fixture.ctx.users.count()).toBe(1);
  });

  test("different passwords are rejected", async () => {
    const response = await client.post("/setup", setupFields({ passwordRepeat: "something else entirely" }));
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("The two passwords do not match");
    expect(html).toContain('value="admin@example.test"');
    expect(fixture.ctx.users.count()).toBe(0);
  });

  test("short password is rejected with the rule", async () => {
    const response = await client.post("/setup", setupFields({ password: "short", passwordRepeat: "short" }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("use at least 12 characters");
    expect(fixture.ctx.users.count()).toBe(0);
  });

  test("concurrent posts create one account", async () => {
    const responses = await Promise.all([
      client.post("/setup", setupFields({ email: "first@example.test" })),
      client.post("/setup", setupFields({ email: "second@example.test" })),
    ]);
    expect(responses.map((r) => r.status).sort()).toEqual([303, 403]);
    expect(fixture.ctx.users.count()).toBe(1);
  });
});
