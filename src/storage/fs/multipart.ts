/**
 * CompleteMultipartUpload rules: which uploaded parts the client's list selects, whether they
 * may form an object, and the ETag of the result.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 */
import { StorageError } from "../errors.ts";
import type { CompletedPart } from "../types.ts";
import type { PartRecord } from "./object-index.ts";

/** Minimum size of every part except the last: 5 MiB, as in Amazon S3. */
export const minPartSize = 5 * 1024 * 1024;

/**
 * Checks the client's part list against the uploaded parts and returns the selected parts in
 * list order. The checks run in this order: part numbers strictly ascending, each part uploaded
 * with the ETag the client sent (quotes optional, case ignored), each part but the last at least
 * {@link minPartSize}, and the total at most `maxSize`.
 * @throws {StorageError} `InvalidPartOrder`, `InvalidPart`, `EntityTooSmall`, `EntityTooLarge`.
 */
export function selectCompletedParts(
  requested: readonly CompletedPart[],
  uploaded: readonly PartRecord[],
  maxSize: number,
): PartRecord[] {
  if (requested.length === 0) {
    throw new StorageError("InvalidPart", "The part list is empty. List at least one uploaded part.");
  }
  assertAscending(requested);
  const byNumber = new Map(uploaded.map((part) => [part.partNumber, part]));
  const selected = requested.map((part) => findUploadedPart(part, byNumber));
  assertPartSizes(selected);
  assertTotalSize(selected, maxSize);
  return selected;
}

/**
 * Returns the ETag of a multipart object: the MD5 of the concatenated binary MD5s of its parts,
 * in hex, followed by `-` and the part count, in quotes.
 */
export function multipartEtag(parts: readonly PartRecord[]): string {
  const hasher = new Bun.CryptoHasher("md5");
  for (const part of parts) hasher.update(Buffer.from(unquoteEtag(part.etag), "hex"));
  return `"${hasher.digest("hex")}-${parts.length}"`;
}

/** Returns an ETag without surrounding double quotes, in lowercase. */
export function unquoteEtag(etag: string): string {
  const trimmed = etag.trim();
  const unquoted = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  return unquoted.toLowerCase();
}

function assertAscending(requested: readonly CompletedPart[]): void {
  let previous: number | undefined;
  for (const { partNumber } of requested) {
    if (previous !== undefined && partNumber <= previous) {
      throw new StorageError(
        "InvalidPartOrder",
        `Part ${partNumber} is listed after part ${previous}. List each part once, in ascending order of part number.`,
      );
    }
    previous = partNumber;
  }
}

function findUploadedPart(requested: CompletedPart, byNumber: ReadonlyMap<number, PartRecord>): PartRecord {
  const part = byNumber.get(requested.partNumber);
  if (part === undefined) {
    throw new StorageError(
      "InvalidPart",
      `Part ${requested.partNumber} was not uploaded. Upload it, or leave it out of the part list.`,
    );
  }
  if (unquoteEtag(requested.etag) !== unquoteEtag(part.etag)) {
    throw new StorageError(
      "InvalidPart",
      `The ETag ${requested.etag} of part ${requested.partNumber} does not match the uploaded part's ETag ${part.etag}. ` +
        "Send the ETag that UploadPart returned for that part.",
    );
  }
  return part;
}

function assertPartSizes(selected: readonly PartRecord[]): void {
  for (const part of selected.slice(0, -1)) {
    if (part.size < minPartSize) {
      throw new StorageError(
        "EntityTooSmall",
        `Part ${part.partNumber} is ${part.size} bytes, but every part except the last must be at least ` +
          `${minPartSize} bytes (5 MiB). Upload larger parts.`,
      );
    }
  }
}

function assertTotalSize(selected: readonly PartRecord[], maxSize: number): void {
  const total = selected.reduce((sum, part) => sum + part.size, 0);
  if (total > maxSize) {
    throw new StorageError(
      "EntityTooLarge",
      `The listed parts add up to ${total} bytes, more than the maximum object size of ${maxSize} bytes. ` +
        "Abort this upload, or complete it with fewer parts.",
    );
  }
}
