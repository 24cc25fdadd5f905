// Signs in to the real `s3gateway serve` in headless Chromium, through a real OpenID provider
// (oidc-provider over HTTPS on 127.0.0.1) that issues Auth0-shaped tokens. Covers the organization
// picker, switching organization with Auth0's `organization` parameter, generating a key and
// signing out at the provider too. Then the callbacks and ID tokens the gateway must reject.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { startGateway, type TestGateway } from "./support/gateway.ts";
import {
  auth0RolesClaim,
  createTestCertificate,
  startTestIdentityProvider,
  type TestCertificate,
  type TestIdentityProvider,
} from "./support/oidc-provider.ts";

const screenshotDir = "/tmp/oidc-shots";
const browserTimeoutMs = 90_000;
const clientId = "s3gateway-console";
const clientSecret = "test-client-secret-0123456789abcdef";

let certificate: TestCertificate;
let idp: TestIdentityProvider;
let gateway: TestGateway;
let baseUrl: string;
let browser: Browser;
let configDir: string;

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  certificate = createTestCertificate();
  idp = await startTestIdentityProvider({
    shape: "auth0",
    name: "auth0",
    certificate,
    accounts: [
      {
        login: "ann",
        subject: "auth0|ann",
        email: "ann@acme.test",
        name: "Ann",
        organizations: [
          { id: "org_acme01", name: "Acme Corp" },
          { id: "org_globex01", name: "Globex" },
        ],
        roles: ["s3-org-admin"],
      },
      { login: "bob", subject: "auth0|bob", email: "bob@acme.test", name: "Bob", organizations: [{ id: "org_acme01", name: "Acme Corp" }] },
      { login: "dana", subject: "auth0|dana", email: "dana@example.test", name: "Dana" },
    ],
  });

  configDir = mkdtempSync(join(tmpdir(), "s3gw-oidc-config-"));
  const configFile = join(configDir, "providers.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      supportContact: "the platform team (platform@example.test)",
      providers: [
        {
          id: "auth0",
          displayName: "Auth0",
          issuer: idp.issuer,
          clientId,
          clientSecretEnv: "TEST_AUTH0_CLIENT_SECRET",
          organizations: { mapping: "auth0", autoCreate: true, connectors: ["azure", "vmware"] },
          roles: { claim: auth0RolesClaim, orgAdmin: ["s3-org-admin"] },
        },
      ],
    }),
  );
  gateway = await startGateway({
    S3GATEWAY_OIDC_CONFIG: configFile,
    TEST_AUTH0_CLIENT_SECRET: clientSecret,
    NODE_EXTRA_CA_CERTS: certificate.caFile,
  });
  baseUrl = gateway.webUrl;
  idp.registerClient({
    clientId,
    clientSecret,
    redirectUris: [`${baseUrl}/login/oidc/auth0/callback`],
    postLogoutRedirectUris: [`${baseUrl}/login`],
  });

  browser = await launchChromium();
}, browserTimeoutMs);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await idp?.stop();
  certificate?.remove();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** Opens a browser context that accepts the provider's test certificate and records console errors. */
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

/**
 * Clicks "Sign in with Auth0", or opens the button's link in a browser that is signed in already.
 * Then signs in as `login` when the provider shows its login form, and picks `organization`.
 */
async function signInAtProvider(page: Page, login: string, organization?: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  if (page.url() === `${baseUrl}/login`) await page.click('[data-testid="sign-in-with-auth0"]');
  else await page.goto(`${baseUrl}/login/oidc/auth0`);
  await page.waitForURL((url) => url.href.startsWith(idp.issuer) || url.href.startsWith(baseUrl));
  if (await page.locator('[data-testid="idp-login"]').count()) {
    await page.fill('[data-testid="idp-login"]', login);
    await page.click('[data-testid="idp-submit"]');
  }
  if (organization !== undefined) await page.click(`[data-testid="idp-org-${organization}"]`);
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(baseUrl)).find((cookie) => cookie.name === "__Host-s3gw_session");
}

/** Runs a sign-in with `login`, stops the browser before the callback and returns the callback URL. */
async function captureCallback(page: Page, login: string): Promise<URL> {
  const callbackUrl = idp.holdNextCallback();
  await signInAtProvider(page, login);
  await page.locator('[data-testid="idp-callback-held"]').waitFor();
  return callbackUrl;
}

/** Opens a callback URL and returns the status and the error message of the page. */
async function openCallback(page: Page, url: URL): Promise<{ status: number; message: string }> {
  const response = await page.goto(url.href);
  const message = (await page.locator('[data-testid="error-message"]').textContent().catch(() => "")) ?? "";
  return { status: response?.status() ?? 0, message };
}

