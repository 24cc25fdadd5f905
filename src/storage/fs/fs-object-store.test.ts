import { afterEach, describe, expect, test } from "bun:test";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BucketLocation } from "../types.ts";
import { openFsObjectStore } from "./fs-object-store.ts";
import {
  chunked,
  failingBody,
  listBlobFiles,
  listFiles,
  md5Hex,
  openTempStore,
  patternBytes,
  plainWrite,
  readAll,
  rejectionKind,
  removeTempStores,
} from "./test-helpers.ts";

const acme: BucketLocation = { orgId: "acme", bucket: "azure" };

afterEach(removeTempStores);

describe("putObject and getObject", () => {
  test("round trip keeps bytes and headers", async () => {
    const { store } = await openTempStore(true);
    const bytes = patternBytes(200_000);
    const options = { ...plainWrite, headers: { contentType: "text/csv" }, metadata: { source: "sensor-7" } };
    const put = await store.putObject(acme, "data/one.csv", chunked(bytes, 7_000), options);
    expect(put.etag).toBe(`"${md5Hex(bytes)}"`);
    expect(put.size).toBe(bytes.length);

    const { info, body } = await store.getObject(acme, "data/one.csv");
    expect(await readAll(body)).toEqual(bytes);
    expect(info.headers).toEqual({ contentType: "text/csv" });
    expect(info.metadata).toEqual({ source: "sensor-7" });
    expect(info.etag).toBe(put.etag);
    await store.close();
  });

  test("empty object", async () => {
    const { store } = await openTempStore();
    await store.putObject(acme, "empty", chunked(new Uint8Array(0)), plainWrite);
    const { info, body } = await store.getObject(acme, "empty");
    expect(info.size).toBe(0);
    expect(info.etag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect((await readAll(body)).length).toBe(0);
  });

  test("range within one blob", async () => {
    const { store } = await openTempStore();
    const bytes = patternBytes(1_000_000);
    await store.putObject(acme, "k", chunked(bytes), plainWrite);
    for (const [start, end] of [[0, 0], [10, 99], [262_143, 262_144], [999_999, 999_999], [0, 999_999]] as const) {
      const { body } = await store.getObject(acme, "k", { start, end });
      expect(await readAll(body)).toEqual(bytes.subarray(start, end + 1));
    }
  });

  test("range outside the object fails", async () => {
    const { store } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(10)), plainWrite);
    expect(await rejectionKind(store.getObject(acme, "k", { start: 5, end: 10 }))).toBe("InvalidRange");
    expect(await rejectionKind(store.getObject(acme, "k", { start: 6, end: 5 }))).toBe("InvalidRange");
  });

  test("missing key is NoSuchKey", async () => {
    const { store } = await openTempStore();
    expect(await rejectionKind(store.getObject(acme, "nope"))).toBe("NoSuchKey");
    expect(await rejectionKind(store.headObject(acme, "nope"))).toBe("NoSuchKey");
  });

  test("last writer replaces and unlinks old blob", async () => {
    const { store, root } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(100, 1)), plainWrite);
    await store.putObject(acme, "k", chunked(patternBytes(50, 2)), plainWrite);
    const { body } = await store.getObject(acme, "k");
    expect(await readAll(body)).toEqual(patternBytes(50, 2));
    expect(await listBlobFiles(root)).toHaveLength(1);
  });

  test("concurrent puts leave one complete object", async () => {
    const { store, root } = await openTempStore();
    const writes = [1, 2, 3, 4].map((seed) =>
      store.putObject(acme, "race", chunked(patternBytes(300_000, seed), 10_000), plainWrite),
    );
    const results = await Promise.all(writes);
    const { info, body } = await store.getObject(acme, "race");
    expect(results.map((result) => result.etag)).toContain(info.etag);
    expect(md5Hex(await readAll(body))).toBe(info.etag.slice(1, -1));
    expect(await listBlobFiles(root)).toHaveLength(1);
  });
});

