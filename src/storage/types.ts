/**
 * The storage interface, in the gateway's own types. The filesystem backend implements it now;
 * a MinIO (any S3 upstream) backend implements it later. Bucket here is the physical location the
 * tenancy layer resolved, never a name taken straight from a request.
 */

/** Physical place of one organization's connector bucket. */
export interface BucketLocation {
  orgId: string;
  bucket: string;
}

/** Standard headers stored with an object and returned on GET and HEAD. */
export interface ContentHeaders {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
}

/** An additional checksum stored with an object and returned when a client asks for it. */
export interface StoredChecksum {
  /** Lowercase algorithm name: crc32, crc32c, crc64nvme, sha1 or sha256. */
  algorithm: string;
  type: "FULL_OBJECT" | "COMPOSITE";
  /** Base64 value as S3 returns it, with the `-<part count>` suffix for composite checksums. */
  value: string;
}

/** Precondition of a conditional write, checked atomically with the commit. */
export interface WriteCondition {
  /** `*`: fail when the key exists. */
  ifNoneMatch?: "*";
  /** Quoted ETag: fail unless the key exists with this ETag. */
  ifMatch?: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  /** Quoted ETag as S3 returns it: `"<md5 hex>"` or `"<md5 of part md5s>-<part count>"`. */
  etag: string;
  lastModified: Date;
  headers: ContentHeaders;
  /** User metadata, names lowercased without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  checksum?: StoredChecksum;
}

/** Inclusive byte range, already validated against the object size. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface WriteOptions {
  headers: ContentHeaders;
  metadata: Record<string, string>;
  /** Writing more bytes than this fails with `EntityTooLarge` and stores nothing. */
  maxSize: number;
  /** Content-MD5 sent by the client; a mismatch fails with `BadDigest` and stores nothing. */
  expectedMd5?: Buffer;
  /** Returns the verified checksum to store; called once the body has been read, before the commit. */
  checksum?: () => StoredChecksum | undefined;
  /** Fails with `PreconditionFailed` and stores nothing when the condition does not hold at commit. */
  condition?: WriteCondition;
  /**
   * Body length the client declared. A backend that forwards the body to another server sends it
   * as Content-Length and streams the body; without it, that backend spools the body first.
   */
  size?: number;
  /** Algorithm of the checksum that `checksum` returns, known before the body is read. */
  checksumAlgorithm?: string;
}

export interface ListOptions {
  prefix: string;
  delimiter?: string;
  /** Only keys strictly greater than this are returned (start-after, marker, continuation). */
  after?: string;
  maxKeys: number;
}

export interface ListResult {
  objects: ObjectInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Last key or common prefix returned; the next page starts after it. */
  lastReturned?: string;
}

export interface CompletedPart {
  partNumber: number;
  /** ETag as the client sent it, quoted or not. */
  etag: string;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
  /** Base64 checksum of the part, in the upload's checksum algorithm. */
  checksum?: string;
}

/** Checksum algorithm and type chosen when a multipart upload is created. */
export interface UploadChecksumConfig {
  algorithm: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

export interface MultipartUploadInfo {
  uploadId: string;
  key: string;
  initiated: Date;
  checksum?: UploadChecksumConfig;
}

export interface ListUploadsOptions {
  prefix: string;
  delimiter?: string;
  /** Uploads of keys after this one, or of this key with an upload id after `uploadIdMarker`. */
  keyMarker?: string;
  uploadIdMarker?: string;
  maxUploads: number;
}

export interface ListUploadsResult {
  uploads: MultipartUploadInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/** Object body as a stream of byte chunks. */
export type ByteSource = AsyncIterable<Uint8Array>;

export interface ObjectStore {
  /**
   * Stores an object. The object is invisible until the body has been fully read and written,
   * then visible whole. When `body` throws, nothing is stored and the error propagates.
   */
  putObject(location: BucketLocation, key: string, body: ByteSource, options: WriteOptions): Promise<ObjectInfo>;
  /** @throws {StorageError} `NoSuchKey`. */
  headObject(location: BucketLocation, key: string): Promise<ObjectInfo>;
  /**
   * Opens an object for reading, the whole of it or one range.
   * @throws {StorageError} `NoSuchKey`.
   */
  getObject(location: BucketLocation, key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: ReadableStream<Uint8Array> }>;
  /** Deletes an object; deleting a missing key succeeds, as in S3. */
  deleteObject(location: BucketLocation, key: string): Promise<void>;
  listObjects(location: BucketLocation, options: ListOptions): Promise<ListResult>;
  /**
   * Copies an object, possibly between buckets of the same organization. `replace` set means the
   * new headers and metadata are used, otherwise the source's are kept.
   * @throws {StorageError} `NoSuchKey` for a missing source.
   */
  copyObject(
    source: BucketLocation,
    sourceKey: string,
    target: BucketLocation,
    targetKey: string,
    replace: { headers: ContentHeaders; metadata: Record<string, string> } | undefined,
  ): Promise<ObjectInfo>;
  createMultipartUpload(
    location: BucketLocation,
    key: string,
    options: Pick<WriteOptions, "headers" | "metadata"> & { checksum?: UploadChecksumConfig },
  ): Promise<string>;
  /** @throws {StorageError} `NoSuchUpload`. */
  describeUpload(location: BucketLocation, key: string, uploadId: string): Promise<MultipartUploadInfo>;
  /** @throws {StorageError} `NoSuchUpload`, `EntityTooLarge`, `BadDigest`. */
  uploadPart(
    location: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: ByteSource,
    options: { maxSize: number; expectedMd5?: Buffer; checksum?: () => string | undefined; size?: number; checksumAlgorithm?: string },
  ): Promise<PartInfo>;
  /**
   * Assembles the listed parts into the object without copying their bytes again.
   * @throws {StorageError} `NoSuchUpload`, `InvalidPart`, `InvalidPartOrder`, `EntityTooSmall`, `EntityTooLarge`.
   */
  completeMultipartUpload(
    location: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPart[],
    options: { maxSize: number; checksum?: (parts: readonly PartInfo[]) => StoredChecksum | undefined; condition?: WriteCondition },
  ): Promise<ObjectInfo>;
  /** @throws {StorageError} `NoSuchUpload`. */
  abortMultipartUpload(location: BucketLocation, key: string, uploadId: string): Promise<void>;
  listParts(location: BucketLocation, key: string, uploadId: string): Promise<PartInfo[]>;
  listMultipartUploads(location: BucketLocation, options: ListUploadsOptions): Promise<ListUploadsResult>;
  close(): Promise<void>;
}
