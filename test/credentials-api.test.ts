/**
 * The JSON API under /api/v1, called in-process: authentication and CSRF, every key action,
 * who may see and change which key, organization boundaries, the limit, the audit trail, the
 * bearer-token hook, and the OpenAPI document against the registered routes.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createWebApp } from "../src/web/app.ts";
import { createLogger } from "../src/log/logger.ts";
import { ConsoleClient, addOrg, addUser, consoleOrigin, openConsoleFixture, testPassword, type ConsoleFixture } from "../src/web/test-support.ts";

let fixture: ConsoleFixture;

interface ApiSession {
  client: ConsoleClient;
  csrf: string;
  call(method: string, path: string, body?: unknown, options?: { csrf?: string | null }): Promise<{ status: number; json: any }>;
}

/** Signs in through the console and returns a JSON client that sends the session cookie. */
async function signInApi(email: string, app = fixture.app): Promise<ApiSession> {
  const client = new ConsoleClient(app);
  await client.signIn(email);
  const call = async (method: string, path: string, body?: unknown, options: { csrf?: string | null } = {}) => {
    const headers: Record<string, string> = { Cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join("; ") };
    const csrf = options.csrf === undefined ? session.csrf : options.csrf;
    if (csrf !== null && csrf !== "") headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await app.request(`${consoleOrigin}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
  };
  const session: ApiSession = { client, csrf: "", call };
  session.csrf = (await call("GET", "/session")).json.csrf_token;
  return session;
}

async function addAdmin(email: string, orgIds: string[]): Promise<void> {
  await fixture.ctx.users.add({ email, password: testPassword, orgIds, orgAdmin: true, platformAdmin: false }, "test");
}

beforeEach(async () => {
  fixture = openConsoleFixture({ env: { S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "3" } });
  addOrg(fixture.ctx, "acme", "Acme Corp");
  addOrg(fixture.ctx, "globex", "Globex");
  await addUser(fixture.ctx, "ann@acme.test", ["acme"]);
  await addUser(fixture.ctx, "bob@acme.test", ["acme"]);
  await addUser(fixture.ctx, "gil@globex.test", ["globex"]);
  await addAdmin("ada@acme.test", ["acme"]);
  await addUser(fixture.ctx, "root@example.test", [], true);
});

afterEach(() => fixture.close());

describe("authentication", () => {
  test("no session is 401 in JSON", async () => {
    const response = await fixture.app.request(`${consoleOrigin}/api/v1/credentials`);
    expect(response.status).toBe(401);
    expect(response.headers.get("Content-Type")).toStartWith("application/json");
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unauthenticated");
    expect(body.error.message).toContain("Sign in first");
  });

  test("session reports user, organizations and CSRF token", async () => {
    const ann = await signInApi("ann@acme.test");
    const { status, json } = await ann.call("GET", "/session");
    expect(status).toBe(200);
    expect(json.user.email).toBe("ann@acme.test");
    expect(json.organizations).toEqual([{ id: "acme", name: "Acme Corp", role: "member" }]);
    expect(json.authenticated_by).toBe("session");
    expect(json.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test("POST without the CSRF token is rejected", async () => {
    const ann = await signInApi("ann@acme.test");
    const { status, json } = await ann.call("POST", "/organizations/acme/credentials", {}, { csrf: null });
    expect(status).toBe(403);
    expect(json.error.code).toBe("csrf_rejected");
    expect(fixture.ctx.credentials.list("acme")).toEqual([]);
  });

  test("bearer token without a validator is 401", async () => {
    const response = await fixture.app.request(`${consoleOrigin}/api/v1/credentials`, { headers: { Authorization: "Bearer abc" } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("does not accept bearer tokens");
  });

  test("bearer token through the hook needs no CSRF token", async () => {
    const annId = (fixture.ctx.sqlite.query("SELECT id FROM users WHERE email = 'ann@acme.test'").get() as { id: string }).id;
    const app = createWebApp(fixture.ctx, {
      logger: createLogger("error"),
      apiBearerAuthenticator: async (token) => (token === "valid-token" ? { userId: annId } : undefined),
    });
    const create = await app.request(`${consoleOrigin}/api/v1/organizations/acme/credentials`, { method: "POST", headers: { Authorization: "Bearer valid-token" } });
    expect(create.status).toBe(201);
    const rejected = await app.request(`${consoleOrigin}/api/v1/credentials`, { headers: { Authorization: "Bearer forged" } });
    expect(rejected.status).toBe(401);
  });
});

describe("key actions", () => {
  test("create returns the secret once, with scope and snippets", async () => {
    const ann = await signInApi("ann@acme.test");
    const { status, json } = await ann.call("POST", "/organizations/acme/credentials", { label: "ci", access: "write-only", buckets: ["azure"] });
    expect(status).toBe(201);
    expect(json.access_key_id).toMatch(/^GW[A-Z2-7]{18}$/);
    expect(json.secret_access_key).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(json).toMatchObject({ org: "acme", label: "ci", status: "active", access: "write-only", buckets: ["azure"], lifetime_seconds: 86_400 });
    expect(json.configuration.aws_cli).toContain(`aws configure set aws_secret_access_key ${json.secret_access_key} --profile s3gw_acme`);
    expect(json.configuration.environment).toContain(`export AWS_SECRET_ACCESS_KEY=${json.secret_access_key}`);
    expect(json.configuration.rclone).toContain(`secret_access_key = ${json.secret_access_key}`);

    const fetched = await ann.call("GET", `/credentials/${json.access_key_id}`);
    expect(fetched.status).toBe(200);
    expect(JSON.stringify(fetched.json)).not.toContain(json.secret_access_key);
    const configuration = await ann.call("GET", `/credentials/${json.access_key_id}/configuration`);
    expect(configuration.json.configuration.aws_cli).toContain("PASTE_YOUR_SECRET_ACCESS_KEY");
    expect(JSON.stringify(configuration.json)).not.toContain(json.secret_access_key);
  });

  test("invalid input names the value", async () => {
    const ann = await signInApi("ann@acme.test");
    const cases: [unknown, string][] = [
      [{ buckets: ["payroll"] }, 'Organization "acme" has no bucket "payroll"'],
      [{ access: "everything" }, 'Invalid access level "everything"'],
      [{ buckets: "azure" }, 'Invalid "buckets": expected an array'],
      [{ label: 5 }, 'Invalid "label": expected a string.'],
      [{ ttl: "1h", label: "x" }, 'Unknown field "ttl" in the request body'],
    ];
    for (const [body, message] of cases) {
      const { status, json } = await ann.call("POST", "/organizations/acme/credentials", body);
      expect(status).toBe(400);
      expect(json.error.message).toContain(message);
    }
  });

  test("renew, revoke and delete", async () => {
    const ann = await signInApi("ann@acme.test");
    const id = (await ann.call("POST", "/organizations/acme/credentials", {})).json.access_key_id;
    expect((await ann.call("POST", `/credentials/${id}/renew`)).json.status).toBe("active");

    const refused = await ann.call("DELETE", `/credentials/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain("is active: revoke it first");

    const revoked = await ann.call("POST", `/credentials/${id}/revoke`);
    expect(revoked.json).toMatchObject({ status: "revoked", actions: { renew: false, revoke: false, delete: true } });
    expect((await ann.call("POST", `/credentials/${id}/renew`)).status).toBe(409);
    expect((await ann.call("DELETE", `/credentials/${id}`)).status).toBe(204);
    expect((await ann.call("GET", `/credentials/${id}`)).status).toBe(404);
  });

  test("active key is deleted with revoke=true", async () => {
    const ann = await signInApi("ann@acme.test");
    const id = (await ann.call("POST", "/organizations/acme/credentials", {})).json.access_key_id;
    expect((await ann.call("DELETE", `/credentials/${id}?revoke=true`)).status).toBe(204);
    const actions = (fixture.ctx.sqlite.query("SELECT action FROM audit_events WHERE target = ? ORDER BY id").all(id) as { action: string }[]).map((row) => row.action);
    expect(actions).toEqual(["credential.created", "credential.revoked", "credential.deleted"]);
  });

  test("limit answers 409 with the keys the caller may revoke", async () => {
    const ann = await signInApi("ann@acme.test");
    const bob = await signInApi("bob@acme.test");
    const own = (await ann.call("POST", "/organizations/acme/credentials", {})).json.access_key_id;
    await bob.call("POST", "/organizations/acme/credentials", {});
    await bob.call("POST", "/organizations/acme/credentials", {});
    const { status, json } = await ann.call("POST", "/organizations/acme/credentials", {});
    expect(status).toBe(409);
    expect(json.error.code).toBe("limit_exceeded");
    expect(json.error.revocable).toEqual([own]);
  });
});

