import { afterEach, expect, test } from "bun:test";
import type { BucketLocation, ByteSource } from "../types.ts";
import { openTempStore, patternBytes, plainWrite, removeTempStores } from "./test-helpers.ts";

afterEach(removeTempStores);

const acme: BucketLocation = { orgId: "acme", bucket: "azure" };
const mebibyte = 1024 * 1024;
const objectSize = 300 * mebibyte;

/** Peak resident set size seen by {@link sampleRss}, in bytes. */
let peakRss = 0;

function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

/** Yields `size` bytes in 1 MiB chunks that reuse one buffer, sampling RSS as it goes. */
async function* largeBody(size: number, chunk: Uint8Array): ByteSource {
  for (let sent = 0; sent < size; sent += chunk.length) {
    sampleRss();
    yield chunk;
  }
}

function toMiB(bytes: number): string {
  return `${(bytes / mebibyte).toFixed(1)} MiB`;
}

// Memory only: the bound is loose because RSS also counts the allocator's caches.
test("300 MB put and get keep RSS flat", async () => {
  const { store } = await openTempStore();
  const chunk = patternBytes(mebibyte);
  Bun.gc(true);
  const baseline = process.memoryUsage().rss;
  peakRss = baseline;

  const info = await store.putObject(acme, "large", largeBody(objectSize, chunk), plainWrite);
  expect(info.size).toBe(objectSize);
  const afterPut = process.memoryUsage().rss;
  const peakDuringPut = peakRss;

  const { body } = await store.getObject(acme, "large");
  const hasher = new Bun.CryptoHasher("md5");
  let received = 0;
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    hasher.update(read.value);
    received += read.value.length;
    sampleRss();
  }
  expect(received).toBe(objectSize);
  expect(`"${hasher.digest("hex")}"`).toBe(info.etag);

  console.log(
    `RSS baseline ${toMiB(baseline)}, peak during put ${toMiB(peakDuringPut)}, after put ${toMiB(afterPut)}, ` +
      `peak during get ${toMiB(peakRss)}`,
  );
  expect(peakRss - baseline).toBeLessThan(100 * mebibyte);
});
