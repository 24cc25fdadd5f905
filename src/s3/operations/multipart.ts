/**
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload and ListParts.
 */
import { resolveBucket } from "../../tenancy/access.ts";
import { headerValue } from "../../sigv4/request.ts";
import type { CompletedPart, ListUploadsResult, PartInfo, StoredChecksum, UploadChecksumConfig } from "../../storage/types.ts";
import { checksumElementName, multipartChecksum, readUploadChecksumConfig } from "../checksum-headers.ts";
import type { ChecksumAlgorithm } from "../checksums.ts";
import { readContentHeaders, readUserMetadata } from "../object-headers.ts";
import { xmlResponse, type OperationContext, type OperationHandler } from "../operation-context.ts";
import { planRequestBody } from "../request-body.ts";
import { childText, isRecord, readXmlBody } from "../request-xml.ts";
import { S3Error } from "../s3-error.ts";
import { element, xmlDocument } from "../xml.ts";
import { planUpload, readWriteCondition } from "./put-object.ts";

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
  const checksum = readUploadChecksumConfig(context.request.headers);
  const uploadId = await context.store.createMultipartUpload(location, context.parsed.key, {
    headers: readContentHeaders(context.request.headers),
    metadata: readUserMetadata(context.request.headers),
    ...(checksum ? { checksum } : {}),
  });
  const headers: Record<string, string> = checksum ? { "x-amz-checksum-algorithm": checksum.algorithm.toUpperCase(), "x-amz-checksum-type": checksum.type } : {};
  return xmlResponse(
    xmlDocument("InitiateMultipartUploadResult", [element("Bucket", context.parsed.bucket), element("Key", context.parsed.key), element("UploadId", uploadId)]),
    200,
    headers,
  );
};

export const uploadPart: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const partNumber = parsePartNumber(context.parsed.params.get("partNumber"));
  const uploadId = context.parsed.params.get("uploadId") ?? "";
  const upload = await context.store.describeUpload(location, context.parsed.key, uploadId);
  const algorithm = upload.checksum?.algorithm as ChecksumAlgorithm | undefined;
  const plan = planUpload(context, context.settings.maxObjectSize, algorithm);
  const part = await context.store.uploadPart(location, context.parsed.key, uploadId, partNumber, plan.source, {
    maxSize: context.settings.maxObjectSize,
    checksum: () => plan.checksum()?.value,
    ...(plan.expectedMd5 ? { expectedMd5: plan.expectedMd5 } : {}),
    ...(plan.declaredLength !== undefined ? { size: plan.declaredLength } : {}),
    ...(plan.checksumAlgorithm ? { checksumAlgorithm: plan.checksumAlgorithm } : {}),
  });
  const verified = plan.checksum();
  return { status: 200, headers: { etag: part.etag, ...(verified ? { [`x-amz-checksum-${verified.algorithm}`]: verified.value } : {}) } };
};

export const completeMultipartUpload: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const plan = planRequestBody(context.request.headers, context.request.body, context.verified);
  const body = await readXmlBody(plan.source, "CompleteMultipartUpload");
  const partNodes = Array.isArray(body.Part) ? body.Part : [];
  if (partNodes.length === 0) throw new S3Error("MalformedXML", "CompleteMultipartUpload lists no parts: list each uploaded part with its PartNumber and ETag.");
  const uploadId = context.parsed.params.get("uploadId") ?? "";
  const upload = await context.store.describeUpload(location, context.parsed.key, uploadId);
  const claimed = new Map<number, string>();
  const parts: CompletedPart[] = partNodes.map((node) => {
    const partNumberText = isRecord(node) ? childText(node, "PartNumber") : undefined;
    const etag = isRecord(node) ? childText(node, "ETag") : undefined;
    if (partNumberText === undefined || etag === undefined) throw new S3Error("MalformedXML", "Each Part must contain PartNumber and ETag.");
    const partNumber = parsePartNumber(partNumberText.trim());
    const partChecksum = upload.checksum && isRecord(node) ? childText(node, checksumElementName(upload.checksum.algorithm)) : undefined;
    if (partChecksum !== undefined) claimed.set(partNumber, partChecksum.trim());
    return { partNumber, etag: etag.trim() };
  });
  const condition = readWriteCondition(context);
  const config = upload.checksum;
  const info = await context.store.completeMultipartUpload(location, context.parsed.key, uploadId, parts, {
    maxSize: context.settings.maxObjectSize,
    ...(condition ? { condition } : {}),
    ...(config ? { checksum: (selected: readonly PartInfo[]) => completedChecksum(context, config, selected, claimed) } : {}),
  });
  return xmlResponse(
    xmlDocument("CompleteMultipartUploadResult", [
      element("Location", `/${context.parsed.bucket}/${context.parsed.key}`),
      element("Bucket", context.parsed.bucket),
      element("Key", context.parsed.key),
      element("ETag", info.etag),
      info.checksum ? [element(checksumElementName(info.checksum.algorithm), info.checksum.value), element("ChecksumType", info.checksum.type)] : undefined,
    ]),
  );
};

/**
 * Checks the part checksums the client listed against the stored ones, then builds the object's
 * checksum and checks it against a full-object checksum header, when sent.
 * @throws {S3Error} `InvalidPart` or `BadDigest`.
 */
