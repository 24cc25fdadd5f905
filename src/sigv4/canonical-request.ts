/**
 * The canonical request of Signature Version 4, as Amazon S3 builds it: the path is encoded once
 * (S3 does not double-encode, unlike other AWS services) and never normalized.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { SigV4Error } from "./errors.ts";
import type { HeaderMap } from "./request.ts";
import { percentDecode, uriEncode } from "./uri-encode.ts";

/**
 * Builds the canonical URI from the path as sent: each segment is decoded and re-encoded, so a
 * client that left `+` or `!` raw and one that escaped them sign the same text.
 * @throws {SigV4Error} `InvalidArgument` for a malformed percent-escape.
 */
export function canonicalUri(rawPath: string): string {
  const decoded = percentDecode(rawPath);
  if (decoded === undefined) {
    throw new SigV4Error("InvalidArgument", `The request path "${rawPath.slice(0, 128)}" has a malformed percent-escape: encode "%" as "%25".`);
  }
  return rawPath === "" ? "/" : uriEncode(decoded, true);
}

/**
 * Builds the canonical headers block and checks that each signed header is present.
 * Values are trimmed, inner runs of spaces collapsed, and repeated headers joined with commas.
 * @throws {SigV4Error} `AuthorizationHeaderMalformed` when a signed header is missing.
 */
export function canonicalHeaders(headers: HeaderMap, signedHeaders: readonly string[]): string {
  let block = "";
  for (const name of signedHeaders) {
    const values = headers.get(name);
    if (values === undefined) {
      throw new SigV4Error("AccessDenied", `The header "${name}" is listed in SignedHeaders but missing from the request.`);
    }
    block += `${name}:${values.map((value) => value.trim().replace(/ {2,}/g, " ")).join(",")}\n`;
  }
  return block;
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method,
    parts.canonicalUri,
    parts.canonicalQuery,
    parts.canonicalHeaders,
    parts.signedHeaders.join(";"),
    parts.payloadHash,
  ].join("\n");
}