describe("roles and boundaries", () => {
  test("member sees only own keys", async () => {
    const ann = await signInApi("ann@acme.test");
    const bob = await signInApi("bob@acme.test");
    const bobs = (await bob.call("POST", "/organizations/acme/credentials", {})).json.access_key_id;
    await ann.call("POST", "/organizations/acme/credentials", {});
    const listed = await ann.call("GET", "/organizations/acme/credentials");
    expect(listed.json.credentials).toHaveLength(1);
    expect(listed.json.active_count).toBe(2);
    for (const [method, path] of [["GET", `/credentials/${bobs}`], ["POST", `/credentials/${bobs}/revoke`], ["POST", `/credentials/${bobs}/renew`], ["DELETE", `/credentials/${bobs}?revoke=true`]] as const) {
      expect((await ann.call(method, path)).status).toBe(404);
    }
    expect(fixture.ctx.credentials.get(bobs).status).toBe("active");
  });

  test("organization admin sees and revokes all, renews only own", async () => {
    const bob = await signInApi("bob@acme.test");
    const ada = await signInApi("ada@acme.test");
    const bobs = (await bob.call("POST", "/organizations/acme/credentials", {})).json.access_key_id;
    expect((await ada.call("GET", "/organizations/acme/credentials")).json.credentials).toHaveLength(1);
    const renew = await ada.call("POST", `/credentials/${bobs}/renew`);
    expect(renew.status).toBe(403);
    expect(renew.json.error.code).toBe("not_key_owner");
    expect((await ada.call("POST", `/credentials/${bobs}/revoke`)).json.status).toBe("revoked");
    expect((await ada.call("GET", "/organizations/acme/audit-events")).status).toBe(200);
    expect((await bob.call("GET", "/organizations/acme/audit-events")).status).toBe(403);
  });

  test("platform admin sees every organization", async () => {
    const gil = await signInApi("gil@globex.test");
    const ann = await signInApi("ann@acme.test");
    await gil.call("POST", "/organizations/globex/credentials", {});
    await ann.call("POST", "/organizations/acme/credentials", {});
    const root = await signInApi("root@example.test");
    const all = await root.call("GET", "/credentials");
    expect(all.json.credentials.map((item: { org: string }) => item.org).sort()).toEqual(["acme", "globex"]);
  });

  test("no request acts on another organization's key", async () => {
    const gil = await signInApi("gil@globex.test");
    const ada = await signInApi("ada@acme.test");
    const foreign = (await gil.call("POST", "/organizations/globex/credentials", {})).json.access_key_id;
    for (const [method, path] of [
      ["GET", `/credentials/${foreign}`],
      ["GET", `/credentials/${foreign}/configuration`],
      ["POST", `/credentials/${foreign}/revoke`],
      ["DELETE", `/credentials/${foreign}?revoke=true`],
      ["GET", "/organizations/globex/credentials"],
      ["POST", "/organizations/globex/credentials"],
      ["GET", "/organizations/globex/audit-events"],
    ] as const) {
      const { status } = await ada.call(method, path, method === "POST" && path.endsWith("credentials") ? {} : undefined);
      expect(`${method} ${path} ${status}`).toBe(`${method} ${path} 404`);
    }
    expect(fixture.ctx.credentials.get(foreign).status).toBe("active");
    expect(fixture.ctx.credentials.list("globex")).toHaveLength(1);
  });
});

