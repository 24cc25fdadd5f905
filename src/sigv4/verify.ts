/**
 * Verification of Signature Version 4 requests signed in the Authorization header or in the
 * query string (presigned URLs). Works on plain values and returns what the body decoder needs.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 */
import { algorithm, parseAuthorizationHeader, parseCredentialScope, parseSignedHeaders } from "./authorization-header.ts";
import { formatAmzDate, parseAmzDate } from "./amz-date.ts";
import { canonicalHeaders, canonicalRequest, canonicalUri } from "./canonical-request.ts";
import { canonicalQueryString, type QueryParameter } from "./canonical-query.ts";
import { SigV4Error } from "./errors.ts";
import { headerValue, type SignableRequest } from "./request.ts";
import { deriveSigningKey, scopeString, sha256Hex, sign, signaturesEqual, type CredentialScope } from "./signing-key.ts";

/** Protection of the request body, read from `x-amz-content-sha256`. */
export type PayloadMode =
  | { kind: "signed"; sha256: string }
  | { kind: "unsigned" }
  | { kind: "streaming-signed"; trailer: boolean }
  | { kind: "streaming-unsigned-trailer" };

export interface VerifiedRequest {
  accessKeyId: string;
  scope: CredentialScope;
  /** Signing time, `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  signingKey: Buffer;
  /** Signature of the request itself; seeds the chain of chunk signatures. */
  seedSignature: string;
  payload: PayloadMode;
  /** For presigned URLs: the time after which the URL is no longer valid. */
  expiresAt?: Date;
}

export interface VerifyOptions {
  region: string;
  now: Date;
  maxSkewMs: number;
  /** Longest presigned URL lifetime accepted, in seconds. */
  maxPresignedExpiresSeconds: number;
  /** Returns the secret of an access key id, or undefined when the id is unknown. */
  lookupSecret(accessKeyId: string): string | undefined;
}

const presignedParameters = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"] as const;

/** Tells whether the request carries query-string credentials rather than an Authorization header. */
export function isPresigned(query: readonly QueryParameter[]): boolean {
  return query.some((parameter) => parameter.name === "X-Amz-Credential" || parameter.name === "X-Amz-Signature");
}

/**
 * Verifies a request signed in the Authorization header.
 * @throws {SigV4Error} naming what is wrong: malformed header, unknown key, skewed clock,
 *   wrong region, unsigned `x-amz-*` header, or a signature that does not match.
 */
export function verifyHeaderSignature(request: SignableRequest, query: readonly QueryParameter[], options: VerifyOptions): VerifiedRequest {
  const header = headerValue(request.headers, "authorization") ?? "";
  const parsed = parseAuthorizationHeader(header);
  const amzDate = headerValue(request.headers, "x-amz-date");
  if (amzDate === undefined) {
    throw new SigV4Error("AccessDenied", "The request has no x-amz-date header: sign requests with an x-amz-date header.");
  }
  checkSigningTime(amzDate, parsed.scope, options, "AuthorizationHeaderMalformed");
  checkRegion(parsed.scope, options.region, "AuthorizationHeaderMalformed");
  checkAllAmzHeadersSigned(request, parsed.signedHeaders);
  const payloadHeader = headerValue(request.headers, "x-amz-content-sha256");
  if (payloadHeader === undefined) {
    throw new SigV4Error("InvalidRequest", "The request has no x-amz-content-sha256 header: Amazon S3 signatures require it.");
  }
  const payload = parsePayloadMode(payloadHeader);
  const secret = lookupSecretOrThrow(options, parsed.scope.accessKeyId);
  const canonical = canonicalRequest({
    method: request.method,
    canonicalUri: canonicalUri(request.rawPath),
    canonicalQuery: canonicalQueryString(query),
    canonicalHeaders: canonicalHeaders(request.headers, parsed.signedHeaders),
    signedHeaders: parsed.signedHeaders,
    payloadHash: payloadHeader,
  });
  const signingKey = deriveSigningKey(secret, parsed.scope);
  checkSignature(signingKey, stringToSign(amzDate, parsed.scope, canonical), parsed.signature);
  return { accessKeyId: parsed.scope.accessKeyId, scope: parsed.scope, amzDate, signingKey, seedSignature: parsed.signature, payload };
}

