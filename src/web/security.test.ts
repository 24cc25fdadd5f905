import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { contentSecurityPolicy } from "./security-headers.ts";
import { ConsoleClient, addOrg, addUser, openConsoleFixture, type ConsoleFixture } from "./test-support.ts";

let fixture: ConsoleFixture;
let client: ConsoleClient;

beforeEach(async () => {
  fixture = openConsoleFixture();
  addOrg(fixture.ctx, "acme");
  await addUser(fixture.ctx, "ann@acme.test", ["acme"]);
  client = new ConsoleClient(fixture.app);
});

afterEach(() => fixture.close());

describe("response headers", () => {
  test("CSP matches the required policy", () => {
    expect(contentSecurityPolicy).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  test("pages carry security headers", async () => {
    await client.signIn("ann@acme.test");
    for (const path of ["/login", "/", "/healthz", "/no-such-page"]) {
      const response = await client.get(path);
      expect(response.headers.get("Content-Security-Policy")).toBe(contentSecurityPolicy);
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
      expect(response.headers.get("Cache-Control")).toBe("no-store");
    }
  });

  test("fragments are not cached", async () => {
    await client.signIn("ann@acme.test");
    const response = await client.post("/credentials", {}, { htmx: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });

  test("healthz answers ok", async () => {
    const response = await client.get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
  });
});

describe("static files", () => {
  const files: [string, string][] = [
    ["/static/htmx.min.js", "text/javascript; charset=utf-8"],
    ["/static/console.js", "text/javascript; charset=utf-8"],
    ["/static/console.css", "text/css; charset=utf-8"],
  ];

  for (const [path, contentType] of files) {
    test(`${path} is served with long caching`, async () => {
      const response = await client.get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe(contentType);
      expect(response.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    });
  }

  test("htmx is the npm package's build", async () => {
    const served = await (await client.get("/static/htmx.min.js")).text();
    const packaged = await Bun.file(Bun.resolveSync("htmx.org/dist/htmx.min.js", import.meta.dir)).text();
    expect(served).toBe(packaged);
  });

  test("unknown static file is not found", async () => {
    const response = await client.get("/static/secret.txt");
    expect(response.status).toBe(404);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });
});

describe("pages without inline code", () => {
  test("no inline scripts or styles", async () => {
    await client.signIn("ann@acme.test");
    const panel = await (await client.post("/credentials", {})).text();
    for (const html of [await (await client.get("/login")).text(), await (await client.get("/")).text(), panel]) {
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).not.toContain("<style");
      expect(html).not.toMatch(/\son[a-z]+=/);
    }
  });

  test("htmx is told not to inject styles", async () => {
    const html = await (await client.get("/login")).text();
    const config = /<meta name="htmx-config" content="([^"]+)"/.exec(html)?.[1];
    expect(config).toBeDefined();
    const parsed = JSON.parse((config ?? "").replaceAll("&quot;", '"'));
    expect(parsed.includeIndicatorStyles).toBe(false);
    expect(parsed.historyCacheSize).toBe(0);
  });

  test("pages link versioned assets", async () => {
    const html = await (await client.get("/login")).text();
    expect(html).toMatch(/<script src="\/static\/htmx\.min\.js\?v=[0-9a-f]{12}" defer=""><\/script>/);
    expect(html).toMatch(/<script src="\/static\/console\.js\?v=[0-9a-f]{12}" defer=""><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/console\.css\?v=[0-9a-f]{12}"\/?>/);
  });
});

describe("session cookie", () => {
  test("uses __Host- prefix and strict attributes", async () => {
    await client.get("/login");
    const response = await client.post("/login", { email: "ann@acme.test", password: "correct horse battery" });
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith("__Host-s3gw_session="));
    expect(cookie).toBeDefined();
    expect(cookie).toContain("; Path=/");
    expect(cookie).toContain("; Secure");
    expect(cookie).toContain("; HttpOnly");
    expect(cookie).toContain("; SameSite=Lax");
    expect(cookie).not.toContain("Domain=");
  });

  test("plain HTTP console URL falls back and warns once", async () => {
    const insecure = openConsoleFixture({ env: { S3GATEWAY_PUBLIC_WEB_URL: "http://192.0.2.10:7071" } });
    try {
      addOrg(insecure.ctx, "acme");
      await addUser(insecure.ctx, "ann@acme.test", ["acme"]);
      const login = await insecure.app.request("http://192.0.2.10:7071/login");
      const formCookie = login.headers.getSetCookie().find((line) => line.startsWith("s3gw_form="));
      expect(formCookie).toBeDefined();
      expect(formCookie).not.toContain("Secure");
      await insecure.app.request("http://192.0.2.10:7071/login");

      const warnings = insecure.logs.filter((line) => line.includes('"level":"warn"') && line.includes("not loopback"));
      expect(warnings).toHaveLength(1);
    } finally {
      insecure.close();
    }
  });
});

describe("CSRF protection", () => {
  beforeEach(async () => {
    await client.signIn("ann@acme.test");
  });

  test("post without token is rejected", async () => {
    const response = await client.post("/credentials", {}, { csrf: null });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("did not come from this console");
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });

  test("post with wrong token is rejected", async () => {
    const response = await client.post("/credentials", {}, { csrf: "A".repeat(43) });
    expect(response.status).toBe(403);
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });

  test("htmx post with wrong header token is rejected", async () => {
    const response = await client.post("/credentials", {}, { htmx: true, csrf: "wrong" });
    expect(response.status).toBe(403);
    expect(response.headers.get("HX-Retarget")).toBe("#alert");
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });

  test("foreign Origin is rejected", async () => {
    const response = await client.post("/credentials", {}, { headers: { Origin: "http://attacker.invalid" } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("came from another site");
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });

  test("cross-site Sec-Fetch-Site is rejected", async () => {
    const response = await client.post("/credentials", {}, { headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(response.status).toBe(403);
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });

  test("null Origin from same-origin form passes", async () => {
    const response = await client.post("/credentials", {}, { headers: { Origin: "null" } });
    expect(response.status).toBe(200);
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(1);
  });

  test("null Origin from cross-site form is rejected", async () => {
    const response = await client.post("/credentials", {}, { headers: { Origin: "null", "Sec-Fetch-Site": "cross-site" } });
    expect(response.status).toBe(403);
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });

  test("token from another session is rejected", async () => {
    const other = new ConsoleClient(fixture.app);
    await other.signIn("ann@acme.test");
    const response = await client.post("/credentials", {}, { csrf: other.csrfToken ?? "" });
    expect(response.status).toBe(403);
  });

  test("htmx post with session token passes", async () => {
    const response = await client.post("/credentials", {}, { htmx: true });
    expect(response.status).toBe(200);
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(1);
  });

  test("sign-out needs the token", async () => {
    const response = await client.post("/logout", {}, { csrf: null });
    expect(response.status).toBe(403);
    expect((await client.get("/")).status).toBe(200);
  });
});

describe("sign-in form CSRF", () => {
  test("login without form token is rejected", async () => {
    await client.get("/login");
    const response = await client.post("/login", { email: "ann@acme.test", password: "correct horse battery" }, { csrf: null });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie().some((line) => line.startsWith("__Host-s3gw_session="))).toBe(false);
  });

  test("login with foreign Origin is rejected", async () => {
    await client.get("/login");
    const response = await client.post(
      "/login",
      { email: "ann@acme.test", password: "correct horse battery" },
      { headers: { Origin: "http://attacker.invalid" } },
    );
    expect(response.status).toBe(403);
  });
});

describe("request body limit", () => {
  test("large body is rejected with 413", async () => {
    await client.signIn("ann@acme.test");
    const response = await client.post("/credentials", { padding: "x".repeat(100 * 1024) });
    expect(response.status).toBe(413);
    expect(fixture.ctx.credentials.list("acme")).toHaveLength(0);
  });
});
