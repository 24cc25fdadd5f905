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

export interface ObjectInfo {
  key: string;
  size: number;
  /** Quoted ETag as S3 returns it: `"<md5 hex>"` or `"<md5 of part md5s>-<part count>"`. */
  etag: string;
  lastModified: Date;
  headers: ContentHeaders;
  /** User metadata, names lowercased without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
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
}

export interface MultipartUploadInfo {
  uploadId: string;
  key: string;
  initiated: Date;
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
  createMultipartUpload(location: BucketLocation, key: string, options: Omit<WriteOptions, "maxSize" | "expectedMd5">): Promise<string>;
  /** @throws {StorageError} `NoSuchUpload`, `EntityTooLarge`, `BadDigest`. */
  uploadPart(location: BucketLocation, key: string, uploadId: string, partNumber: number, body: ByteSource, options: { maxSize: number; expectedMd5?: Buffer }): Promise<PartInfo>;
  /**
   * Assembles the listed parts into the object without copying their bytes again.
   * @throws {StorageError} `NoSuchUpload`, `InvalidPart`, `InvalidPartOrder`, `EntityTooSmall`, `EntityTooLarge`.
   */
  completeMultipartUpload(location: BucketLocation, key: string, uploadId: string, parts: CompletedPart[], options: { maxSize: number }): Promise<ObjectInfo>;
  /** @throws {StorageError} `NoSuchUpload`. */
  abortMultipartUpload(location: BucketLocation, key: string, uploadId: string): Promise<void>;
  listParts(location: BucketLocation, key: string, uploadId: string): Promise<PartInfo[]>;
  close(): Promise<void>;
}
