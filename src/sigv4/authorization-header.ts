/**
 * Parsing of the `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header.
 */
import { SigV4Error } from "./errors.ts";
import type { CredentialScope } from "./signing-key.ts";

export const algorithm = "AWS4-HMAC-SHA256";

export interface ParsedAuthorization {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses the credential scope `AKID/YYYYMMDD/region/service/aws4_request`.
 * @throws {SigV4Error} with `errorCode` when a part is missing or malformed.
 */
export function parseCredentialScope(text: string, errorCode: "AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError"): CredentialScope {
  const parts = text.split("/");
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || terminator !== "aws4_request") {
    throw new SigV4Error(errorCode, `The credential "${text.slice(0, 200)}" is malformed: expected ACCESS_KEY_ID/YYYYMMDD/REGION/s3/aws4_request.`);
  }
  if (!/^\d{8}$/.test(date)) {
    throw new SigV4Error(errorCode, `The credential date "${date}" is malformed: expected YYYYMMDD.`);
  }
  if (service !== "s3") {
    throw new SigV4Error(errorCode, `The credential names service "${service}": sign requests for service "s3".`);
  }
  return { accessKeyId, date, region, service };
}

/**
 * Parses the `SignedHeaders` list: lowercase names separated by `;`, sorted, without repeats.
 * @throws {SigV4Error} with `errorCode` when the list is empty or malformed.
 */
export function parseSignedHeaders(text: string, errorCode: "AuthorizationHeaderMalformed" | "AuthorizationQueryParametersError"): string[] {
  const names = text.split(";");
  const wellFormed = names.every((name, index) => /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name) && (index === 0 || (names[index - 1] ?? "") < name));
  if (text === "" || !wellFormed) {
    throw new SigV4Error(errorCode, `SignedHeaders "${text.slice(0, 200)}" is malformed: list lowercase header names, sorted, separated by ";".`);
  }
  if (!names.includes("host")) {
    throw new SigV4Error(errorCode, `SignedHeaders "${text.slice(0, 200)}" does not include "host": the host header must be signed.`);
  }
  return names;
}

/**
 * Parses the Authorization header of a Signature Version 4 request.
 * @throws {SigV4Error} `AuthorizationHeaderMalformed` naming the part that is wrong.
 */
export function parseAuthorizationHeader(header: string): ParsedAuthorization {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${algorithm} `)) {
    const given = trimmed.split(" ", 1)[0] ?? "";
    throw new SigV4Error(
      given === "AWS" ? "InvalidRequest" : "AuthorizationHeaderMalformed",
      `The authorization algorithm "${given.slice(0, 40)}" is not supported: sign requests with Signature Version 4 (${algorithm}).`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(algorithm.length).split(",")) {
    const item = part.trim();
    const equals = item.indexOf("=");
    if (equals <= 0) throw new SigV4Error("AuthorizationHeaderMalformed", `The authorization header part "${item.slice(0, 60)}" is malformed: expected NAME=VALUE.`);
    const name = item.slice(0, equals);
    if (fields.has(name)) throw new SigV4Error("AuthorizationHeaderMalformed", `The authorization header repeats "${name}".`);
    fields.set(name, item.slice(equals + 1));
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential === undefined || signedHeaders === undefined || signature === undefined || fields.size !== 3) {
    throw new SigV4Error("AuthorizationHeaderMalformed", "The authorization header must contain exactly Credential, SignedHeaders and Signature.");
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw new SigV4Error("AuthorizationHeaderMalformed", "The Signature is malformed: expected 64 lowercase hexadecimal characters.");
  }
  return {
    scope: parseCredentialScope(credential, "AuthorizationHeaderMalformed"),
    signedHeaders: parseSignedHeaders(signedHeaders, "AuthorizationHeaderMalformed"),
    signature,
  };
}
