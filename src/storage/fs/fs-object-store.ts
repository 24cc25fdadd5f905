/**
 * The filesystem storage backend: object bytes in blob files named by random ids, and the key
 * index in SQLite, both under one root folder.
 *
 * Layout under the root:
 * - `index.sqlite`: the key index (see `object-index.ts`).
 * - `blobs/<first two hex digits of the id>/<id>`: complete blob files.
 * - `tmp/`: blobs being written; emptied at start.
 *
 * Every write follows the same order: write and sync a temp file, rename it into `blobs/`, sync
 * the folder, commit the index, and only then unlink blobs the commit made unreferenced. A crash
 * at any step leaves either the old or the new object visible, plus files the start-up sweep
 * removes.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../errors.ts";
import type {
  BucketLocation,
  ByteRange,
  ByteSource,
  CompletedPart,
  ContentHeaders,
  ListOptions,
  ListResult,
  ObjectInfo,
  ListUploadsOptions,
  ListUploadsResult,
  MultipartUploadInfo,
  ObjectStore,
  PartInfo,
  StoredChecksum,
  UploadChecksumConfig,
  WriteCondition,
  WriteOptions,
} from "../types.ts";
import { BlobFiles } from "./blob-files.ts";
import { encodeKey, prefixSuccessor } from "./key-bytes.ts";
import { listObjects } from "./listing.ts";
import { multipartEtag, selectCompletedParts } from "./multipart.ts";
import {
  type BlobSegment,
  ObjectIndex,
  type ObjectRecord,
  type PartRecord,
  type UploadRecord,
  toObjectInfo,
} from "./object-index.ts";
import { openSliceStream, sliceSegments } from "./segment-stream.ts";

/** New headers and metadata for a copy, or undefined to keep the source's. */
type HeaderReplacement = { headers: ContentHeaders; metadata: Record<string, string> } | undefined;

/** Settings of {@link openFsObjectStore}. */
export interface FsObjectStoreOptions {
  /** Folder that contains the index and the blob files, such as `<data dir>/objects`. */
  root: string;
  /**
   * Sync file data, folder entries and index commits to disk before a write returns. Turning it
   * off is faster, but a power loss may then lose writes that were already acknowledged.
   */
  fsync: boolean;
}

/**
 * Opens the store at `options.root`, creating it when missing. Before returning it deletes
 * interrupted writes in `tmp/` and blob files that no index row references, so call it before
 * any request is served and never on a root that another process has open.
 */
export async function openFsObjectStore(options: FsObjectStoreOptions): Promise<FsObjectStore> {
  await mkdir(options.root, { recursive: true });
  const files = await BlobFiles.open(options.root, options.fsync);
  const index = ObjectIndex.open(join(options.root, "index.sqlite"), options.fsync);
  try {
    await files.removeOrphans(index.referencedBlobIds());
  } catch (error) {
    index.close();
    throw error;
  }
  return new FsObjectStore(index, files);
}

/**
 * {@link ObjectStore} on the local filesystem, for one process on one machine. Obtain it from
 * {@link openFsObjectStore}.
 */
export class FsObjectStore implements ObjectStore {
  readonly #index: ObjectIndex;
  readonly #files: BlobFiles;

  /** @internal Use {@link openFsObjectStore}, which also cleans up after a crash. */
  constructor(index: ObjectIndex, files: BlobFiles) {
    this.#index = index;
    this.#files = files;
  }

