/**
 * GetObject and HeadObject. HEAD reads only the index and never opens object data.
 */
import { headerValue } from "../../sigv4/request.ts";
import { resolveBucket } from "../../tenancy/access.ts";
import { evaluateReadConditions } from "../conditional.ts";
import { objectResponseHeaders } from "../object-headers.ts";
import type { OperationContext, OperationHandler, S3Response } from "../operation-context.ts";
import { resolveRange } from "../range.ts";
import { checksumModeEnabled, checksumResponseHeaders } from "../checksum-headers.ts";

/** Query parameters that override response headers, as presigned download links use them. */
const responseOverrides: readonly [string, string][] = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
];

function applyOverrides(context: OperationContext, headers: Record<string, string>): void {
  for (const [parameter, header] of responseOverrides) {
    const value = context.parsed.params.get(parameter);
    if (value !== undefined) headers[header] = value;
  }
}

export const headObject: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const info = await context.store.headObject(location, context.parsed.key);
  const headers = objectResponseHeaders(info);
  if (evaluateReadConditions(context.request.headers, info) === "not-modified") return { status: 304, headers: { etag: info.etag, "last-modified": headers["last-modified"] ?? "" } };
  const range = resolveRange(headerValue(context.request.headers, "range"), info.size);
  applyOverrides(context, headers);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${info.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
    return { status: 206, headers };
  }
  headers["content-length"] = String(info.size);
  // A whole-object checksum never accompanies a range, because it would not match the bytes sent.
  if (checksumModeEnabled(context.request.headers)) Object.assign(headers, checksumResponseHeaders(info.checksum));
  return { status: 200, headers };
};

export const getObject: OperationHandler = async (context): Promise<S3Response> => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  // Preconditions and the range need the size and ETag first; the index lookup is cheap.
  const info = await context.store.headObject(location, context.parsed.key);
  if (evaluateReadConditions(context.request.headers, info) === "not-modified") {
    return { status: 304, headers: { etag: info.etag, "last-modified": info.lastModified.toUTCString() } };
  }
  const range = resolveRange(headerValue(context.request.headers, "range"), info.size);
  const opened = await context.store.getObject(location, context.parsed.key, range);
  const headers = objectResponseHeaders(opened.info);
  applyOverrides(context, headers);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${opened.info.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
    return { status: 206, headers, body: opened.body };
  }
  headers["content-length"] = String(opened.info.size);
  if (checksumModeEnabled(context.request.headers)) Object.assign(headers, checksumResponseHeaders(opened.info.checksum));
  return { status: 200, headers, body: opened.body };
};