/**
 * Verifies a presigned URL (credentials in the query string).
 * @throws {SigV4Error} `AuthorizationQueryParametersError` for malformed parameters, `AccessDenied`
 *   for an expired URL, and the same failures as {@link verifyHeaderSignature}.
 */
export function verifyPresignedSignature(request: SignableRequest, query: readonly QueryParameter[], options: VerifyOptions): VerifiedRequest {
  const values = new Map<string, string>();
  for (const parameter of query) {
    if (parameter.name.startsWith("X-Amz-") && values.has(parameter.name)) {
      throw new SigV4Error("AuthorizationQueryParametersError", `The query parameter ${parameter.name} appears more than once.`);
    }
    values.set(parameter.name, parameter.value);
  }
  for (const name of presignedParameters) {
    if (!values.has(name)) {
      throw new SigV4Error("AuthorizationQueryParametersError", `The presigned URL has no ${name} parameter: presign it again with an AWS SDK or the AWS CLI.`);
    }
  }
  if (values.get("X-Amz-Algorithm") !== algorithm) {
    throw new SigV4Error("AuthorizationQueryParametersError", `X-Amz-Algorithm must be ${algorithm}.`);
  }

  if (values.has("X-Amz-Security-Token")) {
    throw new SigV4Error("InvalidRequest", "X-Amz-Security-Token is not accepted: this gateway issues long-term keys, so presign without a session token.");
  }
  const signature = values.get("X-Amz-Signature") ?? "";
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw new SigV4Error("AuthorizationQueryParametersError", "X-Amz-Signature is malformed: expected 64 lowercase hexadecimal characters.");
  }

  const scope = parseCredentialScope(values.get("X-Amz-Credential") ?? "", "AuthorizationQueryParametersError");
  const signedHeaders = parseSignedHeaders(values.get("X-Amz-SignedHeaders") ?? "", "AuthorizationQueryParametersError");
  const amzDate = values.get("X-Amz-Date") ?? "";
  const expiresText = values.get("X-Amz-Expires");
  const expiresSeconds = Number(expiresText);
  if (expiresText === undefined || !/^\d{1,7}$/.test(expiresText) || expiresSeconds < 1 || expiresSeconds > options.maxPresignedExpiresSeconds) {
    throw new SigV4Error(
      "AuthorizationQueryParametersError",
      `X-Amz-Expires "${(expiresText ?? "").slice(0, 20)}" is invalid: use a whole number of seconds from 1 to ${options.maxPresignedExpiresSeconds}.`,
    );
  }

  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) throw new SigV4Error("AuthorizationQueryParametersError", `X-Amz-Date "${amzDate.slice(0, 20)}" is malformed: expected YYYYMMDDTHHMMSSZ.`);
  if (amzDate.slice(0, 8) !== scope.date) {
    throw new SigV4Error("AuthorizationQueryParametersError", `The credential date ${scope.date} differs from X-Amz-Date ${amzDate}.`);
  }
  if (signedAt.getTime() - options.now.getTime() > options.maxSkewMs) throw skewError(signedAt, options);
  const expiresAt = new Date(signedAt.getTime() + expiresSeconds * 1000);
  if (options.now.getTime() > expiresAt.getTime()) {
    throw new SigV4Error("AccessDenied", `The presigned URL expired at ${expiresAt.toISOString()}: presign a new one.`, {
      Expires: expiresAt.toISOString(),
      ServerTime: options.now.toISOString(),
    });
  }

  checkRegion(scope, options.region, "AuthorizationQueryParametersError");
  checkAllAmzHeadersSigned(request, signedHeaders);
  const payloadHash = headerValue(request.headers, "x-amz-content-sha256") ?? "UNSIGNED-PAYLOAD";
  const payload = parsePayloadMode(payloadHash);
  const secret = lookupSecretOrThrow(options, scope.accessKeyId);
  const canonical = canonicalRequest({
    method: request.method,
    canonicalUri: canonicalUri(request.rawPath),
    canonicalQuery: canonicalQueryString(query, "X-Amz-Signature"),
    canonicalHeaders: canonicalHeaders(request.headers, signedHeaders),
    signedHeaders,
    payloadHash,
  });
  const signingKey = deriveSigningKey(secret, scope);
  checkSignature(signingKey, stringToSign(amzDate, scope, canonical), signature);
  return { accessKeyId: scope.accessKeyId, scope, amzDate, signingKey, seedSignature: signature, payload, expiresAt };
}

