/**
 * Helpers shared by the filesystem backend's tests: a fresh root folder per test, body
 * generators and stream readers.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageError } from "../errors.ts";
import type { ByteSource, WriteOptions } from "../types.ts";
import { type FsObjectStore, openFsObjectStore } from "./fs-object-store.ts";

/** Default write options for tests: no headers, no metadata, 5 GiB limit. */
export const plainWrite: WriteOptions = { headers: {}, metadata: {}, maxSize: 5 * 1024 ** 3 };

/** Temp folders and stores that {@link removeTempStores} cleans up. */
const created: { dirs: string[]; stores: FsObjectStore[] } = { dirs: [], stores: [] };

/** Creates an empty folder under the system temp folder, removed by {@link removeTempStores}. */
export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "s3gw-fs-store-"));
  created.dirs.push(dir);
  return dir;
}

/** Opens a store on a new temp folder and returns it with its root. */
export async function openTempStore(fsync = false): Promise<{ store: FsObjectStore; root: string }> {
  const root = join(await makeTempDir(), "objects");
  const store = await openFsObjectStore({ root, fsync });
  created.stores.push(store);
  return { store, root };
}

/** Closes the stores and deletes the folders made since the last call; use it in `afterEach`. */
export async function removeTempStores(): Promise<void> {
  for (const store of created.stores.splice(0)) await store.close();
  for (const dir of created.dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Returns `size` deterministic pseudo-random bytes; different seeds give different bytes. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Yields `bytes` in chunks of `chunkSize`. */
export async function* chunked(bytes: Uint8Array, chunkSize = 64 * 1024): ByteSource {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    yield bytes.subarray(offset, offset + chunkSize);
  }
}

/** Yields `bytesBefore` bytes, then throws `error`. */
export async function* failingBody(bytesBefore: number, error: Error): ByteSource {
  yield* chunked(patternBytes(bytesBefore));
  throw error;
}

/** Reads a whole stream into one array. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Returns the sorted paths of all files under `dir`, recursively, relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile());
  return files.map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

/** Returns the blob files under `root`. */
export async function listBlobFiles(root: string): Promise<string[]> {
  return listFiles(join(root, "blobs"));
}

/** Returns the MD5 hex of `bytes`. */
export function md5Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("md5").update(bytes).digest("hex");
}

/** Awaits `promise` and returns the kind of the StorageError it rejected with. */
export async function rejectionKind(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StorageError) return error.kind;
    throw error;
  }
  throw new Error("Expected a StorageError, but the promise resolved.");
}
