import { afterEach, describe, expect, test } from "bun:test";
import type { BucketLocation, ByteSource, CompletedPart, ObjectStore } from "../types.ts";
import { minPartSize } from "./multipart.ts";
import {
  chunked,
  listBlobFiles,
  md5Hex,
  openTempStore,
  patternBytes,
  plainWrite,
  readAll,
  rejectionKind,
  removeTempStores,
} from "./test-helpers.ts";

afterEach(removeTempStores);

const acme: BucketLocation = { orgId: "acme", bucket: "azure" };
const limits = { maxSize: 5 * 1024 ** 3 };
const partOne = patternBytes(minPartSize, 1);
const partTwo = patternBytes(minPartSize, 2);
const lastPart = patternBytes(1000, 3);

/** Starts an upload of `key` and uploads `parts` under the given part numbers. */
async function uploadParts(
  store: ObjectStore,
  key: string,
  parts: ReadonlyArray<[number, Uint8Array]>,
): Promise<{ uploadId: string; completed: CompletedPart[] }> {
  const uploadId = await store.createMultipartUpload(acme, key, { headers: { contentType: "text/csv" }, metadata: { m: "1" } });
  const completed: CompletedPart[] = [];
  for (const [partNumber, bytes] of parts) {
    const info = await store.uploadPart(acme, key, uploadId, partNumber, chunked(bytes, 256 * 1024), limits);
    completed.push({ partNumber, etag: info.etag });
  }
  return { uploadId, completed };
}

function concat(...arrays: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(arrays));
}

describe("multipart upload", () => {
  test("complete joins parts without copying", async () => {
    const { store, root } = await openTempStore(true);
    const { uploadId, completed } = await uploadParts(store, "big.csv", [[1, partOne], [2, partTwo], [3, lastPart]]);
    expect(completed[0]?.etag).toBe(`"${md5Hex(partOne)}"`);
    const blobsBefore = await listBlobFiles(root);

    const info = await store.completeMultipartUpload(acme, "big.csv", uploadId, completed, limits);
    const binaryMd5s = Buffer.concat([partOne, partTwo, lastPart].map((part) => Buffer.from(md5Hex(part), "hex")));
    expect(info.etag).toBe(`"${md5Hex(binaryMd5s)}-3"`);
    expect(info.size).toBe(2 * minPartSize + 1000);
    expect(info.headers).toEqual({ contentType: "text/csv" });
    expect(info.metadata).toEqual({ m: "1" });
    expect(await listBlobFiles(root)).toEqual(blobsBefore);

    const { body } = await store.getObject(acme, "big.csv");
    expect(await readAll(body)).toEqual(concat(partOne, partTwo, lastPart));
    expect(await rejectionKind(store.listParts(acme, "big.csv", uploadId))).toBe("NoSuchUpload");
  });

  test("ranges across part boundaries", async () => {
    const { store } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, partTwo], [3, lastPart]]);
    await store.completeMultipartUpload(acme, "k", uploadId, completed, limits);
    const whole = concat(partOne, partTwo, lastPart);
    const boundary = minPartSize;
    const ranges = [
      [boundary - 10, boundary + 10],
      [boundary - 1, boundary],
      [boundary, boundary],
      [boundary - 1, 2 * boundary + 5],
      [2 * boundary, 2 * boundary + 999],
      [0, whole.length - 1],
      [12345, whole.length - 2],
    ] as const;
    for (const [start, end] of ranges) {
      const { body } = await store.getObject(acme, "k", { start, end });
      const bytes = await readAll(body);
      expect(bytes.length).toBe(end - start + 1);
      expect(bytes).toEqual(whole.subarray(start, end + 1));
    }
  });

  test("gaps in part numbers are allowed", async () => {
    const { store } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[2, partOne], [7, partTwo], [9999, lastPart]]);
    const info = await store.completeMultipartUpload(acme, "k", uploadId, completed, limits);
    expect(info.etag.endsWith('-3"')).toBe(true);
    expect(await readAll((await store.getObject(acme, "k")).body)).toEqual(concat(partOne, partTwo, lastPart));
  });

  test("unlisted parts are deleted", async () => {
    const { store, root } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, lastPart], [3, partTwo]]);
    const chosen = [completed[0]!, completed[1]!];
    const info = await store.completeMultipartUpload(acme, "k", uploadId, chosen, limits);
    expect(info.size).toBe(minPartSize + 1000);
    expect(await listBlobFiles(root)).toHaveLength(2);
  });

  test("same part number replaces the part", async () => {
    const { store, root } = await openTempStore();
    const { uploadId } = await uploadParts(store, "k", [[1, partOne]]);
    const replacement = await store.uploadPart(acme, "k", uploadId, 1, chunked(lastPart), limits);
    const parts = await store.listParts(acme, "k", uploadId);
    expect(parts.map((part) => [part.partNumber, part.size, part.etag])).toEqual([[1, 1000, replacement.etag]]);
    expect(await listBlobFiles(root)).toHaveLength(1);
  });

  test("complete replaces an existing object", async () => {
    const { store, root } = await openTempStore();
    await store.putObject(acme, "k", chunked(patternBytes(10)), plainWrite);
    const { uploadId, completed } = await uploadParts(store, "k", [[1, lastPart]]);
    await store.completeMultipartUpload(acme, "k", uploadId, completed, limits);
    expect(await readAll((await store.getObject(acme, "k")).body)).toEqual(lastPart);
    expect(await listBlobFiles(root)).toHaveLength(1);
  });

  test("ETag quotes and case are optional", async () => {
    const { store } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, lastPart]]);
    const loose = completed.map((part, i) => ({
      partNumber: part.partNumber,
      etag: i === 0 ? part.etag.slice(1, -1) : part.etag.toUpperCase(),
    }));
    const info = await store.completeMultipartUpload(acme, "k", uploadId, loose, limits);
    expect(info.size).toBe(minPartSize + 1000);
  });
});

