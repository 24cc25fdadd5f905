// Calls the JSON API of the real `s3gateway serve` with access tokens from a real OpenID provider
// (oidc-provider over HTTPS on 127.0.0.1, Keycloak-shaped). A separate automation client gets the
// tokens through the authorization code flow with PKCE, driven in Chromium. The gateway checks them
// at the provider's userinfo endpoint.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oauth from "oauth4webapi";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { startGateway, type TestGateway } from "./support/gateway.ts";
import { createTestCertificate, startTestIdentityProvider, type TestCertificate, type TestIdentityProvider } from "./support/oidc-provider.ts";

const browserTimeoutMs = 90_000;
const clientSecret = "keycloak-test-client-secret-0123456789";
const automationClient = { clientId: "automation", clientSecret: "automation-test-client-secret-0123456789" };

let certificate: TestCertificate;
let keycloak: TestIdentityProvider;
let gateway: TestGateway;
let baseUrl: string;
let browser: Browser;
let configDir: string;
let caCertificate: string;
/** Redirect URI of the automation client. The provider replaces the redirect to it with a plain page, so nothing opens it. */
let automationRedirectUri: string;

beforeAll(async () => {
  certificate = createTestCertificate();
  caCertificate = await Bun.file(certificate.caFile).text();
  keycloak = await startTestIdentityProvider({
    shape: "keycloak",
    name: "bearer",
    certificate,
    accounts: [
      { login: "kim", subject: "2c1f6a55-kim", email: "kim@acme.test", name: "Kim", organizationClaim: ["acme"], roles: ["s3-org-admin"] },
      // Has an account at the provider but never signs in to the gateway.
      { login: "bo", subject: "77f0-bo", email: "bo@acme.test", name: "Bo", organizationClaim: ["acme"] },
    ],
  });

  configDir = mkdtempSync(join(tmpdir(), "s3gw-oidc-bearer-"));
  writeFileSync(join(configDir, "keycloak-secret"), `${clientSecret}\n`, { mode: 0o600 });
  const configFile = join(configDir, "providers.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      localAccounts: false,
      providers: [
        {
          id: "keycloak",
          displayName: "Keycloak",
          issuer: keycloak.issuer,
          clientId: "s3gateway",
          clientSecretFile: join(configDir, "keycloak-secret"),
          scopes: ["openid", "profile", "email", "organization:*"],
          organizations: { mapping: "claim", claim: "organization" },
          roles: { claim: ["realm_access", "roles"], orgAdmin: ["s3-org-admin"] },
        },
      ],
    }),
  );
  gateway = await startGateway({ S3GATEWAY_OIDC_CONFIG: configFile, NODE_EXTRA_CA_CERTS: certificate.caFile });
  baseUrl = gateway.webUrl;
  automationRedirectUri = `${baseUrl}/automation/callback`;
  keycloak.registerClient({ clientId: "s3gateway", clientSecret, redirectUris: [`${baseUrl}/login/oidc/keycloak/callback`], postLogoutRedirectUris: [`${baseUrl}/login`] });
  keycloak.registerClient({ ...automationClient, redirectUris: [automationRedirectUri], postLogoutRedirectUris: [] });
  await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);

  browser = await launchChromium();
}, browserTimeoutMs);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await keycloak?.stop();
  certificate?.remove();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

/** Types `login` into the provider's login form when the provider shows it. */
async function fillProviderLogin(page: Page, login: string): Promise<void> {
  if (await page.locator('[data-testid="idp-login"]').count()) {
    await page.fill('[data-testid="idp-login"]', login);
    await page.click('[data-testid="idp-submit"]');
  }
}

/** Signs in to the gateway's console with the provider, which creates the gateway user. */
async function signInToGateway(page: Page, login: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.click('[data-testid="sign-in-with-keycloak"]');
  await page.waitForURL((url) => !url.href.startsWith(baseUrl) || !url.pathname.startsWith("/login"));
  await fillProviderLogin(page, login);
  await page.waitForURL((url) => url.href.startsWith(baseUrl));
}

