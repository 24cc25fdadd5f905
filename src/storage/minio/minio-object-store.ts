/**
 * The MinIO storage backend, which works with any S3 upstream: each operation is forwarded to the
 * organization's physical bucket, signed with the organization's own upstream credentials (a
 * MinIO service account whose policy allows only that organization's buckets).
 *
 * Nothing the upstream returns reaches a client as is. Results are rebuilt from parsed values,
 * upstream errors become {@link StorageError} kinds with this gateway's own messages, and any
 * other upstream failure becomes an {@link UpstreamError}, which the S3 layer turns into
 * `InternalError` and logs. So physical bucket names, upstream request ids and upstream messages
 * stay out of responses.
 */
import type { IncomingHttpHeaders } from "node:http";
import { escapeXml } from "../../s3/xml.ts";
import { StorageError, type StorageErrorKind } from "../errors.ts";
import { selectCompletedParts } from "../fs/multipart.ts";
import type {
  BucketLocation,
  ByteRange,
  ByteSource,
  CompletedPart,
  ContentHeaders,
  ListOptions,
  ListResult,
  ListUploadsOptions,
  ListUploadsResult,
  MultipartUploadInfo,
  ObjectInfo,
  ObjectStore,
  PartInfo,
  StoredChecksum,
  UploadChecksumConfig,
  WriteCondition,
  WriteOptions,
} from "../types.ts";
import { chunkedLength, encodeWithTrailer, isTrailerAlgorithm, limitBody, spoolBody } from "./request-body.ts";
import { headerText, readLimited, responseStream, type UpstreamBody, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from "./upstream-client.ts";
import { encodePath, type UpstreamCredentials } from "./upstream-signing.ts";
import { childList, childText, errorCode, listedKeyDecoder, parseDocument } from "./upstream-xml.ts";

/** Physical bucket and credentials of one connector bucket. */
export interface UpstreamRoute {
  bucket: string;
  credentials: UpstreamCredentials;
}

/** Resolves where a connector bucket lives upstream; provisions it first when needed. */
export interface UpstreamRouter {
  route(location: BucketLocation): Promise<UpstreamRoute>;
}

/** The checksum of a body, known once the body has been read. */
type BodyChecksum = () => { algorithm: string; value: string } | undefined;

/** An upstream response with no {@link StorageError} meaning. Its details go to the log only. */
export class UpstreamError extends Error {
  readonly status: number;
  readonly upstreamCode: string | undefined;

  constructor(operation: string, status: number, upstreamCode: string | undefined, options?: ErrorOptions) {
    super(`The storage upstream answered ${operation} with HTTP ${status}${upstreamCode ? ` ${upstreamCode}` : ""}.`, options);
    this.name = "UpstreamError";
    this.status = status;
    this.upstreamCode = upstreamCode;
  }
}

/** Upstream error codes that mean the same as a storage error kind. */
const passedThroughCodes = new Set<string>(["NoSuchKey", "NoSuchUpload", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge", "BadDigest", "InvalidRange", "PreconditionFailed"]);

const checksumCodes = new Set<string>(["XAmzContentChecksumMismatch", "InvalidChecksum", "BadChecksum"]);

const contentHeaderNames: readonly [keyof ContentHeaders, string][] = [
  ["contentType", "content-type"],
  ["contentEncoding", "content-encoding"],
  ["contentDisposition", "content-disposition"],
  ["contentLanguage", "content-language"],
  ["cacheControl", "cache-control"],
  ["expires", "expires"],
];

const checksumHeaderAlgorithms = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const;

/** Uploads this process created or looked up, kept so that each part needs no upload listing. */
const maxRememberedUploads = 10_000;

/** {@link ObjectStore} over an S3 upstream. */
export class MinioObjectStore implements ObjectStore {
  readonly #client: UpstreamClient;
  readonly #router: UpstreamRouter;
  readonly #uploads = new Map<string, { orgId: string; bucket: string; info: MultipartUploadInfo }>();

  constructor(client: UpstreamClient, router: UpstreamRouter) {
    this.#client = client;
    this.#router = router;
  }

  async putObject(location: BucketLocation, key: string, body: ByteSource, options: WriteOptions): Promise<ObjectInfo> {
    const route = await this.#router.route(location);
    const headers = { ...writeHeaders(options.headers, options.metadata), ...conditionHeaders(options.condition) };
    if (options.expectedMd5) headers["content-md5"] = options.expectedMd5.toString("base64");
    const { response, length } = await this.#sendWithBody(route, { method: "PUT", bucket: route.bucket, key, headers }, body, options, () => options.checksum?.());
    await expectStatus(response, [200], "PutObject", { location, key });
    const checksum = options.checksum?.();
    return {
      key,
      size: length,
      etag: headerText(response.headers, "etag") ?? "",
      lastModified: new Date(),
      headers: options.headers,
      metadata: options.metadata,
      ...(checksum ? { checksum } : {}),
    };
  }

  async headObject(location: BucketLocation, key: string): Promise<ObjectInfo> {
    const route = await this.#router.route(location);
    const response = await this.#client.send({ method: "HEAD", bucket: route.bucket, key, headers: { "x-amz-checksum-mode": "ENABLED" } }, route.credentials);
    response.message.resume();
    if (response.status === 404) throw noSuchKey(location, key);
    await expectStatus(response, [200], "HeadObject", { location, key });
    return objectInfoFrom(key, response.headers, Number(headerText(response.headers, "content-length") ?? 0));
  }

  async getObject(location: BucketLocation, key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: ReadableStream<Uint8Array> }> {
    const route = await this.#router.route(location);
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : { "x-amz-checksum-mode": "ENABLED" };
    const response = await this.#client.send({ method: "GET", bucket: route.bucket, key, headers }, route.credentials);
    await expectStatus(response, range ? [206] : [200], "GetObject", { location, key });
    const contentRange = headerText(response.headers, "content-range");
    const size = range ? Number(/\/(\d+)$/.exec(contentRange ?? "")?.[1] ?? Number.NaN) : Number(headerText(response.headers, "content-length") ?? Number.NaN);
    if (!Number.isSafeInteger(size)) {
      response.message.destroy();
      throw new UpstreamError("GetObject without a usable length", response.status, undefined);
    }
    return { info: objectInfoFrom(key, response.headers, size), body: responseStream(response.message) };
  }

  async deleteObject(location: BucketLocation, key: string): Promise<void> {
    const route = await this.#router.route(location);
    const response = await this.#client.sendForDocument({ method: "DELETE", bucket: route.bucket, key }, route.credentials);
    if (response.status === 204 || response.status === 200) return;
    if (response.status === 404 && errorCode(response.body.toString("utf8")) === "NoSuchKey") return;
    throw failure("DeleteObject", response.status, response.body, { location, key });
  }

  async listObjects(location: BucketLocation, options: ListOptions): Promise<ListResult> {
    const route = await this.#router.route(location);
    const skipPrefix = options.after !== undefined && isCommonPrefix(options.after, options.prefix, options.delimiter) ? options.after : undefined;
    // A page that starts after a common prefix returns that prefix once more, so ask for one extra entry.
    const upstreamMax = Math.min(1000, options.maxKeys + (skipPrefix ? 1 : 0));
    const query: [string, string][] = [
      ["list-type", "2"],
      ["encoding-type", "url"],
      ["prefix", options.prefix],
      ["max-keys", String(upstreamMax)],
    ];
    if (options.delimiter !== undefined) query.push(["delimiter", options.delimiter]);
    if (options.after !== undefined) query.push(["start-after", options.after]);
    const response = await this.#client.sendForDocument({ method: "GET", bucket: route.bucket, query }, route.credentials);
    if (response.status !== 200) throw failure("ListObjectsV2", response.status, response.body, { location });
    const result = parseDocument(response.body.toString("utf8"), "ListBucketResult");
    const decodeListedKey = listedKeyDecoder(result);
    const objects: ObjectInfo[] = childList(result, "Contents").map((entry) => ({
      key: decodeListedKey(childText(entry, "Key") ?? ""),
      size: Number(childText(entry, "Size") ?? 0),
      etag: childText(entry, "ETag") ?? "",
      lastModified: new Date(childText(entry, "LastModified") ?? 0),
      headers: {},
      metadata: {},
    }));
    const prefixes = childList(result, "CommonPrefixes")
      .map((entry) => decodeListedKey(childText(entry, "Prefix") ?? ""))
      .filter((prefix) => prefix !== skipPrefix);
    return mergeListing(objects, prefixes, options.maxKeys, childText(result, "IsTruncated") === "true");
  }

  async copyObject(
    source: BucketLocation,
    sourceKey: string,
    target: BucketLocation,
    targetKey: string,
    replace: { headers: ContentHeaders; metadata: Record<string, string> } | undefined,
  ): Promise<ObjectInfo> {
    if (source.orgId !== target.orgId) throw new Error(`Copy from organization "${source.orgId}" to "${target.orgId}" is not allowed.`);
    const sourceRoute = await this.#router.route(source);
    const targetRoute = await this.#router.route(target);
    const headers: Record<string, string> = {
      "x-amz-copy-source": encodePath(sourceRoute.bucket, sourceKey),
      "x-amz-metadata-directive": replace ? "REPLACE" : "COPY",
      ...(replace ? writeHeaders(replace.headers, replace.metadata) : {}),
    };
    const response = await this.#client.sendForDocument({ method: "PUT", bucket: targetRoute.bucket, key: targetKey, headers }, targetRoute.credentials);
    // S3 can report a copy failure in the body of a 200 response.
    if (response.status !== 200 || errorCode(response.body.toString("utf8")) !== undefined) {
      throw failure("CopyObject", response.status, response.body, { location: source, key: sourceKey });
    }
    return this.headObject(target, targetKey);
  }

  async createMultipartUpload(
    location: BucketLocation,
    key: string,
    options: Pick<WriteOptions, "headers" | "metadata"> & { checksum?: UploadChecksumConfig },
  ): Promise<string> {
    const route = await this.#router.route(location);
    const headers = writeHeaders(options.headers, options.metadata);
    if (options.checksum) {
      headers["x-amz-checksum-algorithm"] = options.checksum.algorithm.toUpperCase();
      headers["x-amz-checksum-type"] = options.checksum.type;
    }
    const response = await this.#client.sendForDocument({ method: "POST", bucket: route.bucket, key, query: [["uploads", ""]], headers }, route.credentials);
    if (response.status !== 200) throw failure("CreateMultipartUpload", response.status, response.body, { location, key });
    const uploadId = childText(parseDocument(response.body.toString("utf8"), "InitiateMultipartUploadResult"), "UploadId");
    if (!uploadId) throw new UpstreamError("CreateMultipartUpload without an upload id", response.status, undefined);
    this.#rememberUpload(location, { uploadId, key, initiated: new Date(), ...(options.checksum ? { checksum: options.checksum } : {}) });
    return uploadId;
  }

  /** Looks the upload up in the upstream's upload listing, unless this process created or saw it. */
  async describeUpload(location: BucketLocation, key: string, uploadId: string): Promise<MultipartUploadInfo> {
    const remembered = this.#uploads.get(uploadId);
    if (remembered && remembered.orgId === location.orgId && remembered.bucket === location.bucket && remembered.info.key === key) return remembered.info;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.listMultipartUploads(location, { prefix: key, maxUploads: 1000, ...(keyMarker !== undefined ? { keyMarker } : {}), ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}) });
      const found = page.uploads.find((upload) => upload.uploadId === uploadId && upload.key === key);
      if (found) {
        this.#rememberUpload(location, found);
        return found;
      }
      const last = page.uploads.at(-1);
      if (!page.isTruncated || last === undefined || last.key !== key) throw noSuchUpload(location, key, uploadId);
      keyMarker = last.key;
      uploadIdMarker = last.uploadId;
    }
  }

  async uploadPart(
    location: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: ByteSource,
    options: { maxSize: number; expectedMd5?: Buffer; checksum?: () => string | undefined; size?: number; checksumAlgorithm?: string },
  ): Promise<PartInfo> {
    const route = await this.#router.route(location);
    const algorithm = options.checksum ? (options.checksumAlgorithm ?? (await this.describeUpload(location, key, uploadId)).checksum?.algorithm) : undefined;
    const headers: Record<string, string> = {};
    if (options.expectedMd5) headers["content-md5"] = options.expectedMd5.toString("base64");
    const query: [string, string][] = [
      ["partNumber", String(partNumber)],
      ["uploadId", uploadId],
    ];
    const request: UpstreamRequest = { method: "PUT", bucket: route.bucket, key, query, headers };
    const partChecksum: BodyChecksum = () => {
      const value = options.checksum?.();
      return value !== undefined && algorithm !== undefined ? { algorithm, value } : undefined;
    };
    const { response, length } = await this.#sendWithBody(route, request, body, { ...options, ...(algorithm ? { checksumAlgorithm: algorithm } : {}) }, partChecksum);
    await expectStatus(response, [200], "UploadPart", { location, key, uploadId });
    const checksum = options.checksum?.();
    return {
      partNumber,
      size: length,
      etag: headerText(response.headers, "etag") ?? "",
      lastModified: new Date(),
      ...(checksum !== undefined ? { checksum } : {}),
    };
  }

  async completeMultipartUpload(
    location: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    options: { maxSize: number; checksum?: (parts: readonly PartInfo[]) => StoredChecksum | undefined; condition?: WriteCondition },
  ): Promise<ObjectInfo> {
    const route = await this.#router.route(location);
    const uploaded = await this.listParts(location, key, uploadId);
    // The same rules and messages as the filesystem backend, checked before the upstream assembles anything.
    // The upstream computes the object's checksum from the parts', so options.checksum is not needed.
    const selectedNumbers = new Set(
      selectCompletedParts(
        parts,
        uploaded.map((part) => ({ ...part, blobId: "", lastModified: part.lastModified.getTime() })),
        options.maxSize,
      ).map((part) => part.partNumber),
    );
    const selected = uploaded.filter((part) => selectedNumbers.has(part.partNumber));
    const algorithm = (await this.describeUpload(location, key, uploadId)).checksum?.algorithm;
    const body = completeBody(selected, algorithm);
    const headers = { "content-type": "application/xml", ...conditionHeaders(options.condition) };
    const response = await this.#client.sendForDocument({ method: "POST", bucket: route.bucket, key, query: [["uploadId", uploadId]], headers, body }, route.credentials);
    if (response.status !== 200 || errorCode(response.body.toString("utf8")) !== undefined) {
      throw failure("CompleteMultipartUpload", response.status, response.body, { location, key, uploadId });
    }
    this.#uploads.delete(uploadId);
    return this.headObject(location, key);
  }

  async abortMultipartUpload(location: BucketLocation, key: string, uploadId: string): Promise<void> {
    const route = await this.#router.route(location);
    const response = await this.#client.sendForDocument({ method: "DELETE", bucket: route.bucket, key, query: [["uploadId", uploadId]] }, route.credentials);
    if (response.status !== 204 && response.status !== 200) throw failure("AbortMultipartUpload", response.status, response.body, { location, key, uploadId });
    this.#uploads.delete(uploadId);
  }

  async listParts(location: BucketLocation, key: string, uploadId: string): Promise<PartInfo[]> {
    const route = await this.#router.route(location);
    const parts: PartInfo[] = [];
    let marker = "0";
    for (;;) {
      const query: [string, string][] = [
        ["uploadId", uploadId],
        ["max-parts", "1000"],
        ["part-number-marker", marker],
      ];
      const response = await this.#client.sendForDocument({ method: "GET", bucket: route.bucket, key, query }, route.credentials);
      if (response.status !== 200) throw failure("ListParts", response.status, response.body, { location, key, uploadId });
      const result = parseDocument(response.body.toString("utf8"), "ListPartsResult");
      for (const part of childList(result, "Part")) parts.push(partInfoFrom(part));
      const next = childText(result, "NextPartNumberMarker");
      if (childText(result, "IsTruncated") !== "true" || next === undefined || next === marker) return parts;
      marker = next;
    }
  }

  async listMultipartUploads(location: BucketLocation, options: ListUploadsOptions): Promise<ListUploadsResult> {
    const route = await this.#router.route(location);
    const query: [string, string][] = [
      ["uploads", ""],
      ["encoding-type", "url"],
      ["prefix", options.prefix],
      ["max-uploads", String(Math.min(1000, options.maxUploads))],
    ];
    if (options.delimiter !== undefined) query.push(["delimiter", options.delimiter]);
    if (options.keyMarker !== undefined) query.push(["key-marker", options.keyMarker]);
    if (options.uploadIdMarker !== undefined) query.push(["upload-id-marker", options.uploadIdMarker]);
    const response = await this.#client.sendForDocument({ method: "GET", bucket: route.bucket, query }, route.credentials);
    if (response.status !== 200) throw failure("ListMultipartUploads", response.status, response.body, { location });
    const result = parseDocument(response.body.toString("utf8"), "ListMultipartUploadsResult");
    const decodeListedKey = listedKeyDecoder(result);
    const uploads = childList(result, "Upload").map((upload): MultipartUploadInfo => {
      const algorithm = childText(upload, "ChecksumAlgorithm");
      const type = childText(upload, "ChecksumType");
      return {
        uploadId: childText(upload, "UploadId") ?? "",
        key: decodeListedKey(childText(upload, "Key") ?? ""),
        initiated: new Date(childText(upload, "Initiated") ?? 0),
        ...(algorithm ? { checksum: { algorithm: algorithm.toLowerCase(), type: type === "FULL_OBJECT" ? "FULL_OBJECT" : "COMPOSITE" } } : {}),
      };
    });
    return {
      uploads,
      commonPrefixes: childList(result, "CommonPrefixes").map((entry) => decodeListedKey(childText(entry, "Prefix") ?? "")),
      isTruncated: childText(result, "IsTruncated") === "true",
    };
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  /**
   * Sends a write with its body: streamed when its length is declared (with the checksum as a
   * trailer when its algorithm is known), or written to a temporary file first when it is not.
   * @returns the response and the payload length sent.
   */
  async #sendWithBody(
    route: UpstreamRoute,
    request: UpstreamRequest,
    body: ByteSource,
    options: { maxSize: number; size?: number; checksumAlgorithm?: string },
    checksum: BodyChecksum,
  ): Promise<{ response: UpstreamResponse; length: number }> {
    const algorithm = options.checksumAlgorithm;
    const headers = { ...request.headers };
    if (options.size !== undefined) {
      if (options.size > options.maxSize) {
        throw new StorageError("EntityTooLarge", `The body is ${options.size} bytes, above the maximum of ${options.maxSize} bytes. Use a multipart upload.`);
      }
      let upstreamBody: UpstreamBody = { stream: limitBody(body, options.size), length: options.size };
      if (algorithm !== undefined && isTrailerAlgorithm(algorithm)) {
        headers["content-encoding"] = "aws-chunked";
        headers["x-amz-decoded-content-length"] = String(options.size);
        headers["x-amz-trailer"] = `x-amz-checksum-${algorithm}`;
        upstreamBody = {
          stream: encodeWithTrailer(limitBody(body, options.size), algorithm, () => checksum()?.value),
          length: chunkedLength(options.size, algorithm),
          payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        };
      }
      const response = await this.#client.send({ ...request, headers, body: upstreamBody }, route.credentials);
      return { response, length: options.size };
    }
    const spooled = await spoolBody(body, options.maxSize);
    try {
      const known = checksum();
      if (known !== undefined) headers[`x-amz-checksum-${known.algorithm}`] = known.value;
      const response = await this.#client.send({ ...request, headers, body: { stream: spooled.open(), length: spooled.length } }, route.credentials);
      return { response, length: spooled.length };
    } finally {
      await spooled.remove();
    }
  }

  #rememberUpload(location: BucketLocation, info: MultipartUploadInfo): void {
    if (this.#uploads.size >= maxRememberedUploads) {
      const oldest = this.#uploads.keys().next().value;
      if (oldest !== undefined) this.#uploads.delete(oldest);
    }
    this.#uploads.set(info.uploadId, { orgId: location.orgId, bucket: location.bucket, info });
  }
}

