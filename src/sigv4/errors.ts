/**
 * Failures of Signature Version 4 parsing and verification. `code` is the Amazon S3 error code
 * the S3 layer responds with, so this module stays free of HTTP and XML concerns.
 */
import { GatewayError } from "../errors.ts";

export type SigV4ErrorCode =
  | "AccessDenied"
  | "AuthorizationHeaderMalformed"
  | "AuthorizationQueryParametersError"
  | "IncompleteBody"
  | "InvalidAccessKeyId"
  | "InvalidArgument"
  | "InvalidRequest"
  | "MissingSecurityHeader"
  | "RequestTimeTooSkewed"
  | "SignatureDoesNotMatch"
  | "XAmzContentSHA256Mismatch";

export class SigV4Error extends GatewayError {
  readonly s3Code: SigV4ErrorCode;
  /** Extra fields for the S3 error body, such as `ServerTime` or `Region`. */
  readonly details: Readonly<Record<string, string>>;

  constructor(s3Code: SigV4ErrorCode, message: string, details: Record<string, string> = {}) {
    super(`sigv4.${s3Code}`, message);
    this.s3Code = s3Code;
    this.details = details;
  }
}