describe("Auth0-shaped provider in Chromium", () => {
  test(
    "sign in, switch organization, generate a key, sign out",
    async () => {
      const { context, page, errors } = await openPage();
      await page.goto(`${baseUrl}/login`);
      await expect(page.locator('[data-testid="sign-in-with-auth0"]').textContent()).resolves.toBe("Sign in with Auth0");
      expect(await page.locator('[data-testid="sign-in"]').count()).toBe(1);
      await page.screenshot({ path: join(screenshotDir, "auth0-login.png"), fullPage: true });

      // First sign-in: Auth0's organization picker, then the dashboard of the picked organization.
      await signInAtProvider(page, "ann", "org_acme01");
      await page.waitForURL(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="user-email"]')).toBe("ann@acme.test");
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Acme Corp");
      expect(await sessionCookie(context)).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/" });
      expect(await page.locator('[data-testid="org-select"]').count()).toBe(0);
      const firstSession = (await sessionCookie(context))?.value;

      // Sign-out ends the session here and at the provider, which then shows its login form again.
      await page.click('[data-testid="sign-out"]');
      await page.locator('[data-testid="idp-logout-yes"]').waitFor();
      await page.screenshot({ path: join(screenshotDir, "auth0-provider-logout.png"), fullPage: true });
      await page.click('[data-testid="idp-logout-yes"]');
      await page.waitForURL(`${baseUrl}/login`);
      expect(await sessionCookie(context)).toBeUndefined();

      await signInAtProvider(page, "ann", "org_globex01");
      await page.waitForURL(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Globex");
      expect((await sessionCookie(context))?.value).not.toBe(firstSession);
      const options = await page.locator('[data-testid="org-select"] option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
      expect(options).toEqual(["org_acme01", "org_globex01"]);
      await page.screenshot({ path: join(screenshotDir, "auth0-dashboard.png"), fullPage: true });

      // Acme was confirmed by an earlier sign-in, not this one. So the switch signs in again with
      // organization=org_acme01, and the provider grants it without showing a page, as Auth0 does
      // while its own session lasts.
      const issuedBefore = idp.issuedOrganizations.length;
      await page.selectOption('[data-testid="org-select"]', "org_acme01");
      await page.locator('[data-testid="org-name"]', { hasText: "Acme Corp" }).waitFor();
      expect(page.url()).toBe(`${baseUrl}/`);
      expect(idp.issuedOrganizations.slice(issuedBefore)).toEqual(["org_acme01"]);

      // Globex was confirmed in this browser session, so switching back stays local.
      const issuedAfterSwitch = idp.issuedOrganizations.length;
      await Promise.all([page.waitForURL(`${baseUrl}/`), page.selectOption('[data-testid="org-select"]', "org_globex01")]);
      await page.locator('[data-testid="org-name"]', { hasText: "Globex" }).waitFor();
      expect(idp.issuedOrganizations.length).toBe(issuedAfterSwitch);

      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="access-key-id"]').waitFor();
      expect(await page.textContent('[data-testid="access-key-id"]')).toMatch(/^GW[A-Z2-7]{18}$/);
      expect(await page.textContent('[data-testid="aws-cli-config"]')).toContain("--profile s3gw_org_globex01");
      await page.screenshot({ path: join(screenshotDir, "auth0-generated.png"), fullPage: true });

      const users = JSON.parse(await gateway.cliOk(["user", "list", "--json"])) as {
        email: string;
        issuer: string;
        subject: string;
        memberships: { orgId: string; role: string; source: string }[];
      }[];
      expect(users.find((user) => user.subject === "auth0|ann")).toMatchObject({
        email: "ann@acme.test",
        issuer: idp.issuer,
        memberships: [
          { orgId: "org_acme01", role: "admin", source: "provider" },
          { orgId: "org_globex01", role: "admin", source: "provider" },
        ],
      });
      const orgs = JSON.parse(await gateway.cliOk(["org", "list", "--json"])) as { id: string; name: string; connectors: string[] }[];
      expect(orgs.find((org) => org.id === "org_globex01")).toMatchObject({ name: "Globex", connectors: ["azure", "vmware"] });

      await page.click('[data-testid="sign-out"]');
      await page.click('[data-testid="idp-logout-yes"]');
      await page.waitForURL(`${baseUrl}/login`);
      await page.goto(`${baseUrl}/`);
      expect(page.url()).toBe(`${baseUrl}/login`);

      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "switch refused by provider",
    async () => {
      const { context, page } = await openPage();
      await signInAtProvider(page, "ann", "org_acme01");
      await page.waitForURL(`${baseUrl}/`);
      // Ann leaves Globex at the provider; the gateway still lists it from her earlier sign-in.
      const ann = idp.account("ann");
      const before = ann.organizations ?? [];
      ann.organizations = [{ id: "org_acme01", name: "Acme Corp" }];
      try {
        await page.selectOption('[data-testid="org-select"]', "org_globex01");
        await page.locator('[data-testid="error-message"]').waitFor();
        expect(await page.textContent('[data-testid="error-message"]')).toContain("access_denied");
      } finally {
        ann.organizations = before;
      }
      await page.goto(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Acme Corp");
      expect(await page.locator('[data-testid="org-select"]').count()).toBe(0);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "state bound to the browser",
    async () => {
      const { context, page } = await openPage();
      const callback = await captureCallback(page, "bob");

      const tampered = new URL(callback);
      tampered.searchParams.set("state", "not-the-state");
      const wrongState = await openCallback(page, tampered);
      expect(wrongState.status).toBe(400);
      expect(wrongState.message).toContain("does not belong to a sign-in started in this browser");

      const other = await openPage();
      const otherBrowser = await openCallback(other.page, callback);
      expect(otherBrowser.status).toBe(400);
      expect(await sessionCookie(other.context)).toBeUndefined();
      await other.context.close();

      // The attempt survives both rejections, and completes in the browser that started it.
      await page.goto(callback.href);
      expect(page.url()).toBe(`${baseUrl}/`);
      expect(await page.textContent('[data-testid="user-email"]')).toBe("bob@acme.test");
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "replayed code",
    async () => {
      const { context, page } = await openPage();
      const first = await captureCallback(page, "bob");
      await page.goto(first.href);
      expect(page.url()).toBe(`${baseUrl}/`);

      const replay = await openCallback(page, first);
      expect(replay.status).toBe(400);

      // The used code with the state of a new sign-in reaches the provider, which refuses it.
      const second = await captureCallback(page, "bob");
      const spliced = new URL(second);
      spliced.searchParams.set("code", first.searchParams.get("code") ?? "");
      const rejected = await openCallback(page, spliced);
      expect(rejected.status).toBe(401);
      expect(rejected.message).toContain("did not accept this sign-in (invalid_grant)");
      await context.close();
    },
    browserTimeoutMs,
  );

  const tokenFaults = [
    { name: "wrong nonce", fault: { nonce: "some-other-nonce" }, message: "nonce mismatch" },
    { name: "wrong audience", fault: { audience: "another-client" }, message: "issued for another application" },
    { name: "expired token", fault: { expiresInSeconds: -600 }, message: "it has expired" },
    { name: "unknown issuer", fault: { issuer: "https://127.0.0.1:1/unknown" }, message: "issued by an unknown issuer" },
    { name: "foreign signature", fault: { foreignSignature: true }, message: "its signature is invalid" },
  ];
  for (const { name, fault, message } of tokenFaults) {
    test(
      `ID token with ${name}`,
      async () => {
        const { context, page } = await openPage();
        const callback = await captureCallback(page, "bob");
        idp.setTokenFault(fault);
        try {
          const result = await openCallback(page, callback);
          expect(result.status).toBe(401);
          expect(result.message).toContain(message);
          await page.screenshot({ path: join(screenshotDir, `auth0-rejected-${name.replaceAll(" ", "-")}.png`), fullPage: true });
        } finally {
          idp.setTokenFault(undefined);
        }
        expect(await sessionCookie(context)).toBeUndefined();
        await context.close();
      },
      browserTimeoutMs,
    );
  }

  test(
    "iss parameter of another issuer",
    async () => {
      const { context, page } = await openPage();
      const callback = await captureCallback(page, "bob");
      callback.searchParams.set("iss", "https://127.0.0.1:1/unknown");
      const result = await openCallback(page, callback);
      expect(result.status).toBe(401);
      expect(result.message).toContain("does not come from Auth0's issuer");
      expect(await sessionCookie(context)).toBeUndefined();
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "user without organizations",
    async () => {
      const { context, page, errors } = await openPage();
      await signInAtProvider(page, "dana");
      await page.locator('[data-testid="provider-no-organization"]').waitFor();
      expect(await page.textContent("h1")).toBe("Your account is not in any organization");
      expect(await page.textContent('[data-testid="support-contact"]')).toContain("the platform team (platform@example.test)");
      expect(await page.textContent('[data-testid="account-subject"]')).toBe("auth0|dana");
      expect(await sessionCookie(context)).toBeUndefined();
      await page.screenshot({ path: join(screenshotDir, "auth0-no-organization.png"), fullPage: true });
      // Chromium reports the page's own 403 status as a console error; anything else would be a fault.
      expect(errors.filter((error) => !error.includes("status of 403"))).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );
});
