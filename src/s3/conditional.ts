/**
 * Conditional request headers on reads (If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since), evaluated after authorization against the stored object.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.2.2
 */
import { headerValue, type HeaderMap } from "../sigv4/request.ts";
import type { ObjectInfo } from "../storage/types.ts";
import { S3Error } from "./s3-error.ts";

function etagMatches(list: string, etag: string): boolean {
  return list.split(",").some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === "*" || trimmed === etag || `"${trimmed}"` === etag;
  });
}

function parseHttpDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Evaluates the read preconditions in RFC 9110 order.
 * @returns "not-modified" when the client's copy is current (304), otherwise "proceed".
 * @throws {S3Error} `PreconditionFailed` when If-Match or If-Unmodified-Since fails.
 */
export function evaluateReadConditions(headers: HeaderMap, info: ObjectInfo): "proceed" | "not-modified" {
  const lastModifiedSeconds = Math.floor(info.lastModified.getTime() / 1000);
  const ifMatch = headerValue(headers, "if-match");
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, info.etag)) throw new S3Error("PreconditionFailed", "The object's ETag does not match If-Match.", { Condition: "If-Match" });
  } else {
    const unmodifiedSince = parseHttpDate(headerValue(headers, "if-unmodified-since"));
    if (unmodifiedSince && lastModifiedSeconds > Math.floor(unmodifiedSince.getTime() / 1000)) {
      throw new S3Error("PreconditionFailed", "The object was modified after If-Unmodified-Since.", { Condition: "If-Unmodified-Since" });
    }
  }
  const ifNoneMatch = headerValue(headers, "if-none-match");
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, info.etag) ? "not-modified" : "proceed";
  const modifiedSince = parseHttpDate(headerValue(headers, "if-modified-since"));
  if (modifiedSince && lastModifiedSeconds <= Math.floor(modifiedSince.getTime() / 1000)) return "not-modified";
  return "proceed";
}
