/**
 * OpenID Connect discovery of one configured provider at start-up, and the checks that turn a
 * provider the gateway cannot use into a start-up error with its cause. Without these checks the
 * same mistakes surface only at the first sign-in, as an opaque failure.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import * as oauth from "oauth4webapi";
import type { ProviderSettings, TokenEndpointAuthMethod } from "./provider-settings.ts";

/** A configured provider with the metadata discovery returned, ready for the code flow. */
export interface DiscoveredProvider {
  settings: ProviderSettings;
  server: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
}

export interface DiscoveryResult {
  provider: DiscoveredProvider | undefined;
  /** Reasons the provider cannot be used, each saying how to fix it. Empty when `provider` is set. */
  problems: string[];
  /** Findings that do not stop the gateway, for the log. */
  warnings: string[];
}

/** Asymmetric JWS algorithms that oauth4webapi verifies ID token signatures with. */
const verifiableAlgorithms = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);

/**
 * Fetches the provider's discovery document and checks that the gateway can sign in with it. The
 * issuer must match exactly. The provider must offer the code flow, the configured scopes, PKCE
 * with S256, a usable client authentication method, a JWKS and an asymmetric ID token algorithm.
 * @param timeoutMs limit for the discovery request.
 */
export async function discoverProvider(settings: ProviderSettings, timeoutMs: number): Promise<DiscoveryResult> {
  const discoveryUrl = wellKnownUrl(settings.issuer);
  const fail = (problem: string): DiscoveryResult => ({ provider: undefined, problems: [problem], warnings: [] });

  let response: Response;
  try {
    response = await oauth.discoveryRequest(new URL(settings.issuer), { algorithm: "oidc", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return fail(`discovery at ${discoveryUrl} failed: ${describeFetchError(error)}. Check the issuer URL and that the gateway can reach the provider.`);
  }
  if (response.status !== 200) {
    return fail(
      `discovery at ${discoveryUrl} answered HTTP ${response.status}: check the issuer URL. It must be the exact issuer, for Keycloak https://HOST/realms/REALM.`,
    );
  }

  let metadata: Record<string, unknown>;
  try {
    metadata = (await response.clone().json()) as Record<string, unknown>;
  } catch {
    return fail(`discovery at ${discoveryUrl} did not return JSON: check the issuer URL.`);
  }
  if (metadata.issuer !== settings.issuer) {
    return fail(
      `the discovery document at ${discoveryUrl} names the issuer "${String(metadata.issuer)}", but the configured issuer is "${settings.issuer}". ` +
        "ID tokens are checked against the exact issuer: set issuer to the discovery document's value, including any trailing slash.",
    );
  }

  let server: oauth.AuthorizationServer;
  try {
    server = await oauth.processDiscoveryResponse(new URL(settings.issuer), response);
  } catch (error) {
    return fail(`the discovery document at ${discoveryUrl} is invalid: ${(error as Error).message}.`);
  }
  return checkMetadata(settings, server);
}

/** Checks discovered metadata against the provider's settings; exported for tests. */
export function checkMetadata(settings: ProviderSettings, server: oauth.AuthorizationServer): DiscoveryResult {
  const problems: string[] = [];
  const warnings: string[] = [];

  if (!server.authorization_endpoint || !server.token_endpoint) {
    problems.push("the discovery document lacks authorization_endpoint or token_endpoint, so the authorization code flow is not possible.");
  }
  if (!server.jwks_uri) {
    problems.push("the discovery document has no jwks_uri, so ID token signatures cannot be verified.");
  }
  if (server.response_types_supported && !server.response_types_supported.includes("code")) {
    problems.push(`the provider does not offer the authorization code flow (response_types_supported: ${server.response_types_supported.join(", ")}).`);
  }

  const offeredScopes = server.scopes_supported;
  const missingScopes = offeredScopes ? settings.scopes.filter((scope) => !isOffered(scope, offeredScopes)) : [];
  if (missingScopes.length > 0) {
    problems.push(
      `scopes: the provider does not offer ${missingScopes.map((scope) => `"${scope}"`).join(", ")} (scopes_supported: ${offeredScopes?.join(", ")}). ` +
        "Remove it from scopes, or create and enable the scope at the provider.",
    );
  }

  const challengeMethods = server.code_challenge_methods_supported;
  if (challengeMethods === undefined) {
    warnings.push("the discovery document does not list code_challenge_methods_supported; the gateway sends PKCE with S256 anyway");
  } else if (!challengeMethods.includes("S256")) {
    problems.push(`the provider does not offer PKCE with S256 (code_challenge_methods_supported: ${challengeMethods.join(", ")}): enable S256 PKCE at the provider.`);
  }

  const algorithms = server.id_token_signing_alg_values_supported;
  if (algorithms && !algorithms.some((alg) => verifiableAlgorithms.has(alg))) {
    problems.push(
      `the provider signs ID tokens only with ${algorithms.join(", ")}; the gateway verifies asymmetric signatures (RS256, PS256, ES256, EdDSA): switch the application to RS256.`,
    );
  }

  const authMethod = chooseAuthMethod(settings.tokenEndpointAuthMethod, server.token_endpoint_auth_methods_supported);
  if (typeof authMethod !== "string") problems.push(authMethod.problem);

  if (problems.length > 0 || typeof authMethod !== "string") return { provider: undefined, problems, warnings };
  const clientAuth = authMethod === "client_secret_basic" ? oauth.ClientSecretBasic(settings.clientSecret) : oauth.ClientSecretPost(settings.clientSecret);
  return {
    provider: { settings, server, client: { client_id: settings.clientId }, clientAuth },
    problems,
    warnings,
  };
}

/**
 * Picks the configured method, or basic when the provider offers it or lists nothing (basic is
 * the default of OpenID Connect Discovery), otherwise post.
 */
function chooseAuthMethod(configured: TokenEndpointAuthMethod | undefined, offered: string[] | undefined): TokenEndpointAuthMethod | { problem: string } {
  if (configured !== undefined) {
    if (offered === undefined || offered.includes(configured)) return configured;
    return { problem: `tokenEndpointAuthMethod: the provider does not offer "${configured}" (token_endpoint_auth_methods_supported: ${offered.join(", ")}).` };
  }
  if (offered === undefined || offered.includes("client_secret_basic")) return "client_secret_basic";
  if (offered.includes("client_secret_post")) return "client_secret_post";
  return {
    problem: `the provider offers neither client_secret_basic nor client_secret_post (token_endpoint_auth_methods_supported: ${offered.join(", ")}), which the gateway needs.`,
  };
}

/**
 * Checks a scope against `scopes_supported`. A parameterized scope such as Keycloak's
 * `organization:*` counts as offered when its name before the colon is listed.
 */
function isOffered(scope: string, offered: string[]): boolean {
  if (offered.includes(scope)) return true;
  const colon = scope.indexOf(":");
  return colon > 0 && offered.includes(scope.slice(0, colon));
}

function wellKnownUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
}

/** Describes a failed request with its underlying cause, such as a TLS or connection error. */
export function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) return "the request timed out";
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  const text = typeof code === "string" && !message.includes(code) ? `${message} (${code})${cause}` : `${message}${cause}`;
  if (/certificate|self.signed|UNABLE_TO_VERIFY|CERT_/i.test(text)) {
    return `${text}. The provider's TLS certificate is not trusted: add its certificate authority with NODE_EXTRA_CA_CERTS`;
  }
  return text;
}
