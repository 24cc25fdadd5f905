import { describe, expect, test } from "bun:test";
import pino from "pino";
import { BearerTokenValidator, type BearerTokenOptions } from "./bearer-tokens.ts";
import type { DiscoveredProvider } from "./discovery.ts";
import type { ProviderSettings } from "./provider-settings.ts";

function provider(id: string, issuer: string, userinfo: boolean = true): DiscoveredProvider {
  const settings: ProviderSettings = {
    id,
    displayName: id,
    issuer,
    clientId: "client",
    clientSecret: "secret",
    scopes: ["openid"],
    tokenEndpointAuthMethod: undefined,
    organizations: { mapping: "static" },
    roles: undefined,
    logoutIdTokenHint: false,
  };
  const server = { issuer, ...(userinfo ? { userinfo_endpoint: `${issuer}userinfo` } : {}) };
  return { settings, server, client: { client_id: "client" }, clientAuth: () => {} };
}

const first = provider("first", "https://first.test/");
const second = provider("second", "https://second.test/");

/** Tokens each provider accepts, with the subject it returns. */
const acceptedTokens: Record<string, Record<string, string>> = {
  "https://first.test/userinfo": { "token-a": "alice" },
  "https://second.test/userinfo": { "token-b": "bob", "token-c": "carol" },
};

/** Users of the gateway, by issuer and subject. */
const gatewayUsers: Record<string, string> = {
  "https://first.test/ alice": "user-alice",
  "https://second.test/ bob": "user-bob",
};

function setup(options: BearerTokenOptions = {}, providers: DiscoveredProvider[] = [first, second]) {
  const requests: string[] = [];
  const fakeFetch: NonNullable<BearerTokenOptions["fetch"]> = async (url, init) => {
    requests.push(url);
    const token = /^Bearer (.+)$/.exec(init.headers.authorization ?? "")?.[1] ?? "";
    const subject = acceptedTokens[url]?.[token];
    if (subject === undefined) return new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
    return Response.json({ sub: subject });
  };
  const validator = new BearerTokenValidator(providers, (issuer, subject) => gatewayUsers[`${issuer} ${subject}`], pino({ level: "silent" }), { fetch: fakeFetch, ...options });
  return { validator, requests };
}

function jwtWithIssuer(issuer: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part({ iss: issuer, sub: "bob" })}.signature`;
}

describe("BearerTokenValidator", () => {
  test("first provider that accepts wins", async () => {
    const { validator, requests } = setup();
    expect(await validator.authenticate("token-b")).toEqual({ userId: "user-bob" });
    expect(requests).toEqual(["https://first.test/userinfo", "https://second.test/userinfo"]);
  });

  test("rejected token is undefined", async () => {
    const { validator } = setup();
    expect(await validator.authenticate("garbage")).toBeUndefined();
  });

  test("unknown user is undefined", async () => {
    const { validator } = setup();
    expect(await validator.authenticate("token-c")).toBeUndefined();
  });

  test("accepted token is cached until expiry", async () => {
    let now = 0;
    const { validator, requests } = setup({ now: () => now, cacheTtlMs: 1_000 });
    await validator.authenticate("token-a");
    now = 999;
    expect(await validator.authenticate("token-a")).toEqual({ userId: "user-alice" });
    expect(requests).toHaveLength(1);
    now = 1_000;
    expect(await validator.authenticate("token-a")).toEqual({ userId: "user-alice" });
    expect(requests).toHaveLength(2);
  });

  test("rejected token is not cached", async () => {
    const { validator, requests } = setup();
    await validator.authenticate("garbage");
    await validator.authenticate("garbage");
    expect(requests).toHaveLength(4);
  });

  test("cache drops oldest entry", async () => {
    const { validator, requests } = setup({ maxCacheEntries: 1 });
    await validator.authenticate("token-a");
    await validator.authenticate("token-b");
    expect(requests).toHaveLength(3);
    await validator.authenticate("token-a");
    expect(requests).toHaveLength(4);
    await validator.authenticate("token-a");
    expect(requests).toHaveLength(4);
  });

  test("concurrent calls share one lookup", async () => {
    const { validator, requests } = setup();
    const results = await Promise.all([validator.authenticate("token-a"), validator.authenticate("token-a")]);
    expect(results).toEqual([{ userId: "user-alice" }, { userId: "user-alice" }]);
    expect(requests).toHaveLength(1);
  });

  test("JWT goes only to its issuer", async () => {
    const { validator, requests } = setup();
    await validator.authenticate(jwtWithIssuer("https://second.test/"));
    expect(requests).toEqual(["https://second.test/userinfo"]);
  });

  test("JWT of unknown issuer asks no provider", async () => {
    const { validator, requests } = setup();
    expect(await validator.authenticate(jwtWithIssuer("https://elsewhere.test/"))).toBeUndefined();
    expect(requests).toEqual([]);
  });

  test("provider without userinfo is skipped", async () => {
    const { validator, requests } = setup({}, [provider("bare", "https://bare.test/", false), second]);
    expect(await validator.authenticate("token-b")).toEqual({ userId: "user-bob" });
    expect(requests).toEqual(["https://second.test/userinfo"]);
  });
});
