/**
 * The key index of the filesystem backend: one SQLite database (`index.sqlite`) that maps
 * (organization, bucket, key) to object metadata and the blob files holding the bytes, and
 * records multipart uploads and their parts. Keys are BLOBs of their UTF-8 bytes, so the
 * primary key order is S3's listing order.
 */
import { Database, type Statement } from "bun:sqlite";
import type { BucketLocation, ContentHeaders, ObjectInfo, StoredChecksum, UploadChecksumConfig } from "../types.ts";
import { decodeKey, encodeKey } from "./key-bytes.ts";

/** One blob file and the number of bytes of the object it holds. */
export interface BlobSegment {
  blobId: string;
  size: number;
}

/** An object row without its segments, as a listing reads it. */
export interface ObjectSummary {
  key: string;
  size: number;
  /** Quoted ETag. */
  etag: string;
  /** Milliseconds since the Unix epoch. */
  lastModified: number;
  headers: ContentHeaders;
  metadata: Record<string, string>;
  checksum?: StoredChecksum;
}

/** An object row: metadata plus the blob segments whose concatenation is the object's bytes. */
export interface ObjectRecord extends ObjectSummary {
  segments: BlobSegment[];
}

/** A multipart upload in progress. */
export interface UploadRecord extends BucketLocation {
  uploadId: string;
  key: string;
  /** Milliseconds since the Unix epoch. */
  initiated: number;
  headers: ContentHeaders;
  metadata: Record<string, string>;
  checksum?: UploadChecksumConfig;
}

/** One uploaded part of a multipart upload. */
export interface PartRecord {
  partNumber: number;
  size: number;
  /** Quoted MD5 hex of the part's bytes. */
  etag: string;
  blobId: string;
  /** Milliseconds since the Unix epoch. */
  lastModified: number;
  /** Base64 checksum in the upload's algorithm. */
  checksum?: string;
}

/** Schema version stored in `PRAGMA user_version`. Raise it with each schema change. */
const schemaVersion = 2;

/** Statements that bring a database of the version in the key up to the next version. */
const upgrades: Record<number, string> = {
  1: `
ALTER TABLE objects ADD COLUMN checksum TEXT;
ALTER TABLE uploads ADD COLUMN checksum TEXT;
ALTER TABLE parts ADD COLUMN checksum TEXT;
CREATE INDEX uploads_by_key ON uploads (org_id, bucket, key, upload_id);
`,
};

const schema = `
CREATE TABLE objects (
  org_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  segments TEXT NOT NULL,
  checksum TEXT,
  PRIMARY KEY (org_id, bucket, key)
) WITHOUT ROWID;
CREATE TABLE uploads (
  upload_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key BLOB NOT NULL,
  initiated INTEGER NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  checksum TEXT
);
CREATE INDEX uploads_by_key ON uploads (org_id, bucket, key, upload_id);
CREATE TABLE parts (
  upload_id TEXT NOT NULL REFERENCES uploads (upload_id),
  part_number INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  blob_id TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  checksum TEXT,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
`;

interface ObjectSummaryRow {
  key: Uint8Array;
  size: number;
  etag: string;
  last_modified: number;
  headers: string;
  metadata: string;
  checksum: string | null;
}

interface ObjectRow extends ObjectSummaryRow {
  segments: string;
}

interface UploadRow {
  upload_id: string;
  org_id: string;
  bucket: string;
  key: Uint8Array;
  initiated: number;
  headers: string;
  metadata: string;
  checksum: string | null;
}

interface PartRow {
  part_number: number;
  size: number;
  etag: string;
  blob_id: string;
  last_modified: number;
  checksum: string | null;
}

const summaryColumns = "key, size, etag, last_modified, headers, metadata, checksum";
const objectColumns = `${summaryColumns}, segments`;

