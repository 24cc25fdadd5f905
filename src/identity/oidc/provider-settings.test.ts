import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../errors.ts";
import { loadIdentitySettings, parseIdentitySettings } from "./provider-settings.ts";

const dir = mkdtempSync(join(tmpdir(), "s3gw-provider-settings-"));
const secretFile = join(dir, "secret");
writeFileSync(secretFile, "file-secret\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function provider(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "auth0",
    issuer: "https://tenant.eu.auth0.com/",
    clientId: "client",
    clientSecretFile: secretFile,
    organizations: { mapping: "auth0", autoCreate: true },
    ...overrides,
  };
}

/** Returns the message of the ConfigError that parsing `document` throws. */
function problemsOf(document: unknown, env: Record<string, string> = {}): string {
  try {
    parseIdentitySettings(document, "providers.json", env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("the document was accepted");
}

describe("identity provider file", () => {
  test("defaults are filled in", () => {
    const settings = parseIdentitySettings({ providers: [provider()] }, "providers.json", {});
    expect(settings.localAccounts).toBe(true);
    expect(settings.supportContact).toBeUndefined();
    expect(settings.providers[0]).toMatchObject({
      id: "auth0",
      displayName: "auth0",
      clientSecret: "file-secret",
      scopes: ["openid", "profile", "email"],
      tokenEndpointAuthMethod: undefined,
      organizations: { mapping: "auth0", autoCreate: true, connectors: undefined },
      roles: undefined,
      logoutIdTokenHint: false,
    });
  });

  test("claim mapping with path and pattern", () => {
    const settings = parseIdentitySettings(
      {
        providers: [
          provider({
            clientSecretFile: undefined,
            clientSecretEnv: "KC_SECRET",
            organizations: { mapping: "claim", claim: "groups", pattern: "^s3-org-([a-z0-9-]+)$" },
            roles: { claim: ["realm_access", "roles"], orgAdmin: ["s3-admin"], platformAdmin: ["s3-platform"] },
          }),
        ],
      },
      "providers.json",
      { KC_SECRET: "env-secret" },
    );
    const mapping = settings.providers[0]?.organizations;
    expect(settings.providers[0]?.clientSecret).toBe("env-secret");
    if (mapping?.mapping !== "claim") throw new Error(`expected the claim mapping, got ${JSON.stringify(mapping)}`);
    expect(mapping.claim).toEqual(["groups"]);
    expect(mapping.pattern?.exec("s3-org-acme")?.[1]).toBe("acme");
    expect(settings.providers[0]?.roles).toEqual({ claim: ["realm_access", "roles"], orgAdmin: ["s3-admin"], platformAdmin: ["s3-platform"] });
  });

  test("missing organizations means static", () => {
    const settings = parseIdentitySettings({ providers: [provider({ organizations: undefined })] }, "providers.json", {});
    expect(settings.providers[0]?.organizations).toEqual({ mapping: "static" });
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ["missing issuer", { providers: [provider({ issuer: undefined })] }, "providers[0].issuer: is missing"],
    ["plain HTTP issuer", { providers: [provider({ issuer: "http://idp.test/" })] }, 'providers[0].issuer: "http://idp.test/" does not use https'],
    ["inline secret", { providers: [provider({ clientSecret: "s" })] }, "providers[0].clientSecret: client secrets do not belong in this file"],
    ["two secret sources", { providers: [provider({ clientSecretEnv: "X" })] }, "sets both clientSecretFile and clientSecretEnv"],
    ["no secret", { providers: [provider({ clientSecretFile: undefined })] }, "providers[0]: has no client secret"],
    ["unreadable secret file", { providers: [provider({ clientSecretFile: join(dir, "absent") })] }, "could not be read (ENOENT)"],
    ["unset secret variable", { providers: [provider({ clientSecretFile: undefined, clientSecretEnv: "NOT_SET" })] }, '"NOT_SET" is not set or is empty'],
    ["unknown field", { providers: [provider({ clientID: "x" })] }, "providers[0].clientID: is not a known field"],
    ["scopes without openid", { providers: [provider({ scopes: ["profile"] })] }, 'must include "openid"'],
    ["unknown mapping", { providers: [provider({ organizations: { mapping: "groups" } })] }, 'providers[0].organizations.mapping: "groups" is unknown'],
    ["claim mapping without claim", { providers: [provider({ organizations: { mapping: "claim" } })] }, "providers[0].organizations.claim: is missing"],
    ["invalid pattern", { providers: [provider({ organizations: { mapping: "claim", claim: "groups", pattern: "(" } })] }, "is not a valid regular expression"],
    [
      "org admin claim with static mapping",
      { providers: [provider({ organizations: { mapping: "static" }, roles: { claim: "roles", orgAdmin: ["admin"] } })] },
      "providers[0].roles.orgAdmin: applies only to",
    ],
    ["duplicate ids", { providers: [provider(), provider()] }, 'providers[1].id: "auth0" is used by two providers'],
    ["invalid id", { providers: [provider({ id: "Auth 0" })] }, 'providers[0].id: "Auth 0" is invalid'],
    ["nobody could sign in", { localAccounts: false }, "localAccounts: is false, but no provider is configured"],
    ["wrong type", { localAccounts: "no" }, 'localAccounts: must be true or false, not "no"'],
  ];
  for (const [name, document, expected] of cases) {
    test(`rejects ${name}`, () => {
      expect(problemsOf(document)).toContain(expected);
    });
  }

  test("every problem is listed", () => {
    const message = problemsOf({ providers: [provider({ issuer: undefined, clientId: undefined })], extra: 1 });
    expect(message).toStartWith('The identity provider file "providers.json" (S3GATEWAY_OIDC_CONFIG) has 3 problems:');
    expect(message).toContain("extra: is not a known field");
    expect(message).toContain("providers[0].issuer: is missing");
    expect(message).toContain("providers[0].clientId: is missing");
  });

  test("secret never appears in messages", () => {
    expect(problemsOf({ providers: [provider({ issuer: "ftp://x" })] })).not.toContain("file-secret");
  });

  test("invalid JSON names the file", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, "{ providers: ");
    expect(() => loadIdentitySettings(path, {})).toThrow(`S3GATEWAY_OIDC_CONFIG: "${path}" is not valid JSON`);
  });
});
