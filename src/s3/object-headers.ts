/**
 * Reading the stored headers and user metadata of a write from the request, and writing them back
 * on GET and HEAD.
 */
import { headerValue, type HeaderMap } from "../sigv4/request.ts";
import type { ContentHeaders, ObjectInfo } from "../storage/types.ts";
import { S3Error } from "./s3-error.ts";

const contentHeaderNames: readonly [keyof ContentHeaders, string][] = [
  ["contentType", "content-type"],
  ["contentEncoding", "content-encoding"],
  ["contentDisposition", "content-disposition"],
  ["contentLanguage", "content-language"],
  ["cacheControl", "cache-control"],
  ["expires", "expires"],
];

/** Largest total size of user metadata S3 accepts, in bytes. */
const maxMetadataBytes = 2048;

/** Reads the standard content headers. `aws-chunked` is a transfer detail and never stored. */
export function readContentHeaders(headers: HeaderMap): ContentHeaders {
  const result: ContentHeaders = {};
  for (const [field, name] of contentHeaderNames) {
    let value = headerValue(headers, name);
    if (field === "contentEncoding" && value !== undefined) {
      value = value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "" && part !== "aws-chunked")
        .join(",");
      if (value === "") value = undefined;
    }
    if (value !== undefined) result[field] = value;
  }
  return result;
}

/**
 * Reads `x-amz-meta-*` headers into a map of lowercase names without the prefix.
 * @throws {S3Error} `MetadataTooLarge`-style `InvalidArgument` above 2 KB in total.
 */
export function readUserMetadata(headers: HeaderMap): Record<string, string> {
  const metadata: Record<string, string> = {};
  let size = 0;
  for (const [name, values] of headers) {
    if (!name.startsWith("x-amz-meta-")) continue;
    const key = name.slice("x-amz-meta-".length);
    const value = values.join(",");
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (size > maxMetadataBytes) {
    throw new S3Error("InvalidArgument", `The user metadata is ${size} bytes: S3 allows at most ${maxMetadataBytes} bytes of x-amz-meta-* headers.`);
  }
  return metadata;
}

/** Response headers describing an object, for GET and HEAD. */
export function objectResponseHeaders(info: ObjectInfo): Record<string, string> {
  const headers: Record<string, string> = {
    etag: info.etag,
    "last-modified": info.lastModified.toUTCString(),
    "accept-ranges": "bytes",
    "content-type": info.headers.contentType ?? "binary/octet-stream",
  };
  for (const [field, name] of contentHeaderNames) {
    const value = info.headers[field];
    if (value !== undefined && field !== "contentType") headers[name] = value;
  }
  for (const [name, value] of Object.entries(info.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}
