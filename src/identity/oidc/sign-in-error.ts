/**
 * The error of a failed sign-in through an identity provider. Its message is for the user; the
 * fields in `logDetail` are for the operator and never contain tokens or codes.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "../../errors.ts";

export type SignInFailure =
  /** The callback's `state` is unknown, already used, or belongs to another browser. */
  | "callback_rejected"
  /** The user took longer than the attempt's lifetime at the provider. */
  | "callback_expired"
  /** The provider returned an error for the authorization request. */
  | "provider_error"
  /** The authorization response failed a check, such as the `iss` parameter. */
  | "response_invalid"
  /** The token endpoint refused the code, for example because it was used before. */
  | "token_rejected"
  /** The ID token failed a check: signature, issuer, audience, nonce or expiry. */
  | "id_token_invalid"
  /** A request to the provider failed or timed out. */
  | "provider_unreachable"
  /** The token names another organization than the one requested with `organization`. */
  | "organization_mismatch";

const statusByFailure: Record<SignInFailure, ContentfulStatusCode> = {
  callback_rejected: 400,
  callback_expired: 400,
  provider_error: 401,
  response_invalid: 401,
  token_rejected: 401,
  id_token_invalid: 401,
  provider_unreachable: 502,
  organization_mismatch: 401,
};

export class SignInError extends GatewayError {
  readonly status: ContentfulStatusCode;

  /**
   * @param reason stable code, also written to the audit trail.
   * @param message text for the user: what failed and what to do.
   * @param logDetail facts for the operator's log, such as the failed check.
   */
  constructor(
    readonly reason: SignInFailure,
    message: string,
    readonly logDetail: Record<string, string> = {},
  ) {
    super(`sign_in_${reason}`, message);
    this.status = statusByFailure[reason];
  }
}
