// Signs in to the real `s3gateway serve` through a real OpenID provider (oidc-provider over HTTPS
// on 127.0.0.1) that issues Keycloak-shaped tokens (`organization` and `realm_access.roles`
// claims), next to a second, Auth0-shaped provider, with local accounts turned off. Covers the
// claim mapping, organizations that are not enabled, users without organizations, operator
// grants, and provider configurations that stop the gateway at start.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { isolatedEnv, runCli, startGateway, type TestGateway } from "./support/gateway.ts";
import {
  createTestCertificate,
  startTestIdentityProvider,
  type TestAccount,
  type TestCertificate,
  type TestIdentityProvider,
} from "./support/oidc-provider.ts";

const screenshotDir = "/tmp/oidc-shots";
const browserTimeoutMs = 90_000;
const clientSecret = "keycloak-test-client-secret-0123456789";

let certificate: TestCertificate;
let keycloak: TestIdentityProvider;
let auth0: TestIdentityProvider;
let gateway: TestGateway;
let baseUrl: string;
let browser: Browser;
let configDir: string;

const kim: TestAccount = {
  login: "kim",
  subject: "2c1f6a55-kim",
  email: "kim@acme.test",
  name: "Kim",
  organizationClaim: { acme: { id: "7d2e" }, globex: { id: "9a41" } },
  roles: ["s3-org-admin", "offline_access"],
};

function keycloakProvider(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "keycloak",
    displayName: "Keycloak",
    issuer: keycloak.issuer,
    clientId: "s3gateway",
    clientSecretFile: join(configDir, "keycloak-secret"),
    scopes: ["openid", "profile", "email", "organization:*"],
    organizations: { mapping: "claim", claim: "organization" },
    roles: { claim: ["realm_access", "roles"], orgAdmin: ["s3-org-admin"], platformAdmin: ["s3-platform-admin"] },
    ...overrides,
  };
}

function writeProviderFile(name: string, providers: Record<string, unknown>[], extra: Record<string, unknown> = {}): string {
  const path = join(configDir, name);
  writeFileSync(path, JSON.stringify({ localAccounts: false, providers, ...extra }));
  return path;
}

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  certificate = createTestCertificate();
  keycloak = await startTestIdentityProvider({
    shape: "keycloak",
    name: "s3gw",
    certificate,
    accounts: [
      kim,
      { login: "lee", subject: "5b0e-lee", email: "lee@initech.test", name: "Lee", organizationClaim: ["initech"] },
      { login: "max", subject: "81aa-max", email: "max@example.test", name: "Max" },
      { login: "pat", subject: "c3d9-pat", email: "pat@platform.test", name: "Pat", roles: ["s3-platform-admin"] },
    ],
  });
  auth0 = await startTestIdentityProvider({
    shape: "auth0",
    name: "second",
    certificate,
    accounts: [{ login: "ann", subject: "auth0|ann", email: "ann@acme.test", name: "Ann", organizations: [{ id: "acme", name: "Acme Corp" }] }],
  });

  configDir = mkdtempSync(join(tmpdir(), "s3gw-oidc-config-"));
  writeFileSync(join(configDir, "keycloak-secret"), `${clientSecret}\n`, { mode: 0o600 });
  const configFile = writeProviderFile(
    "providers.json",
    [
      keycloakProvider(),
      {
        id: "auth0",
        displayName: "Auth0",
        issuer: auth0.issuer,
        clientId: "s3gateway",
        clientSecretEnv: "TEST_AUTH0_CLIENT_SECRET",
        organizations: { mapping: "auth0" },
        logoutIdTokenHint: true,
      },
    ],
    { supportContact: "the data platform team" },
  );
  gateway = await startGateway({ S3GATEWAY_OIDC_CONFIG: configFile, TEST_AUTH0_CLIENT_SECRET: clientSecret, NODE_EXTRA_CA_CERTS: certificate.caFile });
  baseUrl = gateway.webUrl;
  for (const [provider, id] of [[keycloak, "keycloak"], [auth0, "auth0"]] as const) {
    provider.registerClient({
      clientId: "s3gateway",
      clientSecret,
      redirectUris: [`${baseUrl}/login/oidc/${id}/callback`],
      postLogoutRedirectUris: [`${baseUrl}/login`],
    });
  }
  await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);
  await gateway.cliOk(["org", "create", "globex", "--name", "Globex"]);

  browser = await launchChromium();
}, browserTimeoutMs);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await keycloak?.stop();
  await auth0?.stop();
  certificate?.remove();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

async function openPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