/** Headers that store content headers and user metadata with a write. */
function writeHeaders(headers: ContentHeaders, metadata: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [field, name] of contentHeaderNames) {
    const value = headers[field];
    if (value !== undefined) result[name] = value;
  }
  // Without a type, S3 stores binary/octet-stream, while some S3 servers guess one from the key.
  result["content-type"] ??= "binary/octet-stream";
  for (const [name, value] of Object.entries(metadata)) result[`x-amz-meta-${name}`] = value;
  return result;
}

function conditionHeaders(condition: WriteCondition | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (condition?.ifNoneMatch) headers["if-none-match"] = condition.ifNoneMatch;
  if (condition?.ifMatch) headers["if-match"] = condition.ifMatch;
  return headers;
}

function objectInfoFrom(key: string, headers: IncomingHttpHeaders, size: number): ObjectInfo {
  const content: ContentHeaders = {};
  for (const [field, name] of contentHeaderNames) {
    const value = headerText(headers, name);
    if (value !== undefined) content[field] = value;
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) metadata[name.slice("x-amz-meta-".length)] = Array.isArray(value) ? value.join(",") : value;
  }
  const info: ObjectInfo = {
    key,
    size,
    etag: headerText(headers, "etag") ?? "",
    lastModified: new Date(headerText(headers, "last-modified") ?? 0),
    headers: content,
    metadata,
  };
  for (const algorithm of checksumHeaderAlgorithms) {
    const value = headerText(headers, `x-amz-checksum-${algorithm}`);
    if (value === undefined) continue;
    const type = headerText(headers, "x-amz-checksum-type") ?? (value.includes("-") ? "COMPOSITE" : "FULL_OBJECT");
    info.checksum = { algorithm, type: type === "COMPOSITE" ? "COMPOSITE" : "FULL_OBJECT", value };
    break;
  }
  return info;
}

