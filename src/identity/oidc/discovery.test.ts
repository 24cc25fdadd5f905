import { describe, expect, test } from "bun:test";
import type { AuthorizationServer } from "oauth4webapi";
import { checkMetadata } from "./discovery.ts";
import type { ProviderSettings } from "./provider-settings.ts";

const settings: ProviderSettings = {
  id: "test",
  displayName: "Test",
  issuer: "https://idp.test/",
  clientId: "client",
  clientSecret: "secret",
  scopes: ["openid", "profile", "groups"],
  tokenEndpointAuthMethod: undefined,
  organizations: { mapping: "static" },
  roles: undefined,
  logoutIdTokenHint: false,
};

const metadata: AuthorizationServer = {
  issuer: "https://idp.test/",
  authorization_endpoint: "https://idp.test/authorize",
  token_endpoint: "https://idp.test/token",
  jwks_uri: "https://idp.test/jwks",
  response_types_supported: ["code"],
  scopes_supported: ["openid", "profile", "email", "groups"],
  code_challenge_methods_supported: ["S256"],
  token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  id_token_signing_alg_values_supported: ["RS256"],
};

describe("discovered metadata", () => {
  test("usable provider", () => {
    const result = checkMetadata(settings, metadata);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.provider?.client).toEqual({ client_id: "client" });
  });

  test("scope not offered", () => {
    const result = checkMetadata(settings, { ...metadata, scopes_supported: ["openid", "profile"] });
    expect(result.provider).toBeUndefined();
    expect(result.problems).toEqual([expect.stringContaining('scopes: the provider does not offer "groups" (scopes_supported: openid, profile)')]);
  });

  test("parameterized scope counts by its name", () => {
    const result = checkMetadata({ ...settings, scopes: ["openid", "organization:*"] }, { ...metadata, scopes_supported: ["openid", "organization"] });
    expect(result.problems).toEqual([]);
  });

  test("PKCE without S256", () => {
    const result = checkMetadata(settings, { ...metadata, code_challenge_methods_supported: ["plain"] });
    expect(result.problems).toEqual([expect.stringContaining("does not offer PKCE with S256")]);
  });

  test("unlisted PKCE methods only warn", () => {
    const { code_challenge_methods_supported: _, ...rest } = metadata;
    const result = checkMetadata(settings, rest);
    expect(result.provider).toBeDefined();
    expect(result.warnings).toEqual([expect.stringContaining("code_challenge_methods_supported")]);
  });

  test("only HS256 ID tokens", () => {
    const result = checkMetadata(settings, { ...metadata, id_token_signing_alg_values_supported: ["HS256"] });
    expect(result.problems).toEqual([expect.stringContaining("switch the application to RS256")]);
  });

  test("post when basic is not offered", () => {
    const result = checkMetadata(settings, { ...metadata, token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt"] });
    expect(result.provider).toBeDefined();
  });

  test("configured method not offered", () => {
    const result = checkMetadata({ ...settings, tokenEndpointAuthMethod: "client_secret_post" }, { ...metadata, token_endpoint_auth_methods_supported: ["client_secret_basic"] });
    expect(result.problems).toEqual([expect.stringContaining('tokenEndpointAuthMethod: the provider does not offer "client_secret_post"')]);
  });

  test("code flow not offered", () => {
    const result = checkMetadata(settings, { ...metadata, response_types_supported: ["id_token"] });
    expect(result.problems).toEqual([expect.stringContaining("does not offer the authorization code flow")]);
  });
});
