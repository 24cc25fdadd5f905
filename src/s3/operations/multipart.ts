/**
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload and ListParts.
 */
import { resolveBucket } from "../../tenancy/access.ts";
import type { CompletedPart } from "../../storage/types.ts";
import { readContentHeaders, readUserMetadata } from "../object-headers.ts";
import { xmlResponse, type OperationHandler } from "../operation-context.ts";
import { planRequestBody } from "../request-body.ts";
import { childText, isRecord, readXmlBody } from "../request-xml.ts";
import { S3Error } from "../s3-error.ts";
import { element, xmlDocument } from "../xml.ts";
import { planUpload } from "./put-object.ts";

/** Largest part number S3 allows. */
const maxPartNumber = 10_000;

/** @throws {S3Error} `InvalidArgument` unless the value is a whole number from 1 to 10000. */
export function parsePartNumber(value: string | undefined): number {
  const number = Number(value);
  if (value === undefined || !/^\d{1,5}$/.test(value) || number < 1 || number > maxPartNumber) {
    throw new S3Error("InvalidArgument", `Part number "${(value ?? "").slice(0, 20)}" is invalid: use a whole number from 1 to ${maxPartNumber}.`, { ArgumentName: "partNumber" });
  }
  return number;
}

export const createMultipartUpload: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const uploadId = await context.store.createMultipartUpload(location, context.parsed.key, {
    headers: readContentHeaders(context.request.headers),
    metadata: readUserMetadata(context.request.headers),
  });
  return xmlResponse(
    xmlDocument("InitiateMultipartUploadResult", [element("Bucket", context.parsed.bucket), element("Key", context.parsed.key), element("UploadId", uploadId)]),
  );
};

export const uploadPart: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const partNumber = parsePartNumber(context.parsed.params.get("partNumber"));
  const plan = planUpload(context, context.settings.maxObjectSize);
  const part = await context.store.uploadPart(location, context.parsed.key, context.parsed.params.get("uploadId") ?? "", partNumber, plan.source, {
    maxSize: context.settings.maxObjectSize,
    ...(plan.expectedMd5 ? { expectedMd5: plan.expectedMd5 } : {}),
  });
  return { status: 200, headers: { etag: part.etag } };
};

export const completeMultipartUpload: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const plan = planRequestBody(context.request.headers, context.request.body, context.verified);
  const body = await readXmlBody(plan.source, "CompleteMultipartUpload");
  const partNodes = Array.isArray(body.Part) ? body.Part : [];
  if (partNodes.length === 0) throw new S3Error("MalformedXML", "CompleteMultipartUpload lists no parts: list each uploaded part with its PartNumber and ETag.");
  const parts: CompletedPart[] = partNodes.map((node) => {
    const partNumberText = isRecord(node) ? childText(node, "PartNumber") : undefined;
    const etag = isRecord(node) ? childText(node, "ETag") : undefined;
    if (partNumberText === undefined || etag === undefined) throw new S3Error("MalformedXML", "Each Part must contain PartNumber and ETag.");
    return { partNumber: parsePartNumber(partNumberText.trim()), etag: etag.trim() };
  });
  const info = await context.store.completeMultipartUpload(location, context.parsed.key, context.parsed.params.get("uploadId") ?? "", parts, {
    maxSize: context.settings.maxObjectSize,
  });
  return xmlResponse(
    xmlDocument("CompleteMultipartUploadResult", [
      element("Location", `/${context.parsed.bucket}/${context.parsed.key}`),
      element("Bucket", context.parsed.bucket),
      element("Key", context.parsed.key),
      element("ETag", info.etag),
    ]),
  );
};

export const abortMultipartUpload: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  await context.store.abortMultipartUpload(location, context.parsed.key, context.parsed.params.get("uploadId") ?? "");
  return { status: 204, headers: {} };
};

export const listParts: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const uploadId = context.parsed.params.get("uploadId") ?? "";
  const parts = await context.store.listParts(location, context.parsed.key, uploadId);
  // TODO: part-number-marker and max-parts paging; all parts are returned in one page.
  return xmlResponse(
    xmlDocument("ListPartsResult", [
      element("Bucket", context.parsed.bucket),
      element("Key", context.parsed.key),
      element("UploadId", uploadId),
      element("StorageClass", "STANDARD"),
      element("IsTruncated", false),
      parts.map((part) =>
        element("Part", [element("PartNumber", part.partNumber), element("LastModified", part.lastModified.toISOString()), element("ETag", part.etag), element("Size", part.size)]),
      ),
    ]),
  );
};