describe("keys are data", () => {
  const trickyKeys = [
    "a",
    "a/b",
    "a/b/",
    "dir/",
    "/leading",
    "double//slash",
    "../../etc/passwd",
    "a/../b",
    "..",
    ".",
    "100%25 done%",
    "plus+sign",
    "with space and\ttab",
    "日本語/ファイル.txt",
    "Ελληνικά",
    "emoji 😀/x",
    "back\\slash",
    "new\nline",
    "blobs/00/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "index.sqlite",
    "x".repeat(1024),
    "é".repeat(512),
  ];

  test("tricky keys round trip", async () => {
    const { store, root } = await openTempStore();
    for (const [i, key] of trickyKeys.entries()) {
      await store.putObject(acme, key, chunked(patternBytes(100 + i, i + 1)), plainWrite);
    }
    for (const [i, key] of trickyKeys.entries()) {
      const { info, body } = await store.getObject(acme, key);
      expect(info.key).toBe(key);
      expect(await readAll(body)).toEqual(patternBytes(100 + i, i + 1));
    }
    const listed = await store.listObjects(acme, { prefix: "", maxKeys: 1000 });
    expect(listed.objects.map((object) => object.key).sort()).toEqual([...trickyKeys].sort());
    // Nothing outside blobs/, tmp/ and the index was created.
    const files = await listFiles(root);
    expect(files.filter((name) => !name.startsWith("blobs/") && !name.startsWith("index.sqlite"))).toEqual([]);
  });

  test("1024-byte keys in two scripts", async () => {
    expect(new TextEncoder().encode("é".repeat(512)).length).toBe(1024);
    const { store } = await openTempStore();
    await store.putObject(acme, "é".repeat(512), chunked(patternBytes(1)), plainWrite);
    expect((await store.headObject(acme, "é".repeat(512))).size).toBe(1);
  });

  test("a and a/b coexist", async () => {
    const { store } = await openTempStore();
    await store.putObject(acme, "a", chunked(patternBytes(3, 1)), plainWrite);
    await store.putObject(acme, "a/b", chunked(patternBytes(4, 2)), plainWrite);
    expect((await store.headObject(acme, "a")).size).toBe(3);
    expect((await store.headObject(acme, "a/b")).size).toBe(4);
    await store.deleteObject(acme, "a");
    expect((await store.headObject(acme, "a/b")).size).toBe(4);
  });
});

describe("isolation", () => {
  test("same key in two locations is separate", async () => {
    const { store } = await openTempStore();
    const other: BucketLocation = { orgId: "globex", bucket: "azure" };
    const sibling: BucketLocation = { orgId: "acme", bucket: "vmware" };
    await store.putObject(acme, "k", chunked(patternBytes(10, 1)), plainWrite);
    await store.putObject(other, "k", chunked(patternBytes(20, 2)), plainWrite);
    expect((await store.headObject(acme, "k")).size).toBe(10);
    expect((await store.headObject(other, "k")).size).toBe(20);
    expect(await rejectionKind(store.headObject(sibling, "k"))).toBe("NoSuchKey");

    await store.deleteObject(other, "k");
    expect((await store.headObject(acme, "k")).size).toBe(10);
    expect((await store.listObjects(other, { prefix: "", maxKeys: 10 })).objects).toEqual([]);
  });

  test("copy across organizations is rejected", async () => {
    const { store } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(10)), plainWrite);
    const other: BucketLocation = { orgId: "globex", bucket: "azure" };
    await expect(store.copyObject(acme, "k", other, "k", undefined)).rejects.toThrow("not allowed");
    expect(await rejectionKind(store.headObject(other, "k"))).toBe("NoSuchKey");
  });

  test("upload id is bound to its location", async () => {
    const { store } = await openTempStore();
    const other: BucketLocation = { orgId: "globex", bucket: "azure" };
    const uploadId = await store.createMultipartUpload(acme, "k", { headers: {}, metadata: {} });
    const part = store.uploadPart(other, "k", uploadId, 1, chunked(patternBytes(5)), { maxSize: plainWrite.maxSize });
    expect(await rejectionKind(part)).toBe("NoSuchUpload");
    expect(await rejectionKind(store.listParts(acme, "other-key", uploadId))).toBe("NoSuchUpload");
    expect(await rejectionKind(store.abortMultipartUpload(other, "k", uploadId))).toBe("NoSuchUpload");
    expect(await store.listParts(acme, "k", uploadId)).toEqual([]);
  });
});

