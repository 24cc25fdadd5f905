/**
 * Signature Version 4 for requests the gateway sends to its S3 upstream (object traffic and the
 * MinIO admin API), signed in the `Authorization` header.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { formatAmzDate } from "../../sigv4/amz-date.ts";
import { canonicalRequest } from "../../sigv4/canonical-request.ts";
import { deriveSigningKey, scopeString, sha256Hex, sign, type CredentialScope } from "../../sigv4/signing-key.ts";
import { uriEncode } from "../../sigv4/uri-encode.ts";

/** An access key pair for the upstream. */
export interface UpstreamCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Payload hash for bodies that are streamed and not hashed ahead of sending. */
export const unsignedPayload = "UNSIGNED-PAYLOAD";

export interface RequestToSign {
  method: string;
  /** Path as sent, already percent-encoded the way S3 canonicalizes it (see {@link encodePath}). */
  path: string;
  query: readonly (readonly [string, string])[];
  /** Header names in lowercase. `host` must be present. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or {@link unsignedPayload}, or a streaming payload marker. */
  payloadHash: string;
}

/** Percent-encodes a bucket and key as a path: every byte but unreserved characters and `/`. */
export function encodePath(bucket: string | undefined, key: string | undefined): string {
  if (bucket === undefined) return "/";
  return key === undefined ? `/${uriEncode(bucket, false)}` : `/${uriEncode(bucket, false)}/${uriEncode(key, true)}`;
}

/** Builds the query string exactly as it is signed: encoded, sorted by name and then value. */
export function encodeQuery(query: readonly (readonly [string, string])[]): string {
  return query
    .map(([name, value]) => [uriEncode(name, false), uriEncode(value, false)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => (nameA === nameB ? compare(valueA, valueB) : compare(nameA, nameB)))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Signs a request: returns its headers plus `x-amz-date`, `x-amz-content-sha256` and
 * `authorization`. Every header passed in is signed.
 */
export function signRequest(request: RequestToSign, credentials: UpstreamCredentials, region: string, now: Date = new Date()): Record<string, string> {
  const amzDate = formatAmzDate(now);
  const headers: Record<string, string> = { ...request.headers, "x-amz-date": amzDate, "x-amz-content-sha256": request.payloadHash };
  const names = Object.keys(headers).sort();
  const scope: CredentialScope = { accessKeyId: credentials.accessKeyId, date: amzDate.slice(0, 8), region, service: "s3" };
  const canonical = canonicalRequest({
    method: request.method,
    canonicalUri: request.path,
    canonicalQuery: encodeQuery(request.query),
    canonicalHeaders: names.map((name) => `${name}:${(headers[name] ?? "").trim().replace(/ {2,}/g, " ")}\n`).join(""),
    signedHeaders: names,
    payloadHash: request.payloadHash,
  });
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scopeString(scope), sha256Hex(canonical)].join("\n");
  const signature = sign(deriveSigningKey(credentials.secretAccessKey, scope), stringToSign);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scopeString(scope)}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}
