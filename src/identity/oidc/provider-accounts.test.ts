import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../config.ts";
import { openContext, type GatewayContext } from "../../context.ts";
import { UserGrants } from "../grants.ts";
import type { DiscoveredProvider } from "./discovery.ts";
import { ProviderAccounts } from "./provider-accounts.ts";
import type { OrganizationMapping, ProviderSettings } from "./provider-settings.ts";
import { SignInError } from "./sign-in-error.ts";

let dataDir: string;
let ctx: GatewayContext;
let accounts: ProviderAccounts;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "s3gw-provider-accounts-"));
  ctx = openContext(loadConfig({ dataDir }, {}));
  accounts = new ProviderAccounts(ctx);
});

afterEach(() => {
  ctx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function provider(organizations: OrganizationMapping, issuer = "https://idp.test/"): DiscoveredProvider {
  const settings: ProviderSettings = {
    id: "idp",
    displayName: "Test IdP",
    issuer,
    clientId: "client",
    clientSecret: "secret",
    scopes: ["openid"],
    tokenEndpointAuthMethod: undefined,
    organizations,
    roles: { claim: ["roles"], orgAdmin: ["org-admin"], platformAdmin: ["platform-admin"] },
    logoutIdTokenHint: false,
  };
  return { settings, server: { issuer }, client: { client_id: "client" }, clientAuth: () => {} } as unknown as DiscoveredProvider;
}

const auth0 = provider({ mapping: "auth0", autoCreate: true, connectors: ["azure"] });
const groups = provider({ mapping: "claim", claim: ["groups"], pattern: undefined, autoCreate: false, connectors: undefined });

function memberships(userId: string) {
  return new UserGrants(ctx.db).list().find((user) => user.id === userId)?.memberships;
}

describe("provider accounts", () => {
  test("user found by issuer and subject, not e-mail", async () => {
    await ctx.users.add({ email: "ann@acme.test", password: "correct horse battery", orgIds: [], orgAdmin: false, platformAdmin: false }, "test");
    const first = accounts.recordSignIn(auth0, { sub: "auth0|1", email: "ann@acme.test", org_id: "org_a" }, undefined).outcome;
    const again = accounts.recordSignIn(auth0, { sub: "auth0|1", email: "renamed@acme.test", org_id: "org_a" }, undefined).outcome;
    const other = accounts.recordSignIn(provider(auth0.settings.organizations, "https://other.test/"), { sub: "auth0|1", email: "ann@acme.test", org_id: "org_a" }, undefined).outcome;
    expect(again.user.id).toBe(first.user.id);
    expect(again.user.email).toBe("renamed@acme.test");
    expect(other.user.id).not.toBe(first.user.id);
    expect(await ctx.users.verifyPassword("ann@acme.test", "correct horse battery")).toBeDefined();
  });

  test("auth0 creates the organization and keeps earlier ones", () => {
    const first = accounts.recordSignIn(auth0, { sub: "u", org_id: "org_a", org_name: "Acme", roles: ["org-admin"] }, undefined);
    expect(first.createdOrgIds).toEqual(["org_a"]);
    expect(ctx.organizations.get("org_a")).toMatchObject({ name: "Acme", connectors: ["azure"] });
    const second = accounts.recordSignIn(auth0, { sub: "u", org_id: "org_b" }, undefined).outcome;
    expect(second).toMatchObject({ kind: "signed_in", currentOrgId: "org_b", verifiedOrgIds: ["org_b"] });
    expect(memberships(second.user.id)).toEqual([
      { orgId: "org_a", role: "admin", source: "provider" },
      { orgId: "org_b", role: "member", source: "provider" },
    ]);
    expect(accounts.needsConfirmation(auth0, second.user, "org_a", ["org_b"])).toBe(true);
    expect(accounts.needsConfirmation(auth0, second.user, "org_b", ["org_b"])).toBe(false);
  });

  test("auth0 token for another organization than requested", () => {
    expect(() => accounts.recordSignIn(auth0, { sub: "u", org_id: "org_b" }, "org_a")).toThrow(SignInError);
  });

  test("claim mapping replaces provider memberships but not operator ones", () => {
    ctx.organizations.create({ id: "acme", name: "Acme", connectors: [] }, "test");
    ctx.organizations.create({ id: "globex", name: "Globex", connectors: [] }, "test");
    ctx.organizations.create({ id: "initech", name: "Initech", connectors: [] }, "test");
    const { user } = accounts.recordSignIn(groups, { sub: "u", groups: ["acme", "globex"] }, undefined).outcome;
    new UserGrants(ctx.db).grant({ issuer: "https://idp.test/", subject: "u" }, { orgIds: ["initech"], orgAdmin: true, platformAdmin: false }, "test");
    const outcome = accounts.recordSignIn(groups, { sub: "u", groups: ["globex"] }, undefined).outcome;
    expect(outcome).toMatchObject({ kind: "signed_in", currentOrgId: "globex" });
    expect(memberships(user.id)).toEqual([
      { orgId: "globex", role: "member", source: "provider" },
      { orgId: "initech", role: "admin", source: "operator" },
    ]);
  });

  test("organization not enabled", () => {
    const outcome = accounts.recordSignIn(groups, { sub: "u", groups: ["initech"] }, undefined).outcome;
    expect(outcome).toMatchObject({ kind: "organization_not_enabled", subject: "u", organizations: [{ id: "initech", name: "initech" }] });
    expect(ctx.organizations.list()).toEqual([]);
  });

  test("no organization at all", () => {
    expect(accounts.recordSignIn(groups, { sub: "u", groups: [] }, undefined).outcome.kind).toBe("no_organization");
  });

  test("platform admin from claims is set and cleared", () => {
    const admin = accounts.recordSignIn(groups, { sub: "p", roles: ["platform-admin"] }, undefined).outcome;
    expect(admin).toMatchObject({ kind: "signed_in", currentOrgId: null, user: { isPlatformAdmin: true } });
    const demoted = accounts.recordSignIn(groups, { sub: "p", roles: [] }, undefined).outcome;
    expect(demoted).toMatchObject({ kind: "no_organization", user: { isPlatformAdmin: false } });
  });

  test("refused confirmation removes only provider memberships", () => {
    const { user } = accounts.recordSignIn(auth0, { sub: "u", org_id: "org_a" }, undefined).outcome;
    accounts.removeProviderMembership(auth0, user.id, "org_a");
    expect(memberships(user.id)).toEqual([]);
  });
});

describe("operator grants", () => {
  test("grant by issuer and subject before the first sign-in", () => {
    ctx.organizations.create({ id: "acme", name: "Acme", connectors: [] }, "test");
    const grants = new UserGrants(ctx.db);
    const granted = grants.grant({ issuer: "https://idp.test/", subject: "s1" }, { orgIds: ["acme"], orgAdmin: false, platformAdmin: false }, "cli");
    const outcome = accounts.recordSignIn(provider({ mapping: "static" }), { sub: "s1", email: "s1@acme.test" }, undefined).outcome;
    expect(outcome).toMatchObject({ kind: "signed_in", currentOrgId: "acme", user: { id: granted.id, email: "s1@acme.test" } });
    grants.revoke({ email: "s1@acme.test" }, { orgIds: ["acme"], platformAdmin: false }, "cli");
    expect(memberships(granted.id)).toEqual([]);
  });

  test("grant rejects unknown organizations and ambiguous e-mails", () => {
    const grants = new UserGrants(ctx.db);
    expect(() => grants.grant({ issuer: "https://idp.test/", subject: "s1" }, { orgIds: ["nope"], orgAdmin: false, platformAdmin: false }, "cli")).toThrow(
      'Organization "nope" does not exist',
    );
    accounts.recordSignIn(groups, { sub: "a", email: "same@example.test" }, undefined);
    accounts.recordSignIn(provider(groups.settings.organizations, "https://other.test/"), { sub: "b", email: "same@example.test" }, undefined);
    expect(() => grants.grant({ email: "same@example.test" }, { orgIds: [], orgAdmin: false, platformAdmin: true }, "cli")).toThrow(
      'users have the e-mail "same@example.test"',
    );
  });
});
