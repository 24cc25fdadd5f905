/**
 * Blob files: the bytes of objects and parts, in files named by a random id under `blobs/`,
 * never by a key or bucket name. A blob is written under `tmp/`, synced, then renamed into
 * place, so a blob file in `blobs/` is always complete.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, mkdir, open, readdir, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { ByteSource } from "../types.ts";
import { type BodyLimits, type WrittenBody, writeBody } from "./body-writer.ts";

/** A blob that was written and moved into place. */
export interface WrittenBlob extends WrittenBody {
  blobId: string;
}

const blobIdPattern = /^[0-9a-f]{32}$/;

/**
 * The `blobs/` and `tmp/` folders under one root. It also tracks blobs that open readers still
 * use, so that deleting an object while it is being read defers the unlink until the read ends.
 */
export class BlobFiles {
  readonly #blobsDir: string;
  readonly #tempDir: string;
  readonly #fsync: boolean;
  /** Blob id to the number of readers (GET streams, copies) currently using it. */
  readonly #readers = new Map<string, number>();
  /** Blobs no longer in the index whose unlink waits for their last reader. */
  readonly #unlinkWhenReleased = new Set<string>();

  private constructor(root: string, fsync: boolean) {
    this.#blobsDir = join(root, "blobs");
    this.#tempDir = join(root, "tmp");
    this.#fsync = fsync;
  }

  /**
   * Creates the folders under `root` when missing and empties `tmp/`, which only contains
   * writes that a crash interrupted.
   */
  static async open(root: string, fsync: boolean): Promise<BlobFiles> {
    const files = new BlobFiles(root, fsync);
    await rm(files.#tempDir, { recursive: true, force: true });
    await mkdir(files.#tempDir, { recursive: true });
    await files.#createShards();
    if (fsync) {
      await syncPath(files.#blobsDir);
      await syncPath(root);
    }
    return files;
  }

  /** Returns the path of a blob file. @throws {Error} for an id that this class did not create. */
  path(blobId: string): string {
    if (!blobIdPattern.test(blobId)) throw new Error(`Invalid blob id "${blobId}" in the object index.`);
    return join(this.#blobsDir, blobId.slice(0, 2), blobId);
  }

  /**
   * Streams `body` into a new blob and returns its id, size and MD5. On any failure, including
   * an error thrown by `body` (which propagates unchanged), no file is left behind.
   * @throws {StorageError} `EntityTooLarge`, `BadDigest`.
   */
  async write(body: ByteSource, limits: BodyLimits): Promise<WrittenBlob> {
    const tempPath = this.#newTempPath();
    try {
      const written = await this.#writeTemp(tempPath, body, limits);
      const blobId = await this.#moveIntoPlace(tempPath);
      return { blobId, ...written };
    } catch (error) {
      await removeQuietly(tempPath);
      throw error;
    }
  }

  /** Copies a blob into a new blob file and returns the new id. */
  async copy(sourceId: string): Promise<string> {
    const tempPath = this.#newTempPath();
    try {
      await copyFile(this.path(sourceId), tempPath, constants.COPYFILE_EXCL);
      if (this.#fsync) await syncPath(tempPath);
      return await this.#moveIntoPlace(tempPath);
    } catch (error) {
      await removeQuietly(tempPath);
      throw error;
    }
  }

  /** Marks blobs as in use by a reader. Pair every call with {@link release}. */
  retain(blobIds: readonly string[]): void {
    for (const id of blobIds) this.#readers.set(id, (this.#readers.get(id) ?? 0) + 1);
  }

  /** Ends one reader's use of the blobs and unlinks those discarded meanwhile. */
  async release(blobIds: readonly string[]): Promise<void> {
    const unused: string[] = [];
    for (const id of blobIds) {
      const count = (this.#readers.get(id) ?? 1) - 1;
      if (count > 0) {
        this.#readers.set(id, count);
        continue;
      }
      this.#readers.delete(id);
      if (this.#unlinkWhenReleased.delete(id)) unused.push(id);
    }
    await this.#unlinkAll(unused);
  }

  /**
   * Unlinks blobs that the index no longer references. Blobs still in use by a reader are
   * unlinked when the last reader releases them.
   */
  async discard(blobIds: readonly string[]): Promise<void> {
    const unused: string[] = [];
    for (const id of blobIds) {
      if (this.#readers.has(id)) this.#unlinkWhenReleased.add(id);
      else unused.push(id);
    }
    await this.#unlinkAll(unused);
  }

  /**
   * Unlinks every blob file whose id is not in `referenced`: files a crash left between the
   * rename into `blobs/` and the index commit, or after a commit but before the old blob's unlink.
   * Run it before serving requests. Returns the number of files removed.
   */
  async removeOrphans(referenced: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const shard of await readdir(this.#blobsDir)) {
      for (const name of await readdir(join(this.#blobsDir, shard))) {
        if (referenced.has(name)) continue;
        await removeQuietly(join(this.#blobsDir, shard, name));
        removed += 1;
      }
    }
    return removed;
  }

  async #writeTemp(tempPath: string, body: ByteSource, limits: BodyLimits): Promise<WrittenBody> {
    const handle = await open(tempPath, "wx");
    let written: WrittenBody;
    try {
      written = await writeBody(handle, body, limits);
      if (this.#fsync) await handle.sync();
    } catch (error) {
      // A failing close must not replace the error from the body, which the caller reports.
      await handle.close().catch(() => undefined);
      throw error;
    }
    await handle.close();
    return written;
  }

  /** Renames a finished temp file into `blobs/` and syncs the folder so the new name survives a crash. */
  async #moveIntoPlace(tempPath: string): Promise<string> {
    const blobId = randomBytes(16).toString("hex");
    const target = this.path(blobId);
    await rename(tempPath, target);
    if (this.#fsync) await syncPath(join(target, ".."));
    return blobId;
  }

  #newTempPath(): string {
    return join(this.#tempDir, randomBytes(16).toString("hex"));
  }

  /** Creates the 256 folders `blobs/00` to `blobs/ff` that spread blob files by the id's first byte. */
  async #createShards(): Promise<void> {
    for (let i = 0; i < 256; i += 1) {
      await mkdir(join(this.#blobsDir, i.toString(16).padStart(2, "0")), { recursive: true });
    }
  }

  async #unlinkAll(blobIds: readonly string[]): Promise<void> {
    for (const id of blobIds) await removeQuietly(this.path(id));
  }
}

/** Flushes a file's data, or a folder's entries (new, renamed or removed names), to disk. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Unlinks a file and ignores every error. It runs on cleanup paths that must not replace the
 * error being reported, and the start-up sweep removes whatever stays behind.
 */
async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
