/**
 * Writes and reads back a large object through the filesystem store and prints the resident set
 * size it saw, as JSON. Run in its own process by `fs-object-store.memory.test.ts`, so that the
 * heap left by other tests in the same runner does not blur the measurement.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BucketLocation, ByteSource } from "../types.ts";
import { openFsObjectStore } from "./fs-object-store.ts";

const mebibyte = 1024 * 1024;
const objectSize = Number(process.argv[2] ?? 300) * mebibyte;
const location: BucketLocation = { orgId: "acme", bucket: "azure" };

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

/** Yields `size` bytes in 1 MiB chunks that reuse one buffer, sampling RSS as it goes. */
async function* largeBody(size: number): ByteSource {
  const chunk = new Uint8Array(mebibyte).map((_, index) => index % 251);
  for (let sent = 0; sent < size; sent += chunk.length) {
    sampleRss();
    yield chunk;
  }
}

const root = mkdtempSync(join(tmpdir(), "s3gw-memory-"));
try {
  const store = await openFsObjectStore({ root, fsync: false });
  Bun.gc(true);
  const baseline = process.memoryUsage().rss;
  peakRss = baseline;
  const info = await store.putObject(location, "large", largeBody(objectSize), { headers: {}, metadata: {}, maxSize: objectSize });
  const peakDuringPut = peakRss;
  const { body } = await store.getObject(location, "large");
  const hasher = new Bun.CryptoHasher("md5");
  let received = 0;
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    hasher.update(read.value);
    received += read.value.length;
    sampleRss();
  }
  await store.close();
  process.stdout.write(
    JSON.stringify({ baseline, peakDuringPut, peakDuringGet: peakRss, size: info.size, received, etagMatches: `"${hasher.digest("hex")}"` === info.etag }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
