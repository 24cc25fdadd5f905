import { describe, expect, test } from "bun:test";
import { claimValues, mapClaims, readClaim } from "./claim-mapping.ts";
import type { OrganizationMapping, ProviderSettings, RoleMapping } from "./provider-settings.ts";

function settings(organizations: OrganizationMapping, roles?: RoleMapping): ProviderSettings {
  return {
    id: "test",
    displayName: "Test",
    issuer: "https://idp.test/",
    clientId: "client",
    clientSecret: "secret",
    scopes: ["openid"],
    tokenEndpointAuthMethod: undefined,
    organizations,
    roles,
    logoutIdTokenHint: false,
  };
}

const claimMapping = (claim: string[], pattern?: RegExp): OrganizationMapping => ({ mapping: "claim", claim, pattern, autoCreate: false, connectors: undefined });

describe("claim mapping", () => {
  test("auth0 org_id with org_name", () => {
    const mapped = mapClaims(settings({ mapping: "auth0", autoCreate: false, connectors: undefined }), { org_id: "org_W2bXvM5pQ1", org_name: "Acme Corp" });
    expect(mapped.organizations).toEqual([{ id: "org_W2bXvM5pQ1", name: "Acme Corp" }]);
  });

  test("auth0 without org_name uses the id", () => {
    const mapped = mapClaims(settings({ mapping: "auth0", autoCreate: false, connectors: undefined }), { org_id: "org_1" });
    expect(mapped.organizations).toEqual([{ id: "org_1", name: "org_1" }]);
  });

  test("auth0 token without organization", () => {
    expect(mapClaims(settings({ mapping: "auth0", autoCreate: false, connectors: undefined }), { sub: "x" }).organizations).toEqual([]);
  });

  test("groups filtered and rewritten by pattern", () => {
    const mapped = mapClaims(settings(claimMapping(["groups"], /^s3-org-(.+)$/u)), { groups: ["s3-org-acme", "staff", "s3-org-globex", "s3-org-acme"] });
    expect(mapped.organizations.map((org) => org.id)).toEqual(["acme", "globex"]);
  });

  test("Keycloak organization object gives its keys", () => {
    const mapped = mapClaims(settings(claimMapping(["organization"])), { organization: { acme: { id: "1" }, globex: {} } });
    expect(mapped.organizations.map((org) => org.id)).toEqual(["acme", "globex"]);
  });

  test("single string claim such as Google hd", () => {
    expect(mapClaims(settings(claimMapping(["hd"])), { hd: "acme.example" }).organizations).toEqual([{ id: "acme.example", name: "acme.example" }]);
  });

  test("invalid organization ids are set aside", () => {
    const mapped = mapClaims(settings(claimMapping(["groups"])), { groups: ["acme", "two words", "../x"] });
    expect(mapped.organizations.map((org) => org.id)).toEqual(["acme"]);
    expect(mapped.invalidOrganizationIds).toEqual(["two words", "../x"]);
  });

  test("roles from a nested claim", () => {
    const roles: RoleMapping = { claim: ["realm_access", "roles"], orgAdmin: ["s3-org-admin"], platformAdmin: ["s3-platform-admin"] };
    const mapped = mapClaims(settings(claimMapping(["organization"]), roles), { realm_access: { roles: ["s3-org-admin"] } });
    expect(mapped.orgAdmin).toBe(true);
    expect(mapped.platformAdmin).toBe(false);
  });

  test("platform admin left to the CLI without its values", () => {
    const mapped = mapClaims(settings(claimMapping(["organization"]), { claim: ["roles"], orgAdmin: [], platformAdmin: undefined }), { roles: ["admin"] });
    expect(mapped.orgAdmin).toBe(false);
    expect(mapped.platformAdmin).toBeUndefined();
  });

  test("readClaim does not follow inherited properties", () => {
    expect(readClaim({}, ["__proto__"])).toBeUndefined();
    expect(readClaim({ a: { b: "c" } }, ["a", "b"])).toBe("c");
    expect(readClaim({ a: "text" }, ["a", "b"])).toBeUndefined();
  });

  test("claimValues ignores other types", () => {
    expect(claimValues(["a", 1, "", null, "b"])).toEqual(["a", "b"]);
    expect(claimValues(42)).toEqual([]);
    expect(claimValues("")).toEqual([]);
  });
});