/** Fetches from the test provider, trusting its test certificate authority. */
function providerFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, tls: { ca: caCertificate } } as RequestInit);
}

/**
 * Gets an access token for `login` as the automation client: the authorization code flow with
 * PKCE in the browser context, then the code redemption from the test process.
 */
async function automationAccessToken(context: BrowserContext, login: string): Promise<string> {
  const metadata = (await (await providerFetch(`${keycloak.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string; token_endpoint: string };
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const authorization = new URL(metadata.authorization_endpoint);
  for (const [name, value] of Object.entries({
    client_id: automationClient.clientId,
    redirect_uri: automationRedirectUri,
    response_type: "code",
    scope: "openid email",
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  })) {
    authorization.searchParams.set(name, value);
  }

  const callback = keycloak.holdNextCallback();
  const page = await context.newPage();
  await page.goto(authorization.href);
  await fillProviderLogin(page, login);
  const callbackUrl = await callback;
  await page.close();
  expect(callbackUrl.searchParams.get("state")).toBe(state);

  const response = await providerFetch(metadata.token_endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${Buffer.from(`${automationClient.clientId}:${automationClient.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code: callbackUrl.searchParams.get("code") ?? "", redirect_uri: automationRedirectUri, code_verifier: codeVerifier }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe("Bearer");
  return body.access_token;
}

function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${baseUrl}/api/v1${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` } });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe("API with provider access tokens", () => {
  let kimToken: string;
  let boToken: string;

  // Every token is fetched here, before any test runs, because bun test 1.4 can kill a file's
  // subprocesses (Chromium among them) on a stale timeout between tests (oven-sh/bun#39657).
  beforeAll(async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await signInToGateway(page, "kim");
    expect(new URL(page.url()).pathname).toBe("/");
    kimToken = await automationAccessToken(context, "kim");
    await context.close();

    const boContext = await browser.newContext({ ignoreHTTPSErrors: true });
    boToken = await automationAccessToken(boContext, "bo");
    await boContext.close();
  }, browserTimeoutMs);

  test("session of a signed-in user", async () => {
    const response = await api("/session", kimToken);
    expect(response.status).toBe(200);
    const session = (await response.json()) as { user: { email: string }; organizations: { id: string; name: string; role: string }[]; authenticated_by: string; csrf_token: string | null };
    expect(session.user.email).toBe("kim@acme.test");
    expect(session.authenticated_by).toBe("bearer");
    expect(session.csrf_token).toBeNull();
    expect(session.organizations).toEqual([{ id: "acme", name: "Acme Corp", role: "admin" }]);
  });

  test("generate and list keys without CSRF token", async () => {
    const created = await api("/organizations/acme/credentials", kimToken, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ label: "ci pipeline" }),
    });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { access_key_id: string; secret_access_key: string };
    expect(key.secret_access_key.length).toBeGreaterThan(0);

    const listed = await api("/credentials", kimToken);
    expect(listed.status).toBe(200);
    const ids = ((await listed.json()) as { credentials: { access_key_id: string }[] }).credentials.map((credential) => credential.access_key_id);
    expect(ids).toContain(key.access_key_id);

    const revoked = await api(`/credentials/${key.access_key_id}/revoke`, kimToken, { method: "POST" });
    expect(revoked.status).toBe(200);
  });

  test("garbage token is 401", async () => {
    for (const token of ["not-a-token", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.x", `${kimToken}x`]) {
      const response = await api("/session", token);
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe("unauthenticated");
    }
  });

  test(
    "token of unknown user is 401",
    async () => {
      const response = await api("/session", boToken);
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe("unauthenticated");

      // A bearer call creates no user.
      const users = JSON.parse(await gateway.cliOk(["user", "list", "--json"])) as { subject: string | null }[];
      expect(users.map((user) => user.subject)).not.toContain("77f0-bo");
    },
    browserTimeoutMs,
  );

  test("tokens never reach the log", () => {
    expect(gateway.output()).not.toContain(kimToken);
  });
});
