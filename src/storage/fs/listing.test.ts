import { afterEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { BucketLocation, ListOptions, ListResult, ObjectStore } from "../types.ts";
import { join } from "node:path";
import { compareBytes, encodeKey } from "./key-bytes.ts";
import { listObjects } from "./listing.ts";
import { ObjectIndex } from "./object-index.ts";
import { chunked, makeTempDir, openTempStore, removeTempStores } from "./test-helpers.ts";

afterEach(removeTempStores);

const empty = () => chunked(new Uint8Array(0));
const write = { headers: {}, metadata: {}, maxSize: 1024 };

/** Listing entries in order, tagged so keys and common prefixes compare in one list. */
type Entry = `key:${string}` | `prefix:${string}`;

/**
 * Brute-force model of a listing: sort all keys by UTF-8 bytes, keep those under the prefix and
 * after `after`, roll up at the delimiter, drop a common prefix equal to `after`, then page.
 */
function modelListing(keys: readonly string[], options: ListOptions): { entries: Entry[]; isTruncated: boolean } {
  const sorted = [...keys].sort((a, b) => compareBytes(encodeKey(a), encodeKey(b)));
  const after = options.after === undefined ? undefined : encodeKey(options.after);
  const all: Entry[] = [];
  for (const key of sorted) {
    if (!key.startsWith(options.prefix)) continue;
    if (after !== undefined && compareBytes(encodeKey(key), after) <= 0) continue;
    const at = options.delimiter ? key.indexOf(options.delimiter, options.prefix.length) : -1;
    if (at === -1) {
      all.push(`key:${key}`);
      continue;
    }
    const commonPrefix = key.slice(0, at + (options.delimiter ?? "").length);
    if (commonPrefix !== options.after && all.at(-1) !== `prefix:${commonPrefix}`) all.push(`prefix:${commonPrefix}`);
  }
  const page = Math.max(options.maxKeys, 0);
  return { entries: all.slice(0, page), isTruncated: page > 0 && all.length > page };
}

/** Merges a page's objects and common prefixes back into key order. */
function entriesOf(result: ListResult): Entry[] {
  const entries: Entry[] = [
    ...result.objects.map((object) => `key:${object.key}` as const),
    ...result.commonPrefixes.map((prefix) => `prefix:${prefix}` as const),
  ];
  const sortKey = (entry: Entry) => encodeKey(entry.slice(entry.indexOf(":") + 1));
  return entries.sort((a, b) => compareBytes(sortKey(a), sortKey(b)));
}

async function putKeys(store: ObjectStore, location: BucketLocation, keys: Iterable<string>): Promise<void> {
  for (const key of keys) await store.putObject(location, key, empty(), write);
}

/** Lists every page from `options.after` on, passing `lastReturned` as the next `after`. */
async function listAllPages(store: ObjectStore, location: BucketLocation, options: ListOptions): Promise<Entry[]> {
  const entries: Entry[] = [];
  let after = options.after;
  for (let page = 0; page < 1000; page += 1) {
    const result = await store.listObjects(location, after === undefined ? options : { ...options, after });
    entries.push(...entriesOf(result));
    if (!result.isTruncated) return entries;
    after = result.lastReturned;
  }
  throw new Error("The listing did not end after 1000 pages.");
}

const acme: BucketLocation = { orgId: "acme", bucket: "azure" };

describe("listObjects", () => {
  test("byte order puts ASCII before non-ASCII", async () => {
    const { store } = await openTempStore();
    const keys = ["é", "z", "Z", "a", "ä", "😀", "\u{FFFD}", "a/b", "a-b", "a0", "日本"];
    await putKeys(store, acme, keys);
    const result = await store.listObjects(acme, { prefix: "", maxKeys: 100 });
    // UTF-8 byte order, which differs from UTF-16 order for U+FFFD against the emoji.
    expect(result.objects.map((object) => object.key)).toEqual([
      "Z",
      "a",
      "a-b",
      "a/b",
      "a0",
      "z",
      "ä",
      "é",
      "日本",
      "\u{FFFD}",
      "😀",
    ]);
  });

  const keys = [
    "a",
    "a/",
    "a/b",
    "a/b/c",
    "a/b/d",
    "a/c",
    "a//x",
    "ab",
    "b/1",
    "b/2",
    "b/3/x",
    "c",
    "photos/2024/01/x.jpg",
    "photos/2024/02/y.jpg",
    "photos/2025/z.jpg",
    "photos/index.html",
  ];
  const cases: Array<{ name: string; options: ListOptions; objects: string[]; prefixes: string[]; truncated: boolean }> =
    [
      {
        name: "root with slash",
        options: { prefix: "", delimiter: "/", maxKeys: 100 },
        objects: ["a", "ab", "c"],
        prefixes: ["a/", "b/", "photos/"],
        truncated: false,
      },
      {
        name: "prefix ending in delimiter",
        options: { prefix: "a/", delimiter: "/", maxKeys: 100 },
        objects: ["a/", "a/b", "a/c"],
        prefixes: ["a//", "a/b/"],
        truncated: false,
      },
      {
        name: "prefix not ending in delimiter",
        options: { prefix: "photos/20", delimiter: "/", maxKeys: 100 },
        objects: [],
        prefixes: ["photos/2024/", "photos/2025/"],
        truncated: false,
      },
      {
        name: "common prefixes count toward maxKeys",
        options: { prefix: "", delimiter: "/", maxKeys: 2 },
        objects: ["a"],
        prefixes: ["a/"],
        truncated: true,
      },
      {
        name: "after a common prefix skips it",
        options: { prefix: "", delimiter: "/", after: "a/", maxKeys: 100 },
        objects: ["ab", "c"],
        prefixes: ["b/", "photos/"],
        truncated: false,
      },
      {
        name: "after inside a common prefix",
        options: { prefix: "", delimiter: "/", after: "a/b", maxKeys: 100 },
        objects: ["ab", "c"],
        prefixes: ["a/", "b/", "photos/"],
        truncated: false,
      },
      {
        name: "after before the prefix",
        options: { prefix: "b/", after: "a", maxKeys: 100 },
        objects: ["b/1", "b/2", "b/3/x"],
        prefixes: [],
        truncated: false,
      },
      {
        name: "multi-character delimiter",
        options: { prefix: "photos/", delimiter: "/0", maxKeys: 100 },
        objects: ["photos/2025/z.jpg", "photos/index.html"],
        prefixes: ["photos/2024/0"],
        truncated: false,
      },
      {
        name: "maxKeys 0",
        options: { prefix: "", maxKeys: 0 },
        objects: [],
        prefixes: [],
        truncated: false,
      },
      {
        name: "no delimiter lists everything under the prefix",
        options: { prefix: "a/b", maxKeys: 2 },
        objects: ["a/b", "a/b/c"],
        prefixes: [],
        truncated: true,
      },
    ];

  for (const { name, options, objects, prefixes, truncated } of cases) {
    test(name, async () => {
      const { store } = await openTempStore();
      await putKeys(store, acme, keys);
      const result = await store.listObjects(acme, options);
      expect(result.objects.map((object) => object.key)).toEqual(objects);
      expect(result.commonPrefixes).toEqual(prefixes);
      expect(result.isTruncated).toBe(truncated);
      const model = modelListing(keys, options);
      expect(entriesOf(result)).toEqual(model.entries);
    });
  }

  test("lastReturned is the last entry", async () => {
    const { store } = await openTempStore();
    await putKeys(store, acme, keys);
    const objectLast = await store.listObjects(acme, { prefix: "", delimiter: "/", maxKeys: 1 });
    expect(objectLast.lastReturned).toBe("a");
    const prefixLast = await store.listObjects(acme, { prefix: "", delimiter: "/", after: "a", maxKeys: 1 });
    expect(prefixLast.lastReturned).toBe("a/");
    const emptyPage = await store.listObjects(acme, { prefix: "zzz", maxKeys: 5 });
    expect(emptyPage.lastReturned).toBeUndefined();
  });

  test("a large common prefix is skipped whole", async () => {
    const { store } = await openTempStore();
    const inside = Array.from({ length: 3000 }, (_, i) => `logs/${String(i).padStart(5, "0")}`);
    await putKeys(store, acme, [...inside, "a", "z"]);
    const result = await store.listObjects(acme, { prefix: "", delimiter: "/", maxKeys: 10 });
    expect(result.objects.map((object) => object.key)).toEqual(["a", "z"]);
    expect(result.commonPrefixes).toEqual(["logs/"]);
    const pages = await listAllPages(store, acme, { prefix: "logs/", maxKeys: 700 });
    expect(pages).toEqual(inside.map((key) => `key:${key}` as const));
  });

  test("common prefix skip reads few rows", async () => {
    const index = ObjectIndex.open(join(await makeTempDir(), "index.sqlite"), false);
    const dirs = ["a", "b", "c", "d", "e"];
    index.transaction(() => {
      for (const dir of dirs) {
        for (let i = 0; i < 2000; i += 1) {
          const key = `${dir}/${String(i).padStart(5, "0")}`;
          index.upsertObject(acme, { key, size: 0, etag: '""', lastModified: 0, headers: {}, metadata: {}, segments: [] });
        }
      }
    });
    let rowsRead = 0;
    const scan = index.scanObjects.bind(index);
    index.scanObjects = (...args) => {
      const rows = scan(...args);
      rowsRead += rows.length;
      return rows;
    };

    const result = listObjects(index, acme, { prefix: "", delimiter: "/", maxKeys: 1000 });
    expect(result.commonPrefixes).toEqual(dirs.map((dir) => `${dir}/`));
    // Without the jump past each common prefix, the scan would read all 10,000 rows.
    expect(rowsRead).toBeLessThan(200);
    index.close();
  });

  test("pages match the brute-force model", async () => {
    const { store } = await openTempStore();
    const alphabet = ["a", "b", "/", "é", "😀", "-", "."];
    const keyArbitrary = fc
      .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 6 })
      .map((characters) => characters.join(""));
    const shortString = fc.array(fc.constantFrom(...alphabet), { maxLength: 3 }).map((characters) => characters.join(""));
    let run = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArbitrary, { maxLength: 25 }),
        shortString,
        fc.option(fc.constantFrom("/", "a", "é", "/a", "😀", "ab"), { nil: undefined }),
        fc.option(keyArbitrary, { nil: undefined }),
        fc.integer({ min: 0, max: 6 }),
        async (storedKeys, prefix, delimiter, after, maxKeys) => {
          run += 1;
          const location = { orgId: "prop", bucket: `run-${run}` };
          await putKeys(store, location, storedKeys);
          const options: ListOptions = { prefix, maxKeys };
          if (delimiter !== undefined) options.delimiter = delimiter;
          if (after !== undefined) options.after = after;

          const page = await store.listObjects(location, options);
          const model = modelListing(storedKeys, options);
          expect(entriesOf(page)).toEqual(model.entries);
          expect(page.isTruncated).toBe(model.isTruncated);

          if (maxKeys > 0) {
            const everything = modelListing(storedKeys, { ...options, maxKeys: 1_000_000 });
            expect(await listAllPages(store, location, options)).toEqual(everything.entries);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
