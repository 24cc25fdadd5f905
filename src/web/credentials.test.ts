import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ConsoleClient, addOrg, addUser, auditActions, openConsoleFixture, type ConsoleFixture } from "./test-support.ts";

let fixture: ConsoleFixture;
let client: ConsoleClient;

beforeEach(async () => {
  fixture = openConsoleFixture();
  addOrg(fixture.ctx, "acme", "Acme Corp");
  addOrg(fixture.ctx, "globex", "Globex");
  await addUser(fixture.ctx, "ann@acme.test", ["acme"]);
  client = new ConsoleClient(fixture.app);
  await client.signIn("ann@acme.test");
});

afterEach(() => fixture.close());

/** Id of the signed-in member, for keys created as if she had generated them. */
function annId(): string {
  return (fixture.ctx.sqlite.query("SELECT id FROM users WHERE email = 'ann@acme.test'").get() as { id: string }).id;
}

function textOf(html: string, testId: string): string {
  const match = new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(html);
  if (!match?.[1]) throw new Error(`no element with data-testid="${testId}" in the response`);
  return match[1].replaceAll("&quot;", '"');
}

async function generate(): Promise<{ html: string; accessKeyId: string; secret: string }> {
  const response = await client.post("/credentials", {}, { htmx: true });
  expect(response.status).toBe(200);
  const html = await response.text();
  return { html, accessKeyId: textOf(html, "access-key-id"), secret: textOf(html, "secret-access-key") };
}

