/**
 * Reading an object's bytes, or one range of them, from its blob segments in order as a
 * `ReadableStream`. A range may start in one segment and end in another.
 */
import { type FileHandle, open } from "node:fs/promises";
import type { ByteRange } from "../types.ts";
import type { BlobFiles } from "./blob-files.ts";
import type { BlobSegment } from "./object-index.ts";

/** Bytes `[start, end)` of one blob file. */
export interface BlobSlice {
  blobId: string;
  start: number;
  end: number;
}

/** Size of each chunk the stream reads and enqueues. */
const chunkSize = 256 * 1024;

/**
 * Maps an inclusive byte range of the object onto the segments that hold it. Without a range the
 * slices cover the whole object. Empty slices are left out, so an empty object has none.
 */
export function sliceSegments(segments: readonly BlobSegment[], range?: ByteRange): BlobSlice[] {
  const first = range?.start ?? 0;
  const endExclusive = range === undefined ? Number.POSITIVE_INFINITY : range.end + 1;
  const slices: BlobSlice[] = [];
  let segmentStart = 0;
  for (const segment of segments) {
    const segmentEnd = segmentStart + segment.size;
    const start = Math.max(first, segmentStart);
    const end = Math.min(endExclusive, segmentEnd);
    if (start < end) slices.push({ blobId: segment.blobId, start: start - segmentStart, end: end - segmentStart });
    segmentStart = segmentEnd;
  }
  return slices;
}

/**
 * Opens a stream over `slices`. The first blob file is opened before this returns, so a missing
 * file fails here rather than after the response headers went out. `release` runs exactly once,
 * when the stream ends, fails or is cancelled, and also when this function throws.
 */
export async function openSliceStream(
  files: BlobFiles,
  slices: readonly BlobSlice[],
  release: () => Promise<void>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = new SliceReader(files, slices);
  let finished = false;
  const finish = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    await reader.close();
    await release();
  };

  try {
    await reader.openCurrent();
  } catch (error) {
    await finish();
    throw error;
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk === undefined) {
          await finish();
          controller.close();
        } else {
          controller.enqueue(chunk);
        }
      } catch (error) {
        await finish();
        controller.error(error);
      }
    },
    cancel: finish,
  });
}

/** Sequential reader over blob slices that keeps at most one file open. */
class SliceReader {
  readonly #files: BlobFiles;
  readonly #slices: readonly BlobSlice[];
  #index = 0;
  #position = 0;
  #handle: FileHandle | undefined;

  constructor(files: BlobFiles, slices: readonly BlobSlice[]) {
    this.#files = files;
    this.#slices = slices;
    this.#position = slices[0]?.start ?? 0;
  }

  /** Opens the file of the current slice unless it is open already; undefined after the last slice. */
  async openCurrent(): Promise<FileHandle | undefined> {
    const slice = this.#slices[this.#index];
    if (slice === undefined) return undefined;
    this.#handle ??= await open(this.#files.path(slice.blobId), "r");
    return this.#handle;
  }

  /** Returns the next chunk, or undefined after the last slice. */
  async read(): Promise<Uint8Array | undefined> {
    let slice = this.#slices[this.#index];
    while (slice !== undefined && this.#position >= slice.end) {
      await this.#advance();
      slice = this.#slices[this.#index];
    }
    const handle = await this.openCurrent();
    if (slice === undefined || handle === undefined) return undefined;
    return this.#readChunk(slice, handle);
  }

  /** Closes the open file and ignores errors, because closing a read-only file cannot lose data. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  async #readChunk(slice: BlobSlice, handle: FileHandle): Promise<Uint8Array> {
    const length = Math.min(chunkSize, slice.end - this.#position);
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, this.#position);
    if (bytesRead === 0) {
      throw new Error(
        `Blob file ${slice.blobId} ends at byte ${this.#position}, before the ${slice.end} bytes the object index records.`,
      );
    }
    this.#position += bytesRead;
    return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  }

  async #advance(): Promise<void> {
    await this.close();
    this.#index += 1;
    this.#position = this.#slices[this.#index]?.start ?? 0;
  }
}
