/**
 * Property tests of request parsing. Any key, percent-encoded the way different clients do it,
 * parses back to the same bucket and key. Arbitrary methods, paths and queries fail with S3Error
 * only.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { QueryParameter } from "../sigv4/canonical-query.ts";
import { bucketFromHost, maxKeyBytes, parseOperation, type ParsedOperation } from "./parse-request.ts";
import { S3Error } from "./s3-error.ts";

/** Characters RFC 3986 allows unescaped in a path segment, besides `/`. */
const pathSafe = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

/**
 * Percent-encodes `text` as a path. With `escapeAll` every UTF-8 byte is escaped, even letters
 * and `/`, and without it only what a path cannot carry raw. `lowerHex` writes `%c3%a9`.
 */
function encodePath(text: string, escapeAll: boolean, lowerHex: boolean): string {
  let encoded = "";
  for (const char of text) {
    if (!escapeAll && (char === "/" || pathSafe.test(char))) {
      encoded += char;
      continue;
    }
    for (const byte of Buffer.from(char, "utf8")) {
      const hex = byte.toString(16).padStart(2, "0");
      encoded += `%${lowerHex ? hex : hex.toUpperCase()}`;
    }
  }
  return encoded;
}

const keyPiece = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.constantFrom("..", ".", "/", "//", "%", "%25", "%2F", "+", " ", "  ", "?", "#", "&", "=", ";", "~", "__proto__", "constructor", "é", "😀", "\u0000", "\r\n"),
);
/** A key of 1 to 1024 UTF-8 bytes, written as pieces that are each encoded one way or the other. */
const encodedKey = fc
  .array(fc.record({ text: keyPiece, escapeAll: fc.boolean(), lowerHex: fc.boolean() }), { minLength: 1, maxLength: 12 })
  .map((pieces) => ({ key: pieces.map((piece) => piece.text).join(""), path: pieces.map((piece) => encodePath(piece.text, piece.escapeAll, piece.lowerHex)).join("") }))
  .filter(({ key }) => key !== "" && Buffer.byteLength(key, "utf8") <= maxKeyBytes);
const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);

const noHeader = () => false;