  async putObject(location: BucketLocation, key: string, body: ByteSource, options: WriteOptions): Promise<ObjectInfo> {
    const blob = await this.#files.write(body, options);
    const checksum = options.checksum?.();
    return this.#commitObject(
      location,
      {
        key,
        size: blob.size,
        etag: quoteMd5(blob.md5),
        lastModified: Date.now(),
        headers: options.headers,
        metadata: options.metadata,
        ...(checksum ? { checksum } : {}),
        segments: [{ blobId: blob.blobId, size: blob.size }],
      },
      options.condition,
    );
  }

  async headObject(location: BucketLocation, key: string): Promise<ObjectInfo> {
    return toObjectInfo(this.#requireObject(location, key));
  }

  /**
   * Opens an object for reading. Deleting or replacing the object while the stream is open does
   * not disturb it, because its blobs are unlinked only after the stream ends or is cancelled.
   * Callers must therefore read the stream to the end or cancel it.
   * @throws {StorageError} `NoSuchKey`, or `InvalidRange` when the range does not fit the object.
   */
  async getObject(
    location: BucketLocation,
    key: string,
    range?: ByteRange,
  ): Promise<{ info: ObjectInfo; body: ReadableStream<Uint8Array> }> {
    const record = this.#requireObject(location, key);
    if (range !== undefined) assertRangeFits(range, record.size);
    // Retained in the same synchronous step as the index read, so no delete can unlink the
    // blobs between the read and the open.
    const blobIds = blobIdsOf(record);
    this.#files.retain(blobIds);
    const slices = sliceSegments(record.segments, range);
    const body = await openSliceStream(this.#files, slices, () => this.#files.release(blobIds));
    return { info: toObjectInfo(record), body };
  }

  async deleteObject(location: BucketLocation, key: string): Promise<void> {
    const removed = this.#index.transaction(() => {
      const record = this.#index.findObject(location, key);
      this.#index.deleteObject(location, key);
      return blobIdsOf(record);
    });
    await this.#files.discard(removed);
  }

  async listObjects(location: BucketLocation, options: ListOptions): Promise<ListResult> {
    return listObjects(this.#index, location, options);
  }

  /**
   * Copies an object by copying its blob files. Copying an object onto itself only rewrites its
   * headers and metadata.
   * @throws {StorageError} `NoSuchKey` for a missing source.
   * @throws {Error} when source and target belong to different organizations, which the tenancy
   *   layer must never request.
   */
  async copyObject(
    source: BucketLocation,
    sourceKey: string,
    target: BucketLocation,
    targetKey: string,
    replace: HeaderReplacement,
  ): Promise<ObjectInfo> {
    if (source.orgId !== target.orgId) {
      throw new Error(`Copy from organization "${source.orgId}" to "${target.orgId}" is not allowed.`);
    }
    if (sameObject(source, sourceKey, target, targetKey)) return this.#rewriteHeaders(source, sourceKey, replace);
    const record = this.#requireObject(source, sourceKey);
    const segments = await this.#copySegments(record);
    return this.#commitObject(target, {
      ...record,
      key: targetKey,
      lastModified: Date.now(),
      headers: replace?.headers ?? record.headers,
      metadata: replace?.metadata ?? record.metadata,
      segments,
    });
  }

  async createMultipartUpload(
    location: BucketLocation,
    key: string,
    options: Pick<WriteOptions, "headers" | "metadata"> & { checksum?: UploadChecksumConfig },
  ): Promise<string> {
    const uploadId = randomBytes(24).toString("base64url");
    this.#index.insertUpload({
      ...location,
      uploadId,
      key,
      initiated: Date.now(),
      headers: options.headers,
      metadata: options.metadata,
      ...(options.checksum ? { checksum: options.checksum } : {}),
    });
    return uploadId;
  }

  async describeUpload(location: BucketLocation, key: string, uploadId: string): Promise<MultipartUploadInfo> {
    return toUploadInfo(this.#requireUpload(location, key, uploadId));
  }

  async listMultipartUploads(location: BucketLocation, options: ListUploadsOptions): Promise<ListUploadsResult> {
    const prefix = encodeKey(options.prefix);
    // NOTE: reads every upload under the prefix, which is fine for the handful of uploads a
    // bucket has in flight but not for millions of abandoned ones.
    const candidates = this.#index.scanUploads(location, prefix, prefixSuccessor(prefix)).filter((upload) => isAfterMarker(upload, options));
    const uploads: MultipartUploadInfo[] = [];
    const commonPrefixes: string[] = [];
    for (const upload of candidates) {
      const rolledUp = rollUp(upload.key, options.prefix, options.delimiter);
      if (rolledUp !== undefined) {
        if (commonPrefixes.at(-1) === rolledUp) continue;
        if (uploads.length + commonPrefixes.length >= options.maxUploads) return { uploads, commonPrefixes, isTruncated: true };
        commonPrefixes.push(rolledUp);
        continue;
      }
      if (uploads.length + commonPrefixes.length >= options.maxUploads) return { uploads, commonPrefixes, isTruncated: true };
      uploads.push(toUploadInfo(upload));
    }
    return { uploads, commonPrefixes, isTruncated: false };
  }

  async uploadPart(
    location: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: ByteSource,
    options: { maxSize: number; expectedMd5?: Buffer; checksum?: () => string | undefined },
  ): Promise<PartInfo> {
    // Reject an unknown upload before reading the body.
    this.#requireUpload(location, key, uploadId);
    const blob = await this.#files.write(body, options);
    const checksum = options.checksum?.();
    const part: PartRecord = {
      partNumber,
      size: blob.size,
      etag: quoteMd5(blob.md5),
      blobId: blob.blobId,
      lastModified: Date.now(),
      ...(checksum ? { checksum } : {}),
    };
    const replaced = await this.#commitOrDiscard([blob.blobId], () => {
      // The upload may have been completed or aborted while the body streamed.
      this.#requireUpload(location, key, uploadId);
      const previous = this.#index.findPart(uploadId, partNumber);
      this.#index.upsertPart(uploadId, part);
      return previous === undefined ? [] : [previous.blobId];
    });
    await this.#files.discard(replaced);
    return toPartInfo(part);
  }

  async completeMultipartUpload(
    location: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    options: { maxSize: number; checksum?: (parts: readonly PartInfo[]) => StoredChecksum | undefined; condition?: WriteCondition },
  ): Promise<ObjectInfo> {
    const { record, unused } = this.#index.transaction(() => {
      const upload = this.#requireUpload(location, key, uploadId);
      const uploaded = this.#index.listParts(uploadId);
      const selected = selectCompletedParts(parts, uploaded, options.maxSize);
      const checksum = options.checksum?.(selected.map(toPartInfo));
      const record = { ...assembleObject(upload, selected), ...(checksum ? { checksum } : {}) };
      const replaced = this.#index.findObject(location, key);
      checkCondition(options.condition, replaced, key);
      this.#index.upsertObject(location, record);
      this.#index.deleteUpload(uploadId);
      const assembledBlobIds = new Set(blobIdsOf(record));
      const unlisted = uploaded.map((part) => part.blobId).filter((id) => !assembledBlobIds.has(id));
      return { record, unused: [...unlisted, ...blobIdsOf(replaced)] };
    });
    await this.#files.discard(unused);
    return toObjectInfo(record);
  }

  async abortMultipartUpload(location: BucketLocation, key: string, uploadId: string): Promise<void> {
    const removed = this.#index.transaction(() => {
      this.#requireUpload(location, key, uploadId);
      const parts = this.#index.listParts(uploadId);
      this.#index.deleteUpload(uploadId);
      return parts.map((part) => part.blobId);
    });
    await this.#files.discard(removed);
  }

  /** @throws {StorageError} `NoSuchUpload`. */
  async listParts(location: BucketLocation, key: string, uploadId: string): Promise<PartInfo[]> {
    this.#requireUpload(location, key, uploadId);
    return this.#index.listParts(uploadId).map(toPartInfo);
  }

  /** Closes the index. Streams returned by `getObject` keep reading their open files. */
  async close(): Promise<void> {
    this.#index.close();
  }

  /** Commits an object row and unlinks the blobs of the object it replaced. */
  async #commitObject(location: BucketLocation, record: ObjectRecord, condition?: WriteCondition): Promise<ObjectInfo> {
    const replaced = await this.#commitOrDiscard(blobIdsOf(record), () => {
      const previous = this.#index.findObject(location, record.key);
      checkCondition(condition, previous, record.key);
      this.#index.upsertObject(location, record);
      return blobIdsOf(previous);
    });
    await this.#files.discard(replaced);
    return toObjectInfo(record);
  }

  /** Runs `work` in a transaction. When it throws, unlinks the new blobs it would have referenced. */
  async #commitOrDiscard<T>(newBlobIds: readonly string[], work: () => T): Promise<T> {
    try {
      return this.#index.transaction(work);
    } catch (error) {
      await this.#files.discard(newBlobIds);
      throw error;
    }
  }

  /** Copies each segment's blob, keeping the source blobs from being unlinked meanwhile. */
  async #copySegments(record: ObjectRecord): Promise<BlobSegment[]> {
    const sourceIds = blobIdsOf(record);
    this.#files.retain(sourceIds);
    const copies: BlobSegment[] = [];
    try {
      for (const segment of record.segments) {
        copies.push({ blobId: await this.#files.copy(segment.blobId), size: segment.size });
      }
      return copies;
    } catch (error) {
      await this.#files.discard(copies.map((copy) => copy.blobId));
      throw error;
    } finally {
      await this.#files.release(sourceIds);
    }
  }

  /** Replaces an object's headers and metadata in place, keeping its bytes and ETag. */
  #rewriteHeaders(
    location: BucketLocation,
    key: string,
    replace: HeaderReplacement,
  ): ObjectInfo {
    return this.#index.transaction(() => {
      const record = this.#requireObject(location, key);
      const updated = {
        ...record,
        lastModified: Date.now(),
        headers: replace?.headers ?? record.headers,
        metadata: replace?.metadata ?? record.metadata,
      };
      this.#index.upsertObject(location, updated);
      return toObjectInfo(updated);
    });
  }

  #requireObject(location: BucketLocation, key: string): ObjectRecord {
    const record = this.#index.findObject(location, key);
    if (record === undefined) {
      throw new StorageError(
        "NoSuchKey",
        `No object with key "${key}" exists in bucket "${location.bucket}". Check the key, or list the bucket.`,
      );
    }
    return record;
  }

  /** Returns the upload, which must belong to this organization, bucket and key. */
  #requireUpload(location: BucketLocation, key: string, uploadId: string): UploadRecord {
    const upload = this.#index.findUpload(uploadId);
    const matches =
      upload !== undefined && upload.orgId === location.orgId && upload.bucket === location.bucket && upload.key === key;
    if (!matches) {
      throw new StorageError(
        "NoSuchUpload",
        `Multipart upload "${uploadId}" does not exist for key "${key}" in bucket "${location.bucket}". ` +
          "It may have been completed or aborted, or the ID belongs to another key. Start a new upload.",
      );
    }
    return upload;
  }
}