describe("audit events", () => {
  test("pages newest first", async () => {
    const ada = await signInApi("ada@acme.test");
    for (let index = 0; index < 3; index++) {
      const id = (await ada.call("POST", "/organizations/acme/credentials", {})).json.access_key_id;
      await ada.call("POST", `/credentials/${id}/revoke`);
    }
    const first = await ada.call("GET", "/organizations/acme/audit-events?limit=4");
    expect(first.json.events.map((event: { action: string }) => event.action)).toEqual(["credential.revoked", "credential.created", "credential.revoked", "credential.created"]);
    const second = await ada.call("GET", `/organizations/acme/audit-events?limit=4&before=${first.json.next_before}`);
    expect(second.json.events[0].id).toBeLessThan(first.json.next_before);
    expect((await ada.call("GET", "/organizations/acme/audit-events?limit=0")).status).toBe(400);
  });
});

describe("OpenAPI document", () => {
  test("is served and lists exactly the API routes", async () => {
    const response = await fixture.app.request(`${consoleOrigin}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>>; servers: { url: string }[] };
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers[0]?.url).toBe(`${consoleOrigin}/api/v1`);

    const documented = Object.entries(document.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((key) => key !== "parameters").map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = fixture.app.routes
      .filter((route) => route.path.startsWith("/api/v1/") && !route.path.endsWith("*") && route.path !== "/api/v1/openapi.json")
      .map((route) => `${route.method} ${route.path.slice("/api/v1".length).replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    expect(documented).toEqual([...new Set(registered)]);
  });

  test("every schema reference resolves", async () => {
    const document = (await (await fixture.app.request(`${consoleOrigin}/api/v1/openapi.json`)).json()) as { components: { schemas: Record<string, unknown> } };
    const references = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1] ?? "");
    expect(references.length).toBeGreaterThan(10);
    for (const name of references) expect(Object.keys(document.components.schemas)).toContain(name);
  });
});