describe("failed writes store nothing", () => {
  test("body error propagates unchanged", async () => {
    const { store, root } = await openTempStore();
    const signatureError = new Error("chunk signature mismatch");
    const put = store.putObject(acme, "k", failingBody(300_000, signatureError), plainWrite);
    await expect(put).rejects.toBe(signatureError);
    expect(await rejectionKind(store.headObject(acme, "k"))).toBe("NoSuchKey");
    expect(await listFiles(root).then((files) => files.filter((name) => !name.startsWith("index.sqlite")))).toEqual([]);
  });

  test("body error keeps the previous object", async () => {
    const { store } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(10)), plainWrite);
    await expect(store.putObject(acme, "k", failingBody(100, new Error("cut")), plainWrite)).rejects.toThrow("cut");
    expect((await store.headObject(acme, "k")).size).toBe(10);
  });

  test("EntityTooLarge stops mid-stream", async () => {
    const { store, root } = await openTempStore();
    let chunksRead = 0;
    async function* endless() {
      for (;;) {
        chunksRead += 1;
        yield new Uint8Array(1000);
      }
    }
    const put = store.putObject(acme, "k", endless(), { ...plainWrite, maxSize: 10_500 });
    expect(await rejectionKind(put)).toBe("EntityTooLarge");
    expect(chunksRead).toBe(11);
    expect(await rejectionKind(store.headObject(acme, "k"))).toBe("NoSuchKey");
    expect((await listFiles(root)).filter((name) => !name.startsWith("index.sqlite"))).toEqual([]);
  });

  test("body of exactly maxSize is accepted", async () => {
    const { store } = await openTempStore();
    const info = await store.putObject(acme, "k", chunked(patternBytes(1000), 100), { ...plainWrite, maxSize: 1000 });
    expect(info.size).toBe(1000);
  });

  test("BadDigest on MD5 mismatch", async () => {
    const { store, root } = await openTempStore();
    const bytes = patternBytes(5000);
    const wrongMd5 = Buffer.from(md5Hex(patternBytes(5000, 9)), "hex");
    const put = store.putObject(acme, "k", chunked(bytes), { ...plainWrite, expectedMd5: wrongMd5 });
    expect(await rejectionKind(put)).toBe("BadDigest");
    expect((await listFiles(root)).filter((name) => !name.startsWith("index.sqlite"))).toEqual([]);

    const rightMd5 = Buffer.from(md5Hex(bytes), "hex");
    const info = await store.putObject(acme, "k", chunked(bytes), { ...plainWrite, expectedMd5: rightMd5 });
    expect(info.etag).toBe(`"${md5Hex(bytes)}"`);
  });
});

describe("reads and deletes", () => {
  test("headObject opens no blob", async () => {
    const { store, root } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(10)), plainWrite);
    // With its blob file gone, only an operation that opens it can fail.
    for (const file of await listBlobFiles(root)) await rm(join(root, "blobs", file));
    expect((await store.headObject(acme, "k")).size).toBe(10);
    await expect(store.getObject(acme, "k")).rejects.toThrow("ENOENT");
  });

  test("stream survives a concurrent delete", async () => {
    const { store, root } = await openTempStore();
    const bytes = patternBytes(2_000_000);
    await store.putObject(acme, "k", chunked(bytes), plainWrite);
    const { body } = await store.getObject(acme, "k");
    await store.deleteObject(acme, "k");
    expect(await rejectionKind(store.headObject(acme, "k"))).toBe("NoSuchKey");
    expect(await listBlobFiles(root)).toHaveLength(1);
    expect(await readAll(body)).toEqual(bytes);
    expect(await listBlobFiles(root)).toEqual([]);
  });

  test("cancelled stream releases replaced blob", async () => {
    const { store, root } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(2_000_000, 1)), plainWrite);
    const { body } = await store.getObject(acme, "k");
    await store.putObject(acme, "k", chunked(patternBytes(10, 2)), plainWrite);
    expect(await listBlobFiles(root)).toHaveLength(2);
    await body.cancel();
    expect(await listBlobFiles(root)).toHaveLength(1);
  });

  test("deleting a missing key succeeds", async () => {
    const { store } = await openTempStore();
    await store.deleteObject(acme, "never-existed");
  });
});