/** Builds the object row of a completed upload. Its segments are the parts' blobs, not copies. */
function assembleObject(upload: UploadRecord, parts: readonly PartRecord[]): ObjectRecord {
  return {
    key: upload.key,
    size: parts.reduce((sum, part) => sum + part.size, 0),
    etag: multipartEtag(parts),
    lastModified: Date.now(),
    headers: upload.headers,
    metadata: upload.metadata,
    segments: parts.map((part) => ({ blobId: part.blobId, size: part.size })),
  };
}

function assertRangeFits(range: ByteRange, size: number): void {
  const valid = Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end);
  if (!valid || range.start < 0 || range.start > range.end || range.end >= size) {
    throw new StorageError(
      "InvalidRange",
      `The range bytes=${range.start}-${range.end} does not fit an object of ${size} bytes. Request a range inside the object.`,
    );
  }
}

function sameObject(source: BucketLocation, sourceKey: string, target: BucketLocation, targetKey: string): boolean {
  return source.orgId === target.orgId && source.bucket === target.bucket && sourceKey === targetKey;
}

function blobIdsOf(record: ObjectRecord | undefined): string[] {
  return record === undefined ? [] : record.segments.map((segment) => segment.blobId);
}

function quoteMd5(md5: Buffer): string {
  return `"${md5.toString("hex")}"`;
}

