/**
 * ListObjects over the key index: prefix, delimiter roll-up into common prefixes, an exclusive
 * start key and a page size, in S3's UTF-8 byte order.
 */
import type { BucketLocation, ListOptions, ListResult } from "../types.ts";
import { compareBytes, encodeKey, keySuccessor, prefixSuccessor } from "./key-bytes.ts";
import { type ObjectIndex, type ObjectSummary, toObjectInfo } from "./object-index.ts";

/** One listing entry, in key order. */
type ListingEntry = { kind: "object"; object: ObjectSummary } | { kind: "prefix"; prefix: string };

/**
 * Rows read by the first scan and after each jump past a common prefix. Small, because the rows
 * after a common prefix are often all inside it and get skipped.
 */
const initialBatchSize = 16;
const maxBatchSize = 1024;

/**
 * Lists one page of objects and common prefixes. Keys and common prefixes share the `maxKeys`
 * budget, as in S3.
 *
 * With a delimiter, a key whose remainder after the prefix contains the delimiter is rolled up
 * into the common prefix ending at the delimiter's first occurrence. The scan then jumps to the
 * first key past that common prefix instead of reading every key inside it. `options.after` is
 * exclusive, and a common prefix equal to it is skipped, so `lastReturned` of one page works as
 * `after` of the next even when it was a common prefix. A non-positive `maxKeys` returns an empty,
 * untruncated page.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
export function listObjects(index: ObjectIndex, location: BucketLocation, options: ListOptions): ListResult {
  const result: ListResult = { objects: [], commonPrefixes: [], isTruncated: false };
  if (options.maxKeys <= 0) return result;

  let returned = 0;
  // Reading one entry beyond the page shows whether the listing is truncated.
  for (const entry of walkListing(index, location, options, options.maxKeys + 1)) {
    if (returned === options.maxKeys) {
      result.isTruncated = true;
      break;
    }
    if (entry.kind === "object") {
      result.objects.push(toObjectInfo(entry.object));
      result.lastReturned = entry.object.key;
    } else {
      result.commonPrefixes.push(entry.prefix);
      result.lastReturned = entry.prefix;
    }
    returned += 1;
  }
  return result;
}

/** Yields up to `maxEntries` listing entries in key order. */
function* walkListing(
  index: ObjectIndex,
  location: BucketLocation,
  options: ListOptions,
  maxEntries: number,
): Generator<ListingEntry> {
  const delimiter = options.delimiter === "" ? undefined : options.delimiter;
  const upperBound = prefixSuccessor(encodeKey(options.prefix));
  let from = lowerBound(options.prefix, options.after);
  let batchSize = initialBatchSize;
  let yielded = 0;

  while (yielded < maxEntries) {
    const limit = Math.min(batchSize, maxEntries - yielded);
    const batch = index.scanObjects(location, from, upperBound, limit);
    const step = walkBatch(batch, options, delimiter);
    for (const entry of step.entries) {
      yield entry;
      yielded += 1;
    }
    if (step.next !== undefined) {
      from = step.next;
      batchSize = initialBatchSize;
      continue;
    }
    const last = batch.at(-1);
    if (last === undefined || batch.length < limit) return;
    from = keySuccessor(encodeKey(last.key));
    batchSize = Math.min(batchSize * 2, maxBatchSize);
  }
}

/**
 * Turns one batch of rows into entries. Stops at the first common prefix and returns, as `next`,
 * the scan position just past it, because the rest of the batch may lie inside that prefix.
 */
function walkBatch(
  batch: readonly ObjectSummary[],
  options: ListOptions,
  delimiter: string | undefined,
): { entries: ListingEntry[]; next?: Uint8Array } {
  const entries: ListingEntry[] = [];
  for (const object of batch) {
    const commonPrefix = delimiter === undefined ? undefined : rollUp(object.key, options.prefix, delimiter);
    if (commonPrefix === undefined) {
      entries.push({ kind: "object", object });
      continue;
    }
    // The previous page ended with this common prefix. Its keys all sort after `after`, yet the
    // prefix itself was already returned.
    if (commonPrefix !== options.after) entries.push({ kind: "prefix", prefix: commonPrefix });
    return { entries, next: prefixSuccessor(encodeKey(commonPrefix)) };
  }
  return { entries };
}

/**
 * Returns the common prefix that `key` rolls up into, or undefined when the part of the key after
 * `prefix` does not contain the delimiter. Searching the decoded strings finds the same match as
 * searching the UTF-8 bytes, because UTF-8 and UTF-16 both encode each character as a unit that
 * no other character's encoding contains.
 */
function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}

/** Returns the first key bytes to scan: the prefix, or just past `after` when that is later. */
function lowerBound(prefix: string, after: string | undefined): Uint8Array {
  const prefixBytes = encodeKey(prefix);
  if (after === undefined) return prefixBytes;
  const afterBytes = encodeKey(after);
  return compareBytes(afterBytes, prefixBytes) >= 0 ? keySuccessor(afterBytes) : prefixBytes;
}
