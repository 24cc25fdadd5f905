/**
 * The authorization code flow with PKCE against one provider, on oauth4webapi: building the
 * authorization request, and turning the callback into verified ID token claims.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @see https://www.rfc-editor.org/rfc/rfc7636 (PKCE)
 * @see https://www.rfc-editor.org/rfc/rfc9207 (the `iss` authorization response parameter)
 */
import * as oauth from "oauth4webapi";
import { describeFetchError, type DiscoveredProvider } from "./discovery.ts";
import type { LoginAttempt } from "./login-attempts.ts";
import { SignInError } from "./sign-in-error.ts";

/** Limit for each request to the provider's token endpoint and JWKS. */
const providerRequestTimeoutMs = 10_000;

/**
 * Creates a fresh `state`, `nonce` and PKCE code verifier, and the authorization URL that carries
 * them with the S256 code challenge.
 * @param organization Auth0 organization id to sign in to, sent as the `organization` parameter.
 */
export async function createAuthorizationRequest(
  provider: DiscoveredProvider,
  redirectUri: string,
  organization: string | undefined,
): Promise<{ url: URL; attempt: LoginAttempt }> {
  const attempt: LoginAttempt = {
    providerId: provider.settings.id,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    organization,
  };
  // Discovery checked that the endpoint exists. Setting parameters keeps any it already carries.
  const url = new URL(provider.server.authorization_endpoint ?? "");
  const parameters: Record<string, string> = {
    client_id: provider.settings.clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: provider.settings.scopes.join(" "),
    state: attempt.state,
    nonce: attempt.nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(attempt.codeVerifier),
    code_challenge_method: "S256",
  };
  if (organization !== undefined) parameters.organization = organization;
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return { url, attempt };
}

/** Claims of an ID token whose signature, issuer, audience, expiry and nonce were checked. */
export interface VerifiedSignIn {
  claims: oauth.IDToken;
  /** The compact ID token, kept on the server for `id_token_hint` when configured. */
  idToken: string;
}

/**
 * Checks the authorization response (state, and `iss` when sent or required), redeems the code
 * with the PKCE verifier, and verifies the ID token: issuer, audience, expiry, nonce and, against
 * the provider's JWKS, its signature.
 * @throws {SignInError} naming the check that failed.
 */
export async function completeAuthorization(
  provider: DiscoveredProvider,
  callbackParameters: URLSearchParams,
  attempt: LoginAttempt,
  redirectUri: string,
): Promise<VerifiedSignIn> {
  const { server, client, clientAuth, settings } = provider;
  const name = settings.displayName;

  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(server, client, callbackParameters, attempt.state);
  } catch (error) {
    throw authorizationResponseFailure(error, name);
  }

  let response: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(server, client, clientAuth, parameters, redirectUri, attempt.codeVerifier, {
      signal: AbortSignal.timeout(providerRequestTimeoutMs),
    });
  } catch (error) {
    throw unreachable(name, "token endpoint", error);
  }

  let result: oauth.TokenEndpointResponse;
  try {
    result = await oauth.processAuthorizationCodeResponse(server, client, response, { expectedNonce: attempt.nonce, requireIdToken: true });
  } catch (error) {
    throw tokenResponseFailure(error, name);
  }

  try {
    await oauth.validateApplicationLevelSignature(server, response, { signal: AbortSignal.timeout(providerRequestTimeoutMs) });
  } catch (error) {
    if (error instanceof TypeError || (error instanceof DOMException && error.name === "TimeoutError")) throw unreachable(name, "JWKS", error);
    throw invalidIdToken(name, "signature", error);
  }

  const claims = oauth.getValidatedIdTokenClaims(result);
  if (!claims || result.id_token === undefined) {
    throw new SignInError("response_invalid", `${name} returned no ID token. Start again from the sign-in page.`, { check: "id_token" });
  }
  return { claims, idToken: result.id_token };
}

/**
 * Builds the URL of the provider's end-session endpoint, or returns undefined when the provider
 * has none (Google and Dex, for example).
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
export function endSessionUrl(provider: DiscoveredProvider, postLogoutRedirectUri: string, idToken: string | undefined): URL | undefined {
  if (!provider.server.end_session_endpoint) return undefined;
  const url = new URL(provider.server.end_session_endpoint);
  url.searchParams.set("client_id", provider.settings.clientId);
  url.searchParams.set("post_logout_redirect_uri", postLogoutRedirectUri);
  if (idToken !== undefined) url.searchParams.set("id_token_hint", idToken);
  return url;
}

function authorizationResponseFailure(error: unknown, name: string): SignInError {
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description === undefined ? "" : ` (${error.error_description})`;
    return new SignInError(
      "provider_error",
      `${name} did not complete the sign-in: ${error.error}${description}. Start again from the sign-in page.`,
      { providerError: error.error, ...(error.error_description === undefined ? {} : { providerErrorDescription: error.error_description }) },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const check = /"iss"/.test(message) ? "iss" : "response";
  return new SignInError(
    "response_invalid",
    check === "iss"
      ? `The sign-in response does not come from ${name}'s issuer, so it was rejected. Start again from the sign-in page.`
      : `The sign-in response from ${name} is invalid, so it was rejected. Start again from the sign-in page.`,
    { check, error: message },
  );
}

function tokenResponseFailure(error: unknown, name: string): SignInError {
  if (error instanceof oauth.ResponseBodyError) {
    return new SignInError(
      "token_rejected",
      `${name} did not accept this sign-in (${error.error}); the sign-in response may have been used before. Start again from the sign-in page.`,
      { providerError: error.error, ...(error.error_description === undefined ? {} : { providerErrorDescription: error.error_description }) },
    );
  }
  if (error instanceof oauth.OperationProcessingError && (error.code === oauth.JWT_CLAIM_COMPARISON || error.code === oauth.JWT_TIMESTAMP_CHECK)) {
    const claim = (error.cause as { claim?: unknown } | undefined)?.claim;
    return invalidIdToken(name, typeof claim === "string" ? claim : "claims", error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SignInError("response_invalid", `The token response from ${name} is invalid, so you were not signed in. Start again from the sign-in page.`, {
    check: "token_response",
    error: message,
  });
}

/** User-facing explanation of each failed ID token check. */
const idTokenProblems: Record<string, string> = {
  nonce: "it does not belong to this sign-in (nonce mismatch)",
  aud: "it was issued for another application (audience mismatch)",
  azp: "it was issued for another application (authorized party mismatch)",
  iss: "it was issued by an unknown issuer",
  exp: "it has expired",
  iat: "its issue time is in the future; check the clocks of the gateway and the provider",
  nbf: "it is not valid yet; check the clocks of the gateway and the provider",
  auth_time: "its authentication time is invalid",
  signature: "its signature is invalid",
};

function invalidIdToken(name: string, check: string, error: unknown): SignInError {
  const problem = idTokenProblems[check] ?? "it failed verification";
  return new SignInError(
    "id_token_invalid",
    `The identity token from ${name} was rejected because ${problem}. Start again from the sign-in page; if this keeps happening, tell your administrator.`,
    { check, error: error instanceof Error ? error.message : String(error) },
  );
}

function unreachable(name: string, endpoint: string, error: unknown): SignInError {
  return new SignInError("provider_unreachable", `${name} could not be reached to complete the sign-in. Try again in a few minutes.`, {
    endpoint,
    error: describeFetchError(error),
  });
}