/** Signs in with the button of `providerId`, typing `login` when the provider shows its login form. */
async function signIn(page: Page, providerId: string, login: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.click(`[data-testid="sign-in-with-${providerId}"]`);
  await page.waitForURL((url) => !url.href.startsWith(baseUrl) || !url.pathname.startsWith("/login"));
  if (await page.locator('[data-testid="idp-login"]').count()) {
    await page.fill('[data-testid="idp-login"]', login);
    await page.click('[data-testid="idp-submit"]');
  }
  await page.waitForURL((url) => url.href.startsWith(baseUrl));
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(baseUrl)).find((cookie) => cookie.name === "__Host-s3gw_session");
}

interface ListedUser {
  email: string;
  subject: string | null;
  platform_admin: boolean;
  memberships: { orgId: string; role: string; source: string }[];
}

async function listedUser(subject: string): Promise<ListedUser | undefined> {
  const users = JSON.parse(await gateway.cliOk(["user", "list", "--json"])) as ListedUser[];
  return users.find((user) => user.subject === subject);
}

/** Errors other than Chromium's report of a page's intended 403 status. */
function unexpected(errors: string[]): string[] {
  return errors.filter((error) => !error.includes("status of 403"));
}

describe("Keycloak-shaped provider in Chromium", () => {
  test("login page offers both providers and no password form", async () => {
    const { context, page, errors } = await openPage();
    await page.goto(`${baseUrl}/login`);
    const buttons = await page.locator(".provider-list a").allTextContents();
    expect(buttons).toEqual(["Sign in with Keycloak", "Sign in with Auth0"]);
    expect(await page.locator('[data-testid="sign-in"]').count()).toBe(0);
    await page.screenshot({ path: join(screenshotDir, "keycloak-login.png"), fullPage: true });

    // A well-formed post of the password form, with its CSRF token, is still refused.
    const form = await fetch(`${baseUrl}/login`);
    const formCookie = (form.headers.getSetCookie().find((line) => line.startsWith("__Host-s3gw_form=")) ?? "").split(";")[0] ?? "";
    const post = await fetch(`${baseUrl}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", Cookie: formCookie },
      body: new URLSearchParams({ email: "a@b.test", password: "whatever-password", _csrf: formCookie.split("=")[1] ?? "" }),
    });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain("Signing in with an e-mail and password is turned off here");
    expect(errors).toEqual([]);
    await context.close();
  });

  test(
    "sign in, switch organization, generate a key, sign out",
    async () => {
      const { context, page, errors } = await openPage();
      await signIn(page, "keycloak", "kim");
      expect(page.url()).toBe(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="user-email"]')).toBe("kim@acme.test");
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Acme Corp");

      // Both organizations come from the claim, so switching needs no new sign-in.
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await Promise.all([page.waitForURL(`${baseUrl}/`), page.selectOption('[data-testid="org-select"]', "globex")]);
      await page.locator('[data-testid="org-name"]', { hasText: "Globex" }).waitFor();
      expect(requests.filter((url) => url.startsWith(keycloak.issuer))).toEqual([]);

      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="access-key-id"]').waitFor();
      expect(await page.textContent('[data-testid="aws-cli-config"]')).toContain("--profile s3gw_globex");
      await page.screenshot({ path: join(screenshotDir, "keycloak-generated.png"), fullPage: true });

      expect(await listedUser(kim.subject)).toMatchObject({
        email: "kim@acme.test",
        platform_admin: false,
        memberships: [
          { orgId: "acme", role: "admin", source: "provider" },
          { orgId: "globex", role: "admin", source: "provider" },
        ],
      });

      await page.click('[data-testid="sign-out"]');
      await page.locator('[data-testid="idp-logout-yes"]').waitFor();
      await page.click('[data-testid="idp-logout-yes"]');
      await page.waitForURL(`${baseUrl}/login`);
      expect(await sessionCookie(context)).toBeUndefined();
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "next sign-in refreshes memberships and roles",
    async () => {
      const before = { organizationClaim: kim.organizationClaim, roles: kim.roles };
      kim.organizationClaim = ["acme"];
      kim.roles = [];
      try {
        const { context, page } = await openPage();
        await signIn(page, "keycloak", "kim");
        expect(await page.locator('[data-testid="org-select"]').count()).toBe(0);
        expect((await listedUser(kim.subject))?.memberships).toEqual([{ orgId: "acme", role: "member", source: "provider" }]);
        await context.close();
      } finally {
        Object.assign(kim, before);
      }
    },
    browserTimeoutMs,
  );

  test(
    "organization not enabled",
    async () => {
      const { context, page, errors } = await openPage();
      await signIn(page, "keycloak", "lee");
      await page.locator('[data-testid="organization-not-enabled"]').waitFor();
      expect(await page.textContent("h1")).toBe("Your organization is not enabled yet");
      expect(await page.textContent('[data-testid="not-enabled-organizations"]')).toContain("initech");
      expect(await page.textContent('[data-testid="support-contact"]')).toContain("Ask the data platform team");
      expect(await sessionCookie(context)).toBeUndefined();
      await page.screenshot({ path: join(screenshotDir, "keycloak-not-enabled.png"), fullPage: true });

      // Once the operator enables it, the same user signs in.
      await gateway.cliOk(["org", "create", "initech", "--name", "Initech"]);
      await signIn(page, "keycloak", "lee");
      expect(page.url()).toBe(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Initech");
      expect(unexpected(errors)).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "user without organizations, then granted one",
    async () => {
      const { context, page, errors } = await openPage();
      await signIn(page, "keycloak", "max");
      await page.locator('[data-testid="provider-no-organization"]').waitFor();
      expect(await page.textContent('[data-testid="account-subject"]')).toBe("81aa-max");
      expect(await sessionCookie(context)).toBeUndefined();

      const typo = await gateway.cli(["user", "grant", "--issuer", `${keycloak.issuer}x`, "--subject", "81aa-max", "--org", "globex"]);
      expect(typo.exitCode).toBe(2);
      expect(typo.stderr).toContain("matches no configured identity provider");
      await gateway.cliOk(["user", "grant", "--issuer", keycloak.issuer, "--subject", "81aa-max", "--org", "globex"]);
      await signIn(page, "keycloak", "max");
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Globex");
      expect((await listedUser("81aa-max"))?.memberships).toEqual([{ orgId: "globex", role: "member", source: "operator" }]);
      expect(unexpected(errors)).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "platform admin from the roles claim",
    async () => {
      const { context, page } = await openPage();
      await signIn(page, "keycloak", "pat");
      expect(page.url()).toBe(`${baseUrl}/`);
      expect((await listedUser("c3d9-pat"))?.platform_admin).toBe(true);
      const options = await page.locator('[data-testid="org-select"] option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
      expect(options).toEqual(["acme", "globex", "initech"]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "second provider signs in beside the first",
    async () => {
      const { context, page } = await openPage();
      await signIn(page, "auth0", "ann");
      expect(page.url()).toBe(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="user-email"]')).toBe("ann@acme.test");
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Acme Corp");

      // This provider is configured with logoutIdTokenHint, so sign-out hands the ID token over.
      await page.click('[data-testid="sign-out"]');
      await page.locator('[data-testid="idp-logout-yes"]').waitFor();
      const endSession = new URL(page.url());
      expect(endSession.href.startsWith(auth0.issuer)).toBe(true);
      expect(endSession.searchParams.get("id_token_hint")?.split(".")).toHaveLength(3);
      expect(endSession.searchParams.get("post_logout_redirect_uri")).toBe(`${baseUrl}/login`);
      await context.close();
    },
    browserTimeoutMs,
  );
});

describe("provider configuration checked at start", () => {
  /** Runs `serve` with a provider file; it must exit at once, and its error output is returned. */
  async function serveFails(providerFile: string): Promise<string> {
    const dataDir = mkdtempSync(join(tmpdir(), "s3gw-oidc-bad-"));
    try {
      const env = isolatedEnv({ S3GATEWAY_OIDC_CONFIG: providerFile, NODE_EXTRA_CA_CERTS: certificate.caFile, TEST_AUTH0_CLIENT_SECRET: clientSecret });
      const result = await runCli(["serve", "--data-dir", dataDir, "--s3-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0"], env);
      expect(result.exitCode).toBe(1);
      return result.stderr;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  test("scope the provider does not offer", async () => {
    const stderr = await serveFails(writeProviderFile("bad-scope.json", [keycloakProvider({ scopes: ["openid", "groups"] })]));
    expect(stderr).toContain('providers[0] ("keycloak"');
    expect(stderr).toContain('scopes: the provider does not offer "groups"');
    expect(stderr).not.toContain(clientSecret);
  });

  test("issuer that differs from discovery", async () => {
    const stderr = await serveFails(writeProviderFile("bad-issuer.json", [keycloakProvider({ issuer: `${keycloak.issuer}/` })]));
    expect(stderr).toContain(`names the issuer "${keycloak.issuer}", but the configured issuer is "${keycloak.issuer}/"`);
  });

  test("invalid fields are all named", async () => {
    const stderr = await serveFails(
      writeProviderFile("bad-fields.json", [
        keycloakProvider({ clientSecret: "inline", clientID: "typo", issuer: "http://127.0.0.1:1/realms/x", organizations: { mapping: "groups" } }),
      ]),
    );
    expect(stderr).toContain("providers[0].clientSecret: client secrets do not belong in this file");
    expect(stderr).toContain("providers[0].clientID: is not a known field");
    expect(stderr).toContain('providers[0].issuer: "http://127.0.0.1:1/realms/x" does not use https');
    expect(stderr).toContain('providers[0].organizations.mapping: "groups" is unknown');
    expect(stderr).not.toContain("inline");
  });
});
