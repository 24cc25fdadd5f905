import { expect, test } from "bun:test";
import { aboveAllKeys, compareBytes, encodeKey, keySuccessor, prefixSuccessor } from "./key-bytes.ts";

test("prefixSuccessor increments the last byte", () => {
  expect(prefixSuccessor(encodeKey("a/"))).toEqual(encodeKey("a0"));
  expect(prefixSuccessor(Uint8Array.of(0x61, 0xff, 0xff))).toEqual(Uint8Array.of(0x62));
});

test("prefixSuccessor without an upper bound", () => {
  expect(prefixSuccessor(new Uint8Array(0))).toEqual(aboveAllKeys);
  expect(prefixSuccessor(Uint8Array.of(0xff))).toEqual(aboveAllKeys);
});

test("prefixSuccessor bounds every extension", () => {
  const prefix = encodeKey("日本/");
  const upper = prefixSuccessor(prefix);
  for (const key of ["日本/", "日本/a", "日本/😀", "日本/\u{10FFFF}"]) {
    expect(compareBytes(encodeKey(key), upper)).toBeLessThan(0);
  }
  expect(compareBytes(encodeKey("日本0"), upper)).toBeGreaterThanOrEqual(0);
});

test("keySuccessor is the next byte string", () => {
  expect(keySuccessor(encodeKey("a"))).toEqual(Uint8Array.of(0x61, 0));
  expect(compareBytes(keySuccessor(encodeKey("a")), encodeKey("a\u0001"))).toBeLessThan(0);
});

test("aboveAllKeys sorts after any UTF-8 key", () => {
  expect(compareBytes(encodeKey("\u{10FFFF}".repeat(256)), aboveAllKeys)).toBeLessThan(0);
});

test("compareBytes uses byte order, not UTF-16 order", () => {
  // U+FFFD is one UTF-16 unit above the surrogates of U+1F600, but its UTF-8 bytes sort lower.
  expect("\u{FFFD}" > "😀").toBe(true);
  expect(compareBytes(encodeKey("\u{FFFD}"), encodeKey("😀"))).toBeLessThan(0);
  expect(compareBytes(encodeKey("a"), encodeKey("ab"))).toBeLessThan(0);
});