function toPartInfo(part: PartRecord): PartInfo {
  return {
    partNumber: part.partNumber,
    size: part.size,
    etag: part.etag,
    lastModified: new Date(part.lastModified),
    ...(part.checksum ? { checksum: part.checksum } : {}),
  };
}

function toUploadInfo(upload: UploadRecord): MultipartUploadInfo {
  return { uploadId: upload.uploadId, key: upload.key, initiated: new Date(upload.initiated), ...(upload.checksum ? { checksum: upload.checksum } : {}) };
}

/**
 * Checks a conditional write against the row it would replace, inside the commit transaction.
 * @throws {StorageError} `PreconditionFailed`.
 */
function checkCondition(condition: WriteCondition | undefined, existing: ObjectRecord | undefined, key: string): void {
  if (condition?.ifNoneMatch === "*" && existing !== undefined) {
    throw new StorageError("PreconditionFailed", `An object with key "${key}" already exists, and If-None-Match: * allows the write only when it does not.`);
  }
  if (condition?.ifMatch !== undefined) {
    const wanted = condition.ifMatch.startsWith('"') ? condition.ifMatch : `"${condition.ifMatch}"`;
    if (existing === undefined || existing.etag !== wanted) {
      throw new StorageError("PreconditionFailed", `The object with key "${key}" does not have the ETag given in If-Match.`);
    }
  }
}

function isAfterMarker(upload: UploadRecord, options: ListUploadsOptions): boolean {
  if (options.keyMarker === undefined) return true;
  if (upload.key !== options.keyMarker) return Buffer.compare(encodeKey(upload.key), encodeKey(options.keyMarker)) > 0;
  return options.uploadIdMarker !== undefined && upload.uploadId > options.uploadIdMarker;
}

function rollUp(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const index = key.indexOf(delimiter, prefix.length);
  return index === -1 ? undefined : key.slice(0, index + delimiter.length);
}