export function stringToSign(amzDate: string, scope: CredentialScope, canonical: string): string {
  return [algorithm, amzDate, scopeString(scope), sha256Hex(canonical)].join("\n");
}

function checkSigningTime(amzDate: string, scope: CredentialScope, options: VerifyOptions, code: "AuthorizationHeaderMalformed"): void {
  const signedAt = parseAmzDate(amzDate);
  if (!signedAt) throw new SigV4Error("AccessDenied", `The x-amz-date "${amzDate.slice(0, 40)}" is malformed: expected YYYYMMDDTHHMMSSZ.`);
  if (amzDate.slice(0, 8) !== scope.date) {
    throw new SigV4Error(code, `The credential date ${scope.date} differs from x-amz-date ${amzDate}: sign with the date of the request.`);
  }
  if (Math.abs(signedAt.getTime() - options.now.getTime()) > options.maxSkewMs) throw skewError(signedAt, options);
}

function skewError(signedAt: Date, options: VerifyOptions): SigV4Error {
  return new SigV4Error(
    "RequestTimeTooSkewed",
    `The request was signed at ${signedAt.toISOString()}, more than ${options.maxSkewMs / 60_000} minutes from the server time ${options.now.toISOString()}: correct the client's clock.`,
    {
      RequestTime: formatAmzDate(signedAt),
      ServerTime: options.now.toISOString(),
      MaxAllowedSkewMilliseconds: String(options.maxSkewMs),
    },
  );
}

function checkRegion(scope: CredentialScope, region: string, code: "AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError"): void {
  if (scope.region !== region) {
    throw new SigV4Error(code, `The region "${scope.region.slice(0, 40)}" is wrong; expecting "${region}": set the client's region to ${region}.`, { Region: region });
  }
}

function checkAllAmzHeadersSigned(request: SignableRequest, signedHeaders: readonly string[]): void {
  const unsigned = [...request.headers.keys()].filter((name) => name.startsWith("x-amz-") && !signedHeaders.includes(name)).sort();
  if (unsigned.length > 0) {
    throw new SigV4Error("AccessDenied", `There were headers present in the request which were not signed: ${unsigned.join(", ")}. Include every x-amz-* header in the signature.`, {
      HeadersNotSigned: unsigned.join(", "),
    });
  }
}

/**
 * Reads `x-amz-content-sha256`.
 * @throws {SigV4Error} `InvalidArgument` for a value that is neither a SHA-256 hex digest nor a known mode.
 */
export function parsePayloadMode(value: string): PayloadMode {
  if (/^[0-9a-f]{64}$/.test(value)) return { kind: "signed", sha256: value };
  switch (value) {
    case "UNSIGNED-PAYLOAD":
      return { kind: "unsigned" };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
      return { kind: "streaming-signed", trailer: false };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
      return { kind: "streaming-signed", trailer: true };
    case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
      return { kind: "streaming-unsigned-trailer" };
    default:
      throw new SigV4Error(
        "InvalidArgument",
        `x-amz-content-sha256 "${value.slice(0, 80)}" is invalid: send the lowercase hex SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING-* value.`,
      );
  }
}

function lookupSecretOrThrow(options: VerifyOptions, accessKeyId: string): string {
  const secret = options.lookupSecret(accessKeyId);
  if (secret === undefined) {
    throw new SigV4Error("InvalidAccessKeyId", `The access key id "${accessKeyId.slice(0, 40)}" does not exist: generate a key in the console.`);
  }
  return secret;
}

function checkSignature(signingKey: Buffer, toSign: string, received: string): void {
  if (!signaturesEqual(sign(signingKey, toSign), received)) {
    throw new SigV4Error("SignatureDoesNotMatch", "The request signature does not match: check the secret access key and that the client signs for this endpoint.");
  }
}