describe("copyObject", () => {
  test("copy keeps source metadata", async () => {
    const { store } = await openTempStore(true);
    const bytes = patternBytes(70_000);
    const options = { ...plainWrite, headers: { contentType: "image/png" }, metadata: { a: "1" } };
    const source = await store.putObject(acme, "src", chunked(bytes), options);
    const target: BucketLocation = { orgId: "acme", bucket: "vmware" };
    const copy = await store.copyObject(acme, "src", target, "dst/copy", undefined);
    expect(copy.etag).toBe(source.etag);
    expect(copy.headers).toEqual({ contentType: "image/png" });
    expect(copy.metadata).toEqual({ a: "1" });

    await store.deleteObject(acme, "src");
    expect(await readAll((await store.getObject(target, "dst/copy")).body)).toEqual(bytes);
  });

  test("copy with replace uses new metadata", async () => {
    const { store } = await openTempStore();
    await store.putObject(acme, "src", chunked(patternBytes(10)), { ...plainWrite, metadata: { a: "1" } });
    const replace = { headers: { contentType: "text/plain" }, metadata: { b: "2" } };
    const copy = await store.copyObject(acme, "src", acme, "dst", replace);
    expect(copy.headers).toEqual({ contentType: "text/plain" });
    expect(copy.metadata).toEqual({ b: "2" });
    expect((await store.headObject(acme, "src")).metadata).toEqual({ a: "1" });
  });

  test("copy onto itself replaces metadata in place", async () => {
    const { store, root } = await openTempStore();
    const bytes = patternBytes(1000);
    const put = await store.putObject(acme, "k", chunked(bytes), { ...plainWrite, metadata: { v: "1" } });
    const blobsBefore = await listBlobFiles(root);
    const copy = await store.copyObject(acme, "k", acme, "k", { headers: {}, metadata: { v: "2" } });
    expect(copy.etag).toBe(put.etag);
    expect((await store.headObject(acme, "k")).metadata).toEqual({ v: "2" });
    expect(await listBlobFiles(root)).toEqual(blobsBefore);
    expect(await readAll((await store.getObject(acme, "k")).body)).toEqual(bytes);
  });

  test("copy of missing source is NoSuchKey", async () => {
    const { store } = await openTempStore();
    expect(await rejectionKind(store.copyObject(acme, "nope", acme, "dst", undefined))).toBe("NoSuchKey");
  });

  test("copy replaces target and unlinks its blob", async () => {
    const { store, root } = await openTempStore();
    await store.putObject(acme, "src", chunked(patternBytes(10, 1)), plainWrite);
    await store.putObject(acme, "dst", chunked(patternBytes(20, 2)), plainWrite);
    await store.copyObject(acme, "src", acme, "dst", undefined);
    expect(await readAll((await store.getObject(acme, "dst")).body)).toEqual(patternBytes(10, 1));
    expect(await listBlobFiles(root)).toHaveLength(2);
  });
});

describe("start-up cleanup", () => {
  test("restart removes temp files and orphan blobs", async () => {
    const { store, root } = await openTempStore();
    await store.putObject(acme, "kept", chunked(patternBytes(100)), plainWrite);
    const uploadId = await store.createMultipartUpload(acme, "mp", { headers: {}, metadata: {} });
    await store.uploadPart(acme, "mp", uploadId, 1, chunked(patternBytes(100)), { maxSize: plainWrite.maxSize });
    await store.close();

    // What a crash can leave: a half-written temp file, and a renamed blob never committed.
    await writeFile(join(root, "tmp", "interrupted"), "partial");
    const orphan = join(root, "blobs", "ab", "ab".padEnd(32, "0"));
    await writeFile(orphan, "orphan");

    const reopened = await openFsObjectStore({ root, fsync: false });
    expect(await listFiles(join(root, "tmp"))).toEqual([]);
    expect(await listBlobFiles(root)).toHaveLength(2);
    expect(await Bun.file(orphan).exists()).toBe(false);
    expect(await readAll((await reopened.getObject(acme, "kept")).body)).toEqual(patternBytes(100));
    expect(await reopened.listParts(acme, "mp", uploadId)).toHaveLength(1);
    await reopened.close();
  });
});