/** Parses and returns the result or the S3Error; any other error propagates. */
function parseOrS3Error(method: string, rawPath: string, query: readonly QueryParameter[], hasHeader: (name: string) => boolean, virtualHostBucket?: string): ParsedOperation | S3Error {
  try {
    return parseOperation(method, rawPath, query, hasHeader, virtualHostBucket);
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
}

describe("request parser properties", () => {
  test("encoded keys parse back", () => {
    const objectOperations = fc.constantFrom(["GET", "GetObject"], ["HEAD", "HeadObject"], ["PUT", "PutObject"], ["DELETE", "DeleteObject"]);
    fc.assert(
      fc.property(bucketName, encodedKey, objectOperations, (bucket, { key, path }, [method, operation]) => {
        const parsed = parseOperation(method, `/${bucket}/${path}`, [], noHeader);
        expect(parsed.bucket).toBe(bucket);
        expect(parsed.key).toBe(key);
        expect(parsed.operation).toBe(operation);
      }),
      { numRuns: 1200 },
    );
  });

  test("virtual-hosted keys parse back", () => {
    fc.assert(
      fc.property(bucketName, encodedKey, (bucket, { key, path }) => {
        const parsed = parseOperation("GET", `/${path}`, [], noHeader, bucket);
        expect(parsed.bucket).toBe(bucket);
        expect(parsed.key).toBe(key);
        expect(parsed.operation).toBe("GetObject");
      }),
      { numRuns: 600 },
    );
  });

  test("bucket from a virtual-hosted Host header", () => {
    const domain = fc.constantFrom("s3.example.com", "localhost", "s3.gateway.internal");
    const port = fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined });
    fc.assert(
      fc.property(bucketName, domain, port, fc.boolean(), (bucket, name, portNumber, upperCase) => {
        const host = `${bucket}.${name}${portNumber === undefined ? "" : `:${portNumber}`}`;
        expect(bucketFromHost(upperCase ? host.toUpperCase() : host, ["other.example.org", name])).toBe(bucket);
        expect(bucketFromHost(host, ["other.example.org"])).toBeUndefined();
        expect(bucketFromHost(`${name}${portNumber === undefined ? "" : `:${portNumber}`}`, [name])).toBeUndefined();
      }),
      { numRuns: 600 },
    );
  });

  test("arbitrary Host headers never throw", () => {
    const host = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 40 }), fc.constant(undefined));
    fc.assert(
      fc.property(host, fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), (header, domains) => {
        const bucket = bucketFromHost(header, domains);
        if (bucket !== undefined) expect(bucket).not.toBe("");
      }),
      { numRuns: 600 },
    );
  });

  test("keys over 1024 bytes are rejected", () => {
    const longKey = fc.string({ unit: "binary", minLength: 257, maxLength: 1200 }).filter((key) => Buffer.byteLength(key, "utf8") > maxKeyBytes);
    fc.assert(
      fc.property(bucketName, longKey, fc.boolean(), (bucket, key, escapeAll) => {
        const result = parseOrS3Error("GET", `/${bucket}/${encodePath(key, escapeAll, false)}`, [], noHeader);
        expect(result).toBeInstanceOf(S3Error);
        expect((result as S3Error).s3Code).toBe("KeyTooLongError");
      }),
      { numRuns: 300 },
    );
  });

  test("arbitrary requests throw only S3Error", () => {
    const method = fc.oneof(fc.constantFrom("GET", "HEAD", "PUT", "POST", "DELETE", "get", "OPTIONS", "PATCH", ""), fc.string({ unit: "binary", maxLength: 10 }));
    const pathText = fc.array(fc.oneof(keyPiece, fc.constantFrom("%", "%2", "%zz", "%C3", "%C3%28", "%ED%A0%80", "%F4%90%80%80", "%00", "/")), { maxLength: 12 }).map((parts) => parts.join(""));
    const path = fc.oneof(pathText, pathText.map((text) => `/${text}`));
    const queryName = fc.oneof(fc.constantFrom("uploads", "uploadId", "partNumber", "delete", "location", "list-type", "acl", "tagging", "versions", "__proto__", "constructor", ""), fc.string({ maxLength: 8 }));
    const query = fc.array(fc.record({ name: queryName, value: fc.string({ maxLength: 8 }) }), { maxLength: 5 });
    const virtualHostBucket = fc.option(bucketName, { nil: undefined });
    fc.assert(
      fc.property(method, path, query, fc.boolean(), virtualHostBucket, (verb, rawPath, parameters, copySource, hostBucket) => {
        const result = parseOrS3Error(verb, rawPath, parameters, (name) => copySource && name === "x-amz-copy-source", hostBucket);
        if (result instanceof S3Error) return;
        expect(rawPath.startsWith("/")).toBe(true);
        expect(["GET", "HEAD", "PUT", "POST", "DELETE"]).toContain(verb);
        expect(Buffer.byteLength(result.key, "utf8")).toBeLessThanOrEqual(maxKeyBytes);
        if (result.bucket === "") expect(result.operation).toBe("ListBuckets");
        if (hostBucket !== undefined) expect(result.bucket).toBe(hostBucket);
        for (const parameter of parameters) expect(result.params.has(parameter.name)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  test("huge paths fail or parse quickly", () => {
    const paths = [`/${"a".repeat(1_000_000)}`, `/b/${"%".repeat(1_000_000)}`, `/b/${"%41".repeat(400_000)}`, "/".repeat(1_000_000), `/b/${"😀".repeat(300_000)}`];
    for (const path of paths) {
      const started = performance.now();
      parseOrS3Error("GET", path, [], noHeader);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