describe("generate credentials", () => {
  test("panel shows key, secret and four config lines", async () => {
    const { html, accessKeyId, secret } = await generate();
    expect(accessKeyId).toMatch(/^GW[A-Z2-7]{18}$/);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(textOf(html, "aws-cli-config").split("\n")).toEqual([
      `aws configure set aws_access_key_id ${accessKeyId} --profile s3gw_acme`,
      `aws configure set aws_secret_access_key ${secret} --profile s3gw_acme`,
      "aws configure set region us-east-1 --profile s3gw_acme",
      "aws configure set endpoint_url http://127.0.0.1:7070 --profile s3gw_acme",
    ]);
    expect(html).toContain("shown only this once");
    for (const id of ["copy-access-key-id", "copy-secret-access-key", "copy-aws-cli-config", "copy-boto3-snippet"]) {
      expect(html).toContain(`data-testid="${id}"`);
    }
  });

  test("boto3 snippet names the endpoint and key", async () => {
    const { html, accessKeyId, secret } = await generate();
    const snippet = textOf(html, "boto3-snippet");
    expect(snippet).toContain('boto3.client(\n    "s3",');
    expect(snippet).toContain('endpoint_url="http://127.0.0.1:7070",');
    expect(snippet).toContain(`aws_access_key_id="${accessKeyId}",`);
    expect(snippet).toContain(`aws_secret_access_key="${secret}",`);
    expect(snippet).toContain('region_name="us-east-1",');
  });

  test("history is swapped in with the new key", async () => {
    const { html, accessKeyId } = await generate();
    expect(html).toMatch(/<section id="credential-history"[^>]* hx-swap-oob="true"/);
    expect(html).toContain(`data-testid="credential-row" data-access-key-id="${accessKeyId}"`);
    expect(textOf(html, "credential-status")).toBe("active");
    expect(textOf(html, "active-count")).toBe("1 of 10 active keys in the organization");
  });

  test("profile and endpoint follow the configuration", async () => {
    const custom = openConsoleFixture({
      env: { S3GATEWAY_PROFILE_PREFIX: "corp-", S3GATEWAY_PUBLIC_S3_URL: "https://s3.example.test", S3GATEWAY_REGION: "eu-west-1" },
    });
    try {
      addOrg(custom.ctx, "acme");
      await addUser(custom.ctx, "ann@acme.test", ["acme"]);
      const other = new ConsoleClient(custom.app);
      await other.signIn("ann@acme.test");
      const html = await (await other.post("/credentials", {}, { htmx: true })).text();
      const lines = textOf(html, "aws-cli-config").split("\n");
      expect(lines[2]).toBe("aws configure set region eu-west-1 --profile corp-acme");
      expect(lines[3]).toBe("aws configure set endpoint_url https://s3.example.test --profile corp-acme");
    } finally {
      custom.close();
    }
  });

  test("secret is neither stored nor logged", async () => {
    const { secret, accessKeyId } = await generate();
    const row = fixture.ctx.sqlite.query("SELECT * FROM credentials WHERE access_key_id = ?").get(accessKeyId) as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(secret);
    const sessions = fixture.ctx.sqlite.query("SELECT * FROM sessions").all();
    expect(JSON.stringify(sessions)).not.toContain(secret);
    expect(fixture.logs.join("\n")).not.toContain(secret);
    expect(fixture.logs.join("\n")).toContain(accessKeyId);
  });

  test("is audited with the user", async () => {
    await generate();
    const row = fixture.ctx.sqlite.query("SELECT actor, org_id FROM audit_events WHERE action = 'credential.created'").get() as {
      actor: string;
      org_id: string;
    };
    expect(row.actor).toStartWith("user:");
    expect(row.org_id).toBe("acme");
  });

  test("plain form post renders the whole page", async () => {
    const response = await client.post("/credentials", {});
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toStartWith("<!DOCTYPE html>");
    expect(textOf(html, "access-key-id")).toMatch(/^GW/);
    expect(html).toContain('data-testid="credential-row"');
  });

  test("limit reached shows the service message", async () => {
    const limited = openConsoleFixture({ env: { S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "1" } });
    try {
      addOrg(limited.ctx, "acme");
      await addUser(limited.ctx, "ann@acme.test", ["acme"]);
      const other = new ConsoleClient(limited.app);
      await other.signIn("ann@acme.test");
      expect((await other.post("/credentials", {}, { htmx: true })).status).toBe(200);

      const response = await other.post("/credentials", {}, { htmx: true });
      expect(response.status).toBe(409);
      const html = await response.text();
      expect(html).toContain('data-testid="limit-panel"');
      expect(html).toContain("already has 1 active access keys, the most one organization may hold at a time.");
      expect(html).toContain('data-testid="limit-revoke"');
      expect(limited.ctx.credentials.list("acme")).toHaveLength(1);
    } finally {
      limited.close();
    }
  });

  test("lookup cache hook runs on change", async () => {
    let calls = 0;
    const { createWebApp } = await import("./app.ts");
    const { createLogger } = await import("../log/logger.ts");
    const app = createWebApp(fixture.ctx, { logger: createLogger("error"), onCredentialsChanged: () => calls++ });
    const other = new ConsoleClient(app);
    await other.signIn("ann@acme.test");
    const html = await (await other.post("/credentials", {}, { htmx: true })).text();
    expect(calls).toBe(1);
    await other.post(`/credentials/${textOf(html, "access-key-id")}/revoke`, {}, { htmx: true });
    expect(calls).toBe(2);
  });
});

describe("revoke credentials", () => {
  test("own key becomes revoked", async () => {
    const { accessKeyId } = await generate();
    const response = await client.post(`/credentials/${accessKeyId}/revoke`, {}, { htmx: true });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toStartWith('<section id="credential-history"');
    expect(textOf(html, "credential-status")).toBe("revoked");
    expect(html).not.toContain('data-testid="revoke-credential"');
    expect(fixture.ctx.credentials.get(accessKeyId).status).toBe("revoked");
    expect(auditActions(fixture.ctx)).toContain("credential.revoked");
  });

  test("another organization's key is not found", async () => {
    const foreign = fixture.ctx.credentials.create({ orgId: "globex", createdBy: null, actor: "test" });
    const response = await client.post(`/credentials/${foreign.accessKeyId}/revoke`, {}, { htmx: true });
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain(`Access key &quot;${foreign.accessKeyId}&quot; was not found in organization &quot;Acme Corp&quot;`);
    expect(fixture.ctx.credentials.get(foreign.accessKeyId).status).toBe("active");
  });

  test("unknown and malformed ids are not found", async () => {
    for (const id of ["GWAAAAAAAAAAAAAAAAAA", "not-a-key", "%3Cscript%3E"]) {
      const response = await client.post(`/credentials/${id}/revoke`, {}, { htmx: true });
      expect(response.status).toBe(404);
    }
  });

  test("revoked key cannot be revoked again", async () => {
    const { accessKeyId } = await generate();
    await client.post(`/credentials/${accessKeyId}/revoke`, {}, { htmx: true });
    const response = await client.post(`/credentials/${accessKeyId}/revoke`, {}, { htmx: true });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("was already revoked at");
  });

  test("plain form post redirects to the dashboard", async () => {
    const { accessKeyId } = await generate();
    const response = await client.post(`/credentials/${accessKeyId}/revoke`, {});
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/");
    expect(fixture.ctx.credentials.get(accessKeyId).status).toBe("revoked");
  });
});