function partInfoFrom(part: Record<string, unknown>): PartInfo {
  const info: PartInfo = {
    partNumber: Number(childText(part, "PartNumber") ?? 0),
    size: Number(childText(part, "Size") ?? 0),
    etag: childText(part, "ETag") ?? "",
    lastModified: new Date(childText(part, "LastModified") ?? 0),
  };
  for (const algorithm of checksumHeaderAlgorithms) {
    const value = childText(part, `Checksum${algorithm.toUpperCase()}`);
    if (value !== undefined) info.checksum = value;
  }
  return info;
}

function completeBody(parts: readonly PartInfo[], algorithm: string | undefined): Buffer {
  const checksumElement = algorithm ? `Checksum${algorithm.toUpperCase()}` : undefined;
  const items = parts.map((part) => {
    const checksum = checksumElement && part.checksum ? `<${checksumElement}>${escapeXml(part.checksum)}</${checksumElement}>` : "";
    return `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag>${checksum}</Part>`;
  });
  return Buffer.from(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join("")}</CompleteMultipartUpload>`, "utf8");
}

/**
 * Checks whether `after` is a common prefix of a delimited listing rather than a key: it lies
 * under `prefix`, and the first delimiter after the prefix ends it.
 */
function isCommonPrefix(after: string, prefix: string, delimiter: string | undefined): boolean {
  if (delimiter === undefined || delimiter === "" || !after.startsWith(prefix)) return false;
  const rest = after.slice(prefix.length);
  const index = rest.indexOf(delimiter);
  return index !== -1 && index + delimiter.length === rest.length;
}

/** Merges keys and common prefixes in S3 order (UTF-8 bytes) and keeps the first `maxKeys`. */
function mergeListing(objects: ObjectInfo[], prefixes: string[], maxKeys: number, upstreamTruncated: boolean): ListResult {
  const entries = [...objects.map((object) => ({ name: object.key, object })), ...prefixes.map((prefix) => ({ name: prefix, object: undefined }))];
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name, "utf8"), Buffer.from(b.name, "utf8")));
  const kept = entries.slice(0, maxKeys);
  const last = kept.at(-1);
  return {
    objects: kept.flatMap((entry) => (entry.object ? [entry.object] : [])),
    commonPrefixes: kept.flatMap((entry) => (entry.object ? [] : [entry.name])),
    isTruncated: upstreamTruncated || entries.length > maxKeys,
    ...(last ? { lastReturned: last.name } : {}),
  };
}

interface FailureContext {
  location: BucketLocation;
  key?: string;
  uploadId?: string;
}

function noSuchKey(location: BucketLocation, key: string): StorageError {
  return new StorageError("NoSuchKey", `No object with key "${key}" exists in bucket "${location.bucket}". Check the key, or list the bucket.`);
}

function noSuchUpload(location: BucketLocation, key: string, uploadId: string): StorageError {
  return new StorageError(
    "NoSuchUpload",
    `Multipart upload "${uploadId}" does not exist for key "${key}" in bucket "${location.bucket}". It may have been completed or aborted, or the ID belongs to another key. Start a new upload.`,
  );
}

/** Messages for the upstream codes that keep their meaning; written here, never copied from the upstream. */
function storageErrorFor(kind: StorageErrorKind, context: FailureContext): StorageError {
  const key = context.key ?? "";
  switch (kind) {
    case "NoSuchKey":
      return noSuchKey(context.location, key);
    case "NoSuchUpload":
      return noSuchUpload(context.location, key, context.uploadId ?? "");
    case "InvalidPart":
      return new StorageError("InvalidPart", "One of the listed parts was not uploaded, or its ETag does not match. Send the ETags that UploadPart returned.");
    case "InvalidPartOrder":
      return new StorageError("InvalidPartOrder", "The parts are not listed in ascending order of part number. List each part once, in order.");
    case "EntityTooSmall":
      return new StorageError("EntityTooSmall", "Every part except the last must be at least 5 MiB. Upload larger parts.");
    case "EntityTooLarge":
      return new StorageError("EntityTooLarge", "The object is larger than the storage allows. Send a smaller object.");
    case "BadDigest":
      return new StorageError("BadDigest", "The Content-MD5 or checksum does not match the body that was received. Send the body again.");
    case "InvalidRange":
      return new StorageError("InvalidRange", `The requested range does not fit the object "${key}". Request a range inside the object.`);
    case "PreconditionFailed":
      return new StorageError("PreconditionFailed", `The condition of the write to "${key}" does not hold. Read the object again and retry.`);
    case "InvalidArgument":
      return new StorageError(
        "InvalidArgument",
        `The storage cannot hold an object named "${key}": MinIO rejects keys with empty, "." or ".." path segments. Pick another key.`,
      );
  }
}

/** MinIO's codes for object and resource names it cannot store; retrying cannot help, so they are client errors. */
const invalidNameCodes = new Set(["XMinioInvalidObjectName", "XMinioInvalidResourceName"]);

/** Turns a failed upstream response into a {@link StorageError} or an {@link UpstreamError}. */
function failure(operation: string, status: number, body: Buffer, context: FailureContext): Error {
  const code = errorCode(body.toString("utf8"));
  if (code !== undefined && passedThroughCodes.has(code)) return storageErrorFor(code as StorageErrorKind, context);
  if (code !== undefined && checksumCodes.has(code)) return storageErrorFor("BadDigest", context);
  if (code !== undefined && invalidNameCodes.has(code)) return storageErrorFor("InvalidArgument", context);
  if (code === undefined && status === 412) return storageErrorFor("PreconditionFailed", context);
  if (code === undefined && status === 416) return storageErrorFor("InvalidRange", context);
  return new UpstreamError(operation, status, code);
}

/** Checks a streamed response's status; on failure reads its error body and throws. */
async function expectStatus(response: UpstreamResponse, expected: number[], operation: string, context: FailureContext): Promise<void> {
  if (expected.includes(response.status)) return;
  const body = response.message.readableEnded ? Buffer.alloc(0) : await readLimited(response.message);
  throw failure(operation, response.status, body, context);
}
