/**
 * Adapters between web streams and the async iterables storage consumes.
 */
import type { ByteSource } from "./types.ts";

/** Iterates a ReadableStream, cancelling it when the consumer stops early. */
export async function* iterateStream(stream: ReadableStream<Uint8Array>): ByteSource {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel();
    reader.releaseLock();
  }
}