describe("history table", () => {
  test("shows expired and never-used keys", async () => {
    fixture.ctx.credentials.create({ orgId: "acme", createdBy: annId(), actor: "test", ttlMs: 1 });
    await Bun.sleep(5);
    const html = await (await client.get("/")).text();
    expect(textOf(html, "credential-status")).toBe("expired");
    expect(textOf(html, "active-count")).toBe("0 of 10 active keys in the organization");
    expect(html).toContain('<span class="muted">never</span>');
    expect(html).not.toContain('data-testid="revoke-credential"');
  });

  test("shows last use in UTC", async () => {
    const created = fixture.ctx.credentials.create({ orgId: "acme", createdBy: annId(), actor: "test" });
    fixture.ctx.credentials.recordLastUse(new Map([[created.accessKeyId, { at: new Date("2025-03-04T14:02:09Z"), from: "127.0.0.1" }]]));
    const html = await (await client.get("/")).text();
    expect(html).toContain('<time datetime="2025-03-04T14:02:09.000Z">2025-03-04 14:02 UTC</time>');
    expect(html).toContain("from 127.0.0.1");
  });

  test("lists only the current organization's keys", async () => {
    fixture.ctx.credentials.create({ orgId: "globex", createdBy: annId(), actor: "test" });
    const html = await (await client.get("/")).text();
    expect(html).toContain("You have not generated any access keys for this organization yet.");
  });
});

describe("organizations", () => {
  test("single organization shows no selector", async () => {
    const html = await (await client.get("/")).text();
    expect(html).not.toContain('data-testid="org-select"');
    expect(textOf(html, "org-name")).toBe("Acme Corp");
  });

  test("member of two organizations can switch", async () => {
    await addUser(fixture.ctx, "bob@acme.test", ["acme", "globex"]);
    const bob = new ConsoleClient(fixture.app);
    await bob.signIn("bob@acme.test");
    const before = await (await bob.get("/")).text();
    expect(before).toContain('data-testid="org-select"');
    expect(textOf(before, "org-name")).toBe("Acme Corp");

    const response = await bob.post("/org", { orgId: "globex" });
    expect(response.status).toBe(303);
    const after = await (await bob.get("/")).text();
    expect(textOf(after, "org-name")).toBe("Globex");

    const generated = await (await bob.post("/credentials", {}, { htmx: true })).text();
    expect(textOf(generated, "aws-cli-config")).toContain("--profile s3gw_globex");
    expect(fixture.ctx.credentials.list("globex")).toHaveLength(1);
  });

  test("switching to a foreign organization is rejected", async () => {
    const response = await client.post("/org", { orgId: "globex" });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("You are not a member of organization &quot;globex&quot;");
    expect(textOf(await (await client.get("/")).text(), "org-name")).toBe("Acme Corp");
  });

  test("user without organization sees whom to ask", async () => {
    await addUser(fixture.ctx, "carol@example.test", []);
    const carol = new ConsoleClient(fixture.app);
    await carol.signIn("carol@example.test");
    const html = await (await carol.get("/")).text();
    expect(html).toContain('data-testid="no-organization"');
    expect(html).toContain("Ask a platform administrator");

    const response = await carol.post("/credentials", {}, { htmx: true });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("You are not a member of any organization");
  });

  test("organization names are escaped", async () => {
    addOrg(fixture.ctx, "evil", '<img src=x onerror="alert(1)">');
    await addUser(fixture.ctx, "dave@acme.test", ["evil"]);
    const dave = new ConsoleClient(fixture.app);
    await dave.signIn("dave@acme.test");
    const html = await (await dave.get("/")).text();
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });
});