describe("complete rejects bad part lists", () => {
  test("descending or repeated parts", async () => {
    const { store } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, lastPart]]);
    const [first, second] = [completed[0]!, completed[1]!];
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, [second, first], limits))).toBe(
      "InvalidPartOrder",
    );
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, [first, first], limits))).toBe(
      "InvalidPartOrder",
    );
    expect(await store.listParts(acme, "k", uploadId)).toHaveLength(2);
  });

  test("missing part or wrong ETag", async () => {
    const { store } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, lastPart]]);
    const missing = [...completed, { partNumber: 3, etag: completed[1]!.etag }];
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, missing, limits))).toBe("InvalidPart");
    const wrongEtag = [completed[0]!, { partNumber: 2, etag: completed[0]!.etag }];
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, wrongEtag, limits))).toBe("InvalidPart");
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, [], limits))).toBe("InvalidPart");
  });

  test("small part before the last", async () => {
    const { store } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, lastPart], [2, partOne]]);
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, completed, limits))).toBe(
      "EntityTooSmall",
    );
    const single = await store.completeMultipartUpload(acme, "k", uploadId, [completed[0]!], limits);
    expect(single.size).toBe(1000);
  });

  test("total above maxSize keeps the upload", async () => {
    const { store, root } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, lastPart]]);
    const tooSmallLimit = { maxSize: minPartSize + 999 };
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, completed, tooSmallLimit))).toBe(
      "EntityTooLarge",
    );
    expect(await rejectionKind(store.headObject(acme, "k"))).toBe("NoSuchKey");
    expect(await store.listParts(acme, "k", uploadId)).toHaveLength(2);
    await store.abortMultipartUpload(acme, "k", uploadId);
    expect(await listBlobFiles(root)).toEqual([]);
  });
});

describe("upload lifecycle", () => {
  test("abort removes parts and upload", async () => {
    const { store, root } = await openTempStore();
    const { uploadId, completed } = await uploadParts(store, "k", [[1, partOne], [2, lastPart]]);
    await store.abortMultipartUpload(acme, "k", uploadId);
    expect(await listBlobFiles(root)).toEqual([]);
    expect(await rejectionKind(store.listParts(acme, "k", uploadId))).toBe("NoSuchUpload");
    expect(await rejectionKind(store.completeMultipartUpload(acme, "k", uploadId, completed, limits))).toBe(
      "NoSuchUpload",
    );
    expect(await rejectionKind(store.abortMultipartUpload(acme, "k", uploadId))).toBe("NoSuchUpload");
  });

  test("unknown upload id is NoSuchUpload", async () => {
    const { store } = await openTempStore();
    let bodyRead = false;
    async function* body(): ByteSource {
      bodyRead = true;
      yield new Uint8Array(1);
    }
    expect(await rejectionKind(store.uploadPart(acme, "k", "no-such-id", 1, body(), limits))).toBe("NoSuchUpload");
    expect(bodyRead).toBe(false);
  });

  test("abort during a part upload", async () => {
    const { store, root } = await openTempStore();
    const uploadId = await store.createMultipartUpload(acme, "k", { headers: {}, metadata: {} });
    const started = Promise.withResolvers<void>();
    const paused = Promise.withResolvers<void>();
    async function* slowBody(): ByteSource {
      yield new Uint8Array(100);
      started.resolve();
      await paused.promise;
      yield new Uint8Array(100);
    }
    const part = store.uploadPart(acme, "k", uploadId, 1, slowBody(), limits);
    await started.promise;
    await store.abortMultipartUpload(acme, "k", uploadId);
    paused.resolve();
    expect(await rejectionKind(part)).toBe("NoSuchUpload");
    expect(await listBlobFiles(root)).toEqual([]);
  });

  test("failed part leaves the upload intact", async () => {
    const { store, root } = await openTempStore();
    const { uploadId } = await uploadParts(store, "k", [[1, lastPart]]);
    const tooLarge = store.uploadPart(acme, "k", uploadId, 2, chunked(partOne), { maxSize: 100 });
    expect(await rejectionKind(tooLarge)).toBe("EntityTooLarge");
    const wrongMd5 = { ...limits, expectedMd5: Buffer.alloc(16) };
    const badDigest = store.uploadPart(acme, "k", uploadId, 1, chunked(partOne), wrongMd5);
    expect(await rejectionKind(badDigest)).toBe("BadDigest");
    const parts = await store.listParts(acme, "k", uploadId);
    expect(parts.map((part) => part.size)).toEqual([1000]);
    expect(await listBlobFiles(root)).toHaveLength(1);
  });
});
