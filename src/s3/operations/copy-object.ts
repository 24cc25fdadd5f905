/**
 * CopyObject and UploadPartCopy. The copy source resolves among the caller's own organization's
 * buckets only, exactly as the target does.
 */
import { headerValue } from "../../sigv4/request.ts";
import { percentDecode } from "../../sigv4/uri-encode.ts";
import { iterateStream } from "../../storage/byte-source.ts";
import type { BucketLocation } from "../../storage/types.ts";
import { resolveBucket } from "../../tenancy/access.ts";
import { evaluateReadConditions } from "../conditional.ts";
import { readContentHeaders, readUserMetadata } from "../object-headers.ts";
import { xmlResponse, type OperationContext, type OperationHandler } from "../operation-context.ts";
import { S3Error } from "../s3-error.ts";
import { element, xmlDocument } from "../xml.ts";
import { parsePartNumber } from "./multipart.ts";

function copySource(context: OperationContext): { location: BucketLocation; bucket: string; key: string } {
  const raw = headerValue(context.request.headers, "x-amz-copy-source") ?? "";
  const withoutVersion = raw.split("?")[0] ?? "";
  const decoded = percentDecode(withoutVersion.replace(/^\//, ""));
  const slash = decoded?.indexOf("/") ?? -1;
  if (decoded === undefined || slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error("InvalidArgument", `x-amz-copy-source "${raw.slice(0, 100)}" is invalid: use BUCKET/KEY, URL-encoded.`, { ArgumentName: "x-amz-copy-source" });
  }
  if (raw.includes("?versionId=") && !raw.endsWith("?versionId=null")) {
    throw new S3Error("NotImplemented", "Copying a specific object version is not implemented: this gateway keeps one version of each key.");
  }
  const bucket = decoded.slice(0, slash);
  const key = decoded.slice(slash + 1);
  return { location: resolveBucket(context.directory, context.principal, bucket), bucket, key };
}

/** Checks the `x-amz-copy-source-if-*` headers against the source object. */
async function checkSourceConditions(context: OperationContext, location: BucketLocation, key: string): Promise<number> {
  const info = await context.store.headObject(location, key);
  const mapped = new Map<string, string[]>();
  for (const name of ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"]) {
    const value = headerValue(context.request.headers, `x-amz-copy-source-${name}`);
    if (value !== undefined) mapped.set(name, [value]);
  }
  if (evaluateReadConditions(mapped, info) === "not-modified") {
    throw new S3Error("PreconditionFailed", "The copy source was not modified since the time, or matched the ETag, given in the copy conditions.");
  }
  return info.size;
}

export const copyObject: OperationHandler = async (context) => {
  const target = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const source = copySource(context);
  const size = await checkSourceConditions(context, source.location, source.key);
  if (size > context.settings.maxObjectSize) {
    throw new S3Error("InvalidRequest", `The source object is ${size} bytes, above the ${context.settings.maxObjectSize}-byte limit of CopyObject: copy it with a multipart upload.`);
  }
  const directive = headerValue(context.request.headers, "x-amz-metadata-directive") ?? "COPY";
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw new S3Error("InvalidArgument", `x-amz-metadata-directive "${directive.slice(0, 20)}" is invalid: use COPY or REPLACE.`, { ArgumentName: "x-amz-metadata-directive" });
  }
  const sameObject = source.location.bucket === target.bucket && source.key === context.parsed.key;
  if (sameObject && directive === "COPY") {
    throw new S3Error("InvalidRequest", "This copy request is illegal because it copies an object to itself without changing its metadata: set x-amz-metadata-directive to REPLACE.");
  }
  const replace = directive === "REPLACE" ? { headers: readContentHeaders(context.request.headers), metadata: readUserMetadata(context.request.headers) } : undefined;
  const info = await context.store.copyObject(source.location, source.key, target, context.parsed.key, replace);
  return xmlResponse(xmlDocument("CopyObjectResult", [element("LastModified", info.lastModified.toISOString()), element("ETag", info.etag)]));
};

export const uploadPartCopy: OperationHandler = async (context) => {
  const target = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const partNumber = parsePartNumber(context.parsed.params.get("partNumber"));
  const uploadId = context.parsed.params.get("uploadId") ?? "";
  const source = copySource(context);
  const size = await checkSourceConditions(context, source.location, source.key);
  const rangeHeader = headerValue(context.request.headers, "x-amz-copy-source-range");
  let range: { start: number; end: number } | undefined;
  if (rangeHeader !== undefined) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader);
    const start = Number(match?.[1]);
    const end = Number(match?.[2]);
    if (!match || end < start || end >= size) {
      throw new S3Error("InvalidArgument", `x-amz-copy-source-range "${rangeHeader.slice(0, 60)}" is invalid: use bytes=FIRST-LAST within the ${size}-byte source.`, { ArgumentName: "x-amz-copy-source-range" });
    }
    range = { start, end };
  }
  const opened = await context.store.getObject(source.location, source.key, range);
  const part = await context.store.uploadPart(target, context.parsed.key, uploadId, partNumber, iterateStream(opened.body), { maxSize: context.settings.maxObjectSize });
  return xmlResponse(xmlDocument("CopyPartResult", [element("LastModified", part.lastModified.toISOString()), element("ETag", part.etag)]));
};