function completedChecksum(context: OperationContext, config: UploadChecksumConfig, parts: readonly PartInfo[], claimed: ReadonlyMap<number, string>): StoredChecksum {
  for (const part of parts) {
    const listed = claimed.get(part.partNumber);
    if (listed !== undefined && listed !== part.checksum) {
      throw new S3Error("InvalidPart", `The ${config.algorithm.toUpperCase()} checksum listed for part ${part.partNumber} does not match the uploaded part.`);
    }
  }
  const checksum = multipartChecksum(config, parts);
  const expected = headerValue(context.request.headers, `x-amz-checksum-${config.algorithm}`);
  if (expected !== undefined && expected !== checksum.value && `${expected}-${parts.length}` !== checksum.value) {
    throw new S3Error("BadDigest", `The ${config.algorithm.toUpperCase()} checksum you specified did not match the assembled object.`);
  }
  return checksum;
}

export const abortMultipartUpload: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  await context.store.abortMultipartUpload(location, context.parsed.key, context.parsed.params.get("uploadId") ?? "");
  return { status: 204, headers: {} };
};

function parseWholeNumber(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw new S3Error("InvalidArgument", `${name} "${value.slice(0, 20)}" is invalid: use a whole number from 0 to ${max}.`, { ArgumentName: name });
  return Math.min(Number(value), max);
}

export const listParts: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const uploadId = context.parsed.params.get("uploadId") ?? "";
  const marker = parseWholeNumber(context.parsed.params.get("part-number-marker"), "part-number-marker", 0, maxPartNumber);
  const maxParts = parseWholeNumber(context.parsed.params.get("max-parts"), "max-parts", 1000, 1000);
  const upload = await context.store.describeUpload(location, context.parsed.key, uploadId);
  const remaining = (await context.store.listParts(location, context.parsed.key, uploadId)).filter((part) => part.partNumber > marker);
  const page = remaining.slice(0, maxParts);
  const truncated = remaining.length > page.length;
  const algorithm = upload.checksum?.algorithm;
  return xmlResponse(
    xmlDocument("ListPartsResult", [
      element("Bucket", context.parsed.bucket),
      element("Key", context.parsed.key),
      element("UploadId", uploadId),
      element("PartNumberMarker", marker),
      truncated ? element("NextPartNumberMarker", page.at(-1)?.partNumber ?? marker) : undefined,
      element("MaxParts", maxParts),
      element("StorageClass", "STANDARD"),
      element("IsTruncated", truncated),
      upload.checksum ? [element("ChecksumAlgorithm", upload.checksum.algorithm.toUpperCase()), element("ChecksumType", upload.checksum.type)] : undefined,
      page.map((part) =>
        element("Part", [
          element("PartNumber", part.partNumber),
          element("LastModified", part.lastModified.toISOString()),
          element("ETag", part.etag),
          element("Size", part.size),
          algorithm && part.checksum ? element(checksumElementName(algorithm), part.checksum) : undefined,
        ]),
      ),
    ]),
  );
};

/** Returns the later of the last upload's key and the last common prefix, where the next page starts. */
function lastListedKey(result: ListUploadsResult): string | undefined {
  const lastKey = result.uploads.at(-1)?.key;
  const lastPrefix = result.commonPrefixes.at(-1);
  if (lastPrefix === undefined) return lastKey;
  if (lastKey === undefined) return lastPrefix;
  return lastPrefix > lastKey ? lastPrefix : lastKey;
}

export const listMultipartUploads: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const { params } = context.parsed;
  const prefix = params.get("prefix") ?? "";
  const delimiter = params.get("delimiter") || undefined;
  const keyMarker = params.get("key-marker") || undefined;
  const uploadIdMarker = keyMarker ? params.get("upload-id-marker") || undefined : undefined;
  const maxUploads = parseWholeNumber(params.get("max-uploads"), "max-uploads", 1000, 1000);
  const result = await context.store.listMultipartUploads(location, {
    prefix,
    maxUploads,
    ...(delimiter ? { delimiter } : {}),
    ...(keyMarker ? { keyMarker } : {}),
    ...(uploadIdMarker ? { uploadIdMarker } : {}),
  });
  const nextKeyMarker = result.isTruncated ? lastListedKey(result) : undefined;
  const last = result.uploads.at(-1);
  return xmlResponse(
    xmlDocument("ListMultipartUploadsResult", [
      element("Bucket", context.parsed.bucket),
      element("KeyMarker", keyMarker ?? ""),
      element("UploadIdMarker", uploadIdMarker ?? ""),
      nextKeyMarker !== undefined ? element("NextKeyMarker", nextKeyMarker) : undefined,
      nextKeyMarker !== undefined && nextKeyMarker === last?.key ? element("NextUploadIdMarker", last.uploadId) : undefined,
      element("Prefix", prefix),
      delimiter !== undefined ? element("Delimiter", delimiter) : undefined,
      element("MaxUploads", maxUploads),
      element("IsTruncated", result.isTruncated),
      result.uploads.map((upload) =>
        element("Upload", [
          element("Key", upload.key),
          element("UploadId", upload.uploadId),
          element("Initiator", [element("ID", context.principal.orgId), element("DisplayName", context.principal.orgId)]),
          element("Owner", [element("ID", context.principal.orgId), element("DisplayName", context.principal.orgId)]),
          element("StorageClass", "STANDARD"),
          element("Initiated", upload.initiated.toISOString()),
          upload.checksum ? element("ChecksumAlgorithm", upload.checksum.algorithm.toUpperCase()) : undefined,
        ]),
      ),
      result.commonPrefixes.map((commonPrefix) => element("CommonPrefixes", element("Prefix", commonPrefix))),
    ]),
  );
};
