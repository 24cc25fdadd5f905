/**
 * Property tests of the Authorization header parser. Generated headers parse back to their
 * scope, signed headers and signature. Altered and arbitrary text fails with SigV4Error only.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseAuthorizationHeader, parseCredentialScope, parseSignedHeaders, type ParsedAuthorization } from "./authorization-header.ts";
import { SigV4Error } from "./errors.ts";

const tokenChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+.^_`|~-");
const headerName = fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 });
/** Text without `/` and `,`, which separate scope parts and header fields. */
const scopePart = fc
  .oneof(fc.string({ minLength: 1, maxLength: 24 }), fc.string({ unit: "binary", minLength: 1, maxLength: 24 }), fc.constantFrom("__proto__", "constructor", "a=b", "é", "😀"))
  .filter((text) => !text.includes("/") && !text.includes(","));
const hexDigit = fc.constantFrom(..."0123456789abcdef");

const validHeader = fc.record({
  accessKeyId: scopePart,
  date: fc.stringMatching(/^\d{8}$/),
  region: scopePart,
  signedHeaders: fc.uniqueArray(headerName, { maxLength: 8 }).map((names) => [...new Set([...names, "host"])].sort()),
  signature: fc.string({ unit: hexDigit, minLength: 64, maxLength: 64 }),
  fieldOrder: fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
  separators: fc.array(fc.constantFrom(",", ", ", " ,  ", ",\t"), { minLength: 2, maxLength: 2 }),
  padding: fc.constantFrom("", " ", "  ", "\t"),
});

type ValidHeader = typeof validHeader extends fc.Arbitrary<infer T> ? T : never;

function formatHeader(input: ValidHeader): string {
  const fields = [
    `Credential=${input.accessKeyId}/${input.date}/${input.region}/s3/aws4_request`,
    `SignedHeaders=${input.signedHeaders.join(";")}`,
    `Signature=${input.signature}`,
  ];
  const ordered = input.fieldOrder.map((index) => fields[index] ?? "");
  const [first, second] = input.separators;
  return `${input.padding}AWS4-HMAC-SHA256 ${ordered[0]}${first}${ordered[1]}${second}${ordered[2]}${input.padding}`;
}

/** Parses `header` and returns the result or the SigV4Error; any other error propagates. */
function parseOrSigV4Error(header: string): ParsedAuthorization | SigV4Error {
  try {
    return parseAuthorizationHeader(header);
  } catch (error) {
    if (error instanceof SigV4Error) return error;
    throw error;
  }
}

/** What every successful parse must satisfy, whatever the input was. */
function expectWellFormed(parsed: ParsedAuthorization): void {
  expect(parsed.signature).toMatch(/^[0-9a-f]{64}$/);
  expect(parsed.scope.service).toBe("s3");
  expect(parsed.scope.date).toMatch(/^\d{8}$/);
  expect(parsed.scope.accessKeyId).not.toBe("");
  expect(parsed.scope.region).not.toBe("");
  expect(parsed.signedHeaders).toContain("host");
}

const awkwardFragment = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("", ",", ",,", ",,,", "=", "==", " ", "/", ";", ";;", "__proto__", "constructor", "prototype", "Credential=", "SignedHeaders=", "Signature=", "\u0000", "\r\n", "é", "😀", "HOST", "aws4_request"),
);

describe("Authorization header parser properties", () => {
  test("generated headers parse back", () => {
    fc.assert(
      fc.property(validHeader, (input) => {
        const parsed = parseAuthorizationHeader(formatHeader(input));
        expect(parsed.scope).toEqual({ accessKeyId: input.accessKeyId, date: input.date, region: input.region, service: "s3" });
        expect(parsed.signedHeaders).toEqual(input.signedHeaders);
        expect(parsed.signature).toBe(input.signature);
      }),
      { numRuns: 900 },
    );
  });

  test("edited headers throw only SigV4Error", () => {
    const edit = fc.record({ position: fc.nat(), deleteCount: fc.nat({ max: 6 }), insert: awkwardFragment });
    fc.assert(
      fc.property(validHeader, fc.array(edit, { minLength: 1, maxLength: 4 }), (input, edits) => {
        let header = formatHeader(input);
        for (const { position, deleteCount, insert } of edits) {
          const at = position % (header.length + 1);
          header = header.slice(0, at) + insert + header.slice(at + deleteCount);
        }
        const result = parseOrSigV4Error(header);
        if (!(result instanceof SigV4Error)) expectWellFormed(result);
      }),
      { numRuns: 1500 },
    );
  });

  test("arbitrary text throws only SigV4Error", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(awkwardFragment, { maxLength: 30 }).map((parts) => `AWS4-HMAC-SHA256 ${parts.join("")}`),
    );
    fc.assert(
      fc.property(text, (header) => {
        const result = parseOrSigV4Error(header);
        if (!(result instanceof SigV4Error)) expectWellFormed(result);
      }),
      { numRuns: 1500 },
    );
  });

  test("scope parsers keep error code", () => {
    const code = fc.constantFrom("AuthorizationHeaderMalformed" as const, "AuthorizationQueryParametersError" as const);
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.array(awkwardFragment, { maxLength: 10 }).map((parts) => parts.join("")));
    fc.assert(
      fc.property(text, code, (input, errorCode) => {
        for (const parse of [parseCredentialScope, parseSignedHeaders]) {
          try {
            parse(input, errorCode);
          } catch (error) {
            expect(error).toBeInstanceOf(SigV4Error);
            expect((error as SigV4Error).s3Code).toBe(errorCode);
          }
        }
      }),
      { numRuns: 900 },
    );
  });

  test("huge headers fail quickly", () => {
    const huge = [
      `AWS4-HMAC-SHA256 ${"a=b,".repeat(250_000)}`,
      `AWS4-HMAC-SHA256 ${",".repeat(1_000_000)}`,
      `AWS4-HMAC-SHA256 Credential=${"/".repeat(1_000_000)},SignedHeaders=host,Signature=${"0".repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=AK/20240101/r/s3/aws4_request,SignedHeaders=${"a;".repeat(500_000)}host,Signature=${"0".repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=AK/20240101/r/s3/aws4_request,SignedHeaders=host,Signature=${"0".repeat(1_000_000)}`,
      " ".repeat(1_000_000),
      "😀".repeat(500_000),
    ];
    for (const header of huge) {
      const started = performance.now();
      expect(parseOrSigV4Error(header)).toBeInstanceOf(SigV4Error);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
