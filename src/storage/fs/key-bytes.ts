/**
 * Object keys as the index stores them: the UTF-8 bytes of the key in a SQLite BLOB column.
 * SQLite compares BLOBs with memcmp, so ORDER BY on that column is S3's UTF-8 binary order.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Upper bound above every stored key. UTF-8 never contains the byte 0xFF, so this one-byte string
 * sorts after any encoded key.
 */
export const aboveAllKeys: Uint8Array = Uint8Array.of(0xff);

/** Encodes a key (or prefix) to the UTF-8 bytes that the index stores and compares. */
export function encodeKey(key: string): Uint8Array {
  return encoder.encode(key);
}

/** Decodes key bytes read from the index. */
export function decodeKey(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * Returns the smallest byte string greater than every string that starts with `prefix`, or
 * `aboveAllKeys` when no such string exists (empty prefix, or only 0xFF bytes).
 * A scan `key >= prefix AND key < prefixSuccessor(prefix)` therefore matches exactly the keys
 * that start with `prefix`.
 */
export function prefixSuccessor(prefix: Uint8Array): Uint8Array {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end -= 1;
  if (end === 0) return aboveAllKeys;
  const successor = prefix.slice(0, end);
  successor[end - 1] = (successor[end - 1] ?? 0) + 1;
  return successor;
}

/**
 * Returns the smallest byte string strictly greater than `key`: the key followed by a zero byte.
 * It turns an exclusive lower bound ("after this key") into an inclusive one.
 */
export function keySuccessor(key: Uint8Array): Uint8Array {
  const successor = new Uint8Array(key.length + 1);
  successor.set(key);
  return successor;
}

/** Compares two byte strings in memcmp order, as SQLite compares BLOBs. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