/** Prepared statements, created once per database. */
function prepareStatements(db: Database) {
  return {
    findObject: db.prepare<ObjectRow, [string, string, Uint8Array]>(
      `SELECT ${objectColumns} FROM objects WHERE org_id = ? AND bucket = ? AND key = ?`,
    ),
    scanObjects: db.prepare<ObjectSummaryRow, [string, string, Uint8Array, Uint8Array, number]>(
      `SELECT ${summaryColumns} FROM objects
       WHERE org_id = ? AND bucket = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
    ),
    upsertObject: db.prepare<null, [string, string, Uint8Array, number, string, number, string, string, string | null, string]>(
      `INSERT OR REPLACE INTO objects (org_id, bucket, ${objectColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteObject: db.prepare<null, [string, string, Uint8Array]>(
      "DELETE FROM objects WHERE org_id = ? AND bucket = ? AND key = ?",
    ),
    insertUpload: db.prepare<null, [string, string, string, Uint8Array, number, string, string, string | null]>(
      `INSERT INTO uploads (upload_id, org_id, bucket, key, initiated, headers, metadata, checksum)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    findUpload: db.prepare<UploadRow, [string]>(
      "SELECT upload_id, org_id, bucket, key, initiated, headers, metadata, checksum FROM uploads WHERE upload_id = ?",
    ),
    scanUploads: db.prepare<UploadRow, [string, string, Uint8Array, Uint8Array]>(
      `SELECT upload_id, org_id, bucket, key, initiated, headers, metadata, checksum FROM uploads
       WHERE org_id = ? AND bucket = ? AND key >= ? AND key < ? ORDER BY key, upload_id`,
    ),
    deleteUpload: db.prepare<null, [string]>("DELETE FROM uploads WHERE upload_id = ?"),
    listParts: db.prepare<PartRow, [string]>(
      "SELECT part_number, size, etag, blob_id, last_modified, checksum FROM parts WHERE upload_id = ? ORDER BY part_number",
    ),
    findPart: db.prepare<PartRow, [string, number]>(
      "SELECT part_number, size, etag, blob_id, last_modified, checksum FROM parts WHERE upload_id = ? AND part_number = ?",
    ),
    upsertPart: db.prepare<null, [string, number, number, string, string, number, string | null]>(
      `INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, blob_id, last_modified, checksum)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteParts: db.prepare<null, [string]>("DELETE FROM parts WHERE upload_id = ?"),
    referencedBlobIds: db.prepare<{ blob_id: string }, []>(
      `SELECT json_extract(segment.value, '$.blobId') AS blob_id FROM objects, json_each(objects.segments) AS segment
       UNION ALL SELECT blob_id FROM parts`,
    ),
  };
}

/**
 * Synchronous access to the key index. `bun:sqlite` runs each statement to completion on the
 * calling thread, so a {@link ObjectIndex.transaction} callback is atomic with respect to every
 * other request in this process.
 */
export class ObjectIndex {
  readonly #db: Database;
  readonly #statements: ReturnType<typeof prepareStatements>;

  private constructor(db: Database) {
    this.#db = db;
    this.#statements = prepareStatements(db);
  }

  /**
   * Opens or creates the index at `path` in WAL mode. With `fsync` set, every commit is synced
   * to disk (synchronous FULL). Without it, a power loss may drop the last commits.
   * @throws {Error} when the file was written by a newer schema version.
   */
  static open(path: string, fsync: boolean): ObjectIndex {
    const db = new Database(path, { create: true, strict: true });
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${fsync ? "FULL" : "NORMAL"}`);
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA busy_timeout = 5000");
    migrate(db, path);
    return new ObjectIndex(db);
  }

  /** Runs `work` in an immediate transaction and returns its result. A throw rolls the transaction back. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  findObject(location: BucketLocation, key: string): ObjectRecord | undefined {
    const row = this.#statements.findObject.get(location.orgId, location.bucket, encodeKey(key));
    return row === null ? undefined : toObjectRecord(row);
  }

  /** Returns up to `limit` objects with `from <= key < to` in key byte order, without segments. */
  scanObjects(location: BucketLocation, from: Uint8Array, to: Uint8Array, limit: number): ObjectSummary[] {
    const rows = this.#statements.scanObjects.all(location.orgId, location.bucket, from, to, limit);
    return rows.map(toObjectSummary);
  }

  /** Inserts the object or replaces the row with the same key. */
  upsertObject(location: BucketLocation, record: ObjectRecord): void {
    this.#statements.upsertObject.run(
      location.orgId,
      location.bucket,
      encodeKey(record.key),
      record.size,
      record.etag,
      record.lastModified,
      JSON.stringify(record.headers),
      JSON.stringify(record.metadata),
      record.checksum ? JSON.stringify(record.checksum) : null,
      JSON.stringify(record.segments),
    );
  }

  deleteObject(location: BucketLocation, key: string): void {
    this.#statements.deleteObject.run(location.orgId, location.bucket, encodeKey(key));
  }

  insertUpload(upload: UploadRecord): void {
    this.#statements.insertUpload.run(
      upload.uploadId,
      upload.orgId,
      upload.bucket,
      encodeKey(upload.key),
      upload.initiated,
      JSON.stringify(upload.headers),
      JSON.stringify(upload.metadata),
      upload.checksum ? JSON.stringify(upload.checksum) : null,
    );
  }

  /** Returns the uploads with `from <= key < to`, ordered by key and upload id. */
  scanUploads(location: BucketLocation, from: Uint8Array, to: Uint8Array): UploadRecord[] {
    return this.#statements.scanUploads.all(location.orgId, location.bucket, from, to).map(toUploadRecord);
  }

  findUpload(uploadId: string): UploadRecord | undefined {
    const row = this.#statements.findUpload.get(uploadId);
    return row === null ? undefined : toUploadRecord(row);
  }

  /** Deletes the upload and all its part rows; the caller removes the part blobs. */
  deleteUpload(uploadId: string): void {
    this.#statements.deleteParts.run(uploadId);
    this.#statements.deleteUpload.run(uploadId);
  }

  /** Returns the parts of an upload ordered by part number. */
  listParts(uploadId: string): PartRecord[] {
    return this.#statements.listParts.all(uploadId).map(toPartRecord);
  }

  findPart(uploadId: string, partNumber: number): PartRecord | undefined {
    const row = this.#statements.findPart.get(uploadId, partNumber);
    return row === null ? undefined : toPartRecord(row);
  }

  /** Inserts the part or replaces the row with the same part number. */
  upsertPart(uploadId: string, part: PartRecord): void {
    this.#statements.upsertPart.run(uploadId, part.partNumber, part.size, part.etag, part.blobId, part.lastModified, part.checksum ?? null);
  }

  /** Returns the id of every blob that an object or an uploaded part references. */
  referencedBlobIds(): Set<string> {
    const ids = new Set<string>();
    for (const row of this.#statements.referencedBlobIds.iterate()) ids.add(row.blob_id);
    return ids;
  }

  close(): void {
    this.#db.close();
  }
}

/** Creates the tables in a new database and rejects a database from a newer schema. */
function migrate(db: Database, path: string): void {
  const row = db.prepare<{ user_version: number }, []>("PRAGMA user_version").get();
  const version = row?.user_version ?? 0;
  if (version === schemaVersion) return;
  if (version > 0 && version < schemaVersion) {
    db.transaction(() => {
      for (let from = version; from < schemaVersion; from++) db.exec(upgrades[from] ?? "");
      db.exec(`PRAGMA user_version = ${schemaVersion}`);
    }).immediate();
    return;
  }
  if (version !== 0) {
    throw new Error(
      `Object index ${path} has schema version ${version}, but this build reads version ${schemaVersion}. ` +
        "Run the gateway release that wrote it, or restore a matching backup.",
    );
  }
  db.transaction(() => {
    db.exec(schema);
    db.exec(`PRAGMA user_version = ${schemaVersion}`);
  }).immediate();
}

/** Converts an index row to the `ObjectInfo` shape of the storage interface. */
export function toObjectInfo(summary: ObjectSummary): ObjectInfo {
  return {
    key: summary.key,
    size: summary.size,
    etag: summary.etag,
    lastModified: new Date(summary.lastModified),
    headers: summary.headers,
    metadata: summary.metadata,
    ...(summary.checksum ? { checksum: summary.checksum } : {}),
  };
}

function toObjectSummary(row: ObjectSummaryRow): ObjectSummary {
  return {
    key: decodeKey(row.key),
    size: row.size,
    etag: row.etag,
    lastModified: row.last_modified,
    headers: JSON.parse(row.headers) as ContentHeaders,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ...(row.checksum ? { checksum: JSON.parse(row.checksum) as StoredChecksum } : {}),
  };
}

function toObjectRecord(row: ObjectRow): ObjectRecord {
  return { ...toObjectSummary(row), segments: JSON.parse(row.segments) as BlobSegment[] };
}

function toUploadRecord(row: UploadRow): UploadRecord {
  return {
    uploadId: row.upload_id,
    orgId: row.org_id,
    bucket: row.bucket,
    key: decodeKey(row.key),
    initiated: row.initiated,
    headers: JSON.parse(row.headers) as ContentHeaders,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ...(row.checksum ? { checksum: JSON.parse(row.checksum) as UploadChecksumConfig } : {}),
  };
}

function toPartRecord(row: PartRow): PartRecord {
  return {
    partNumber: row.part_number,
    size: row.size,
    etag: row.etag,
    blobId: row.blob_id,
    lastModified: row.last_modified,
    ...(row.checksum ? { checksum: row.checksum } : {}),
  };
}
