/**
 * Signs raw HTTP requests with Signature Version 4 in any payload mode, for tests that need
 * requests no SDK sends on demand (a chosen streaming mode, a wrong secret, a skewed clock).
 */
import { formatAmzDate } from "../../src/sigv4/amz-date.ts";
import { canonicalQueryString, parseQuery } from "../../src/sigv4/canonical-query.ts";
import { canonicalHeaders, canonicalRequest, canonicalUri } from "../../src/sigv4/canonical-request.ts";
import { deriveSigningKey, sign, type CredentialScope } from "../../src/sigv4/signing-key.ts";
import { stringToSign } from "../../src/sigv4/verify.ts";
import type { ChunkSigning } from "../../src/sigv4/aws-chunked.ts";

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  /** Signing time; the current time when absent. */
  date?: Date;
}

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  /** What a streaming body needs to sign its chunks. */
  chunkSigning: ChunkSigning;
}

function scopeFor(key: SigningKey, amzDate: string): CredentialScope {
  return { accessKeyId: key.accessKeyId, date: amzDate.slice(0, 8), region: key.region ?? "us-east-1", service: "s3" };
}

/**
 * Signs a request in the Authorization header. Every header passed is signed, and `host`,
 * `x-amz-date` and `x-amz-content-sha256` are added.
 */
export function signHeaderRequest(method: string, url: string, headers: Record<string, string>, payloadHash: string, key: SigningKey): SignedRequest {
  const parsed = new URL(url);
  const amzDate = formatAmzDate(key.date ?? new Date());
  const all: Record<string, string> = { ...lowercase(headers), host: parsed.host, "x-amz-date": amzDate, "x-amz-content-sha256": payloadHash };
  const signedHeaders = Object.keys(all).sort();
  const headerMap = new Map(Object.entries(all).map(([name, value]) => [name, [value]]));
  const scope = scopeFor(key, amzDate);
  const canonical = canonicalRequest({
    method,
    canonicalUri: canonicalUri(parsed.pathname),
    canonicalQuery: canonicalQueryString(parseQuery(parsed.search.slice(1))),
    canonicalHeaders: canonicalHeaders(headerMap, signedHeaders),
    signedHeaders,
    payloadHash,
  });
  const signingKey = deriveSigningKey(key.secretAccessKey, scope);
  const signature = sign(signingKey, stringToSign(amzDate, scope, canonical));
  all.authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope.date}/${scope.region}/s3/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  delete all.host;
  return { url, headers: all, chunkSigning: { signingKey, amzDate, scope, seedSignature: signature } };
}

/** Builds a presigned URL that signs only the host header, with UNSIGNED-PAYLOAD. */
export function presignUrl(method: string, url: string, expiresSeconds: number, key: SigningKey): string {
  const parsed = new URL(url);
  const amzDate = formatAmzDate(key.date ?? new Date());
  const scope = scopeFor(key, amzDate);
  const query = new URLSearchParams(parsed.search);
  query.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  query.set("X-Amz-Credential", `${key.accessKeyId}/${scope.date}/${scope.region}/s3/aws4_request`);
  query.set("X-Amz-Date", amzDate);
  query.set("X-Amz-Expires", String(expiresSeconds));
  query.set("X-Amz-SignedHeaders", "host");
  const rawQuery = query.toString().replace(/\+/g, "%20");
  const canonical = canonicalRequest({
    method,
    canonicalUri: canonicalUri(parsed.pathname),
    canonicalQuery: canonicalQueryString(parseQuery(rawQuery)),
    canonicalHeaders: `host:${parsed.host}\n`,
    signedHeaders: ["host"],
    payloadHash: "UNSIGNED-PAYLOAD",
  });
  const signature = sign(deriveSigningKey(key.secretAccessKey, scope), stringToSign(amzDate, scope, canonical));
  return `${parsed.origin}${parsed.pathname}?${rawQuery}&X-Amz-Signature=${signature}`;
}

function lowercase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
