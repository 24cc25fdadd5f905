/**
 * Property tests of the aws-chunked decoder. Bodies built by an independent encoder, split into
 * random chunk sizes and delivered in random network pieces, decode to the payload. Altered,
 * truncated or random bodies fail with SigV4Error only.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { deliverInPieces, encodeAwsChunked } from "../../test/support/aws-chunked-body.ts";
import { decodeAwsChunked, type AwsChunkedOptions, type ChunkSigning } from "./aws-chunked.ts";
import { SigV4Error } from "./errors.ts";
import { deriveSigningKey, type CredentialScope } from "./signing-key.ts";

const scope: CredentialScope = { accessKeyId: "AKIAPROPERTYTEST0001", date: "20240229", region: "eu-central-1", service: "s3" };
const signingKey = deriveSigningKey("property/test/secret/key/0000000000000000", scope);
const amzDate = "20240229T235959Z";

const hexDigit = fc.constantFrom(..."0123456789abcdef");
const seedSignature = fc.string({ unit: hexDigit, minLength: 64, maxLength: 64 });
const payload = fc.uint8Array({ maxLength: 3000 });
const chunkSizes = fc.array(fc.integer({ min: 1, max: 800 }), { minLength: 1, maxLength: 6 });
const pieceSizes = fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 });
const trailerName = fc.stringMatching(/^x-amz-[a-z0-9-]{1,20}$/).filter((name) => name !== "x-amz-trailer-signature");
const trailerValue = fc.stringMatching(/^[!-~]([ -~]{0,40}[!-~])?$/);
const trailers = fc.uniqueArray(fc.tuple(trailerName, trailerValue), { selector: ([name]) => name, maxLength: 4 });

type DecodeOptions = Omit<AwsChunkedOptions, "onTrailers">;

interface Decoded {
  bytes: Buffer;
  trailers: Map<string, string> | undefined;
}

async function decode(body: Uint8Array, sizes: readonly number[], options: DecodeOptions): Promise<Decoded> {
  let received: Map<string, string> | undefined;
  const pieces: Uint8Array[] = [];
  for await (const piece of decodeAwsChunked(deliverInPieces(body, sizes), { ...options, onTrailers: (map) => (received = map) })) {
    pieces.push(piece);
  }
  return { bytes: Buffer.concat(pieces), trailers: received };
}

/** Decodes and returns the SigV4Error, or the result when decoding succeeds; any other error propagates. */
async function decodeOrSigV4Error(body: Uint8Array, sizes: readonly number[], options: DecodeOptions): Promise<Decoded | SigV4Error> {
  try {
    return await decode(body, sizes, options);
  } catch (error) {
    if (error instanceof SigV4Error) return error;
    throw error;
  }
}

function signing(seed: string): ChunkSigning {
  return { signingKey, amzDate, scope, seedSignature: seed };
}

const signedCase = fc.record({ seed: seedSignature, payload, chunkSizes, pieceSizes, upperCaseHex: fc.boolean() });

describe("aws-chunked decoder properties", () => {
  test("signed chunks decode to the payload", async () => {
    await fc.assert(
      fc.asyncProperty(signedCase, async (input) => {
        const body = encodeAwsChunked(input.payload, { chunkSizes: input.chunkSizes, signing: signing(input.seed), upperCaseHex: input.upperCaseHex });
        const decoded = await decode(body, input.pieceSizes, { signing: signing(input.seed), trailer: false });
        expect(decoded.bytes.equals(input.payload)).toBe(true);
        expect(decoded.trailers?.size).toBe(0);
      }),
      { numRuns: 450 },
    );
  });

  test("signed chunks with a signed trailer", async () => {
    await fc.assert(
      fc.asyncProperty(signedCase, trailers, async (input, trailerPairs) => {
        const body = encodeAwsChunked(input.payload, { chunkSizes: input.chunkSizes, signing: signing(input.seed), trailers: trailerPairs });
        const decoded = await decode(body, input.pieceSizes, { signing: signing(input.seed), trailer: true });
        expect(decoded.bytes.equals(input.payload)).toBe(true);
        expect(decoded.trailers).toEqual(new Map(trailerPairs));
      }),
      { numRuns: 300 },
    );
  });

  test("unsigned chunks with a trailer", async () => {
    await fc.assert(
      fc.asyncProperty(payload, chunkSizes, pieceSizes, trailers, fc.boolean(), async (bytes, sizes, pieces, trailerPairs, upperCaseHex) => {
        const body = encodeAwsChunked(bytes, { chunkSizes: sizes, trailers: trailerPairs, upperCaseHex });
        const decoded = await decode(body, pieces, { trailer: true });
        expect(decoded.bytes.equals(bytes)).toBe(true);
        expect(decoded.trailers).toEqual(new Map(trailerPairs));
      }),
      { numRuns: 450 },
    );
  });

  test("altered byte of a signed body", async () => {
    await fc.assert(
      fc.asyncProperty(signedCase, fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (input, withTrailer, position, delta) => {
        const trailerPairs = withTrailer ? [["x-amz-checksum-crc32", "AAAAAA=="] as const] : undefined;
        const body = encodeAwsChunked(input.payload, {
          chunkSizes: input.chunkSizes,
          signing: signing(input.seed),
          ...(trailerPairs ? { trailers: trailerPairs } : {}),
        });
        const index = position % body.length;
        body[index] = ((body[index] ?? 0) + delta) % 256;
        const result = await decodeOrSigV4Error(body, input.pieceSizes, { signing: signing(input.seed), trailer: withTrailer });
        // A change can pass only where the format ignores it, such as the case of a hex digit in a
        // chunk size. Every signature was then verified, so the payload must be intact.
        if (!(result instanceof SigV4Error)) expect(result.bytes.equals(input.payload)).toBe(true);
      }),
      { numRuns: 900 },
    );
  });

  test("truncated signed body", async () => {
    await fc.assert(
      fc.asyncProperty(signedCase, fc.nat(), async (input, cut) => {
        const body = encodeAwsChunked(input.payload, { chunkSizes: input.chunkSizes, signing: signing(input.seed) });
        const truncated = body.subarray(0, cut % body.length);
        const result = await decodeOrSigV4Error(truncated, input.pieceSizes, { signing: signing(input.seed), trailer: false });
        expect(result).toBeInstanceOf(SigV4Error);
      }),
      { numRuns: 450 },
    );
  });

  test("altered byte of an unsigned body", async () => {
    await fc.assert(
      fc.asyncProperty(payload, chunkSizes, pieceSizes, trailers, fc.nat(), fc.integer({ min: 1, max: 255 }), async (bytes, sizes, pieces, trailerPairs, position, delta) => {
        const body = encodeAwsChunked(bytes, { chunkSizes: sizes, trailers: trailerPairs });
        const index = position % body.length;
        body[index] = ((body[index] ?? 0) + delta) % 256;
        await decodeOrSigV4Error(body, pieces, { trailer: true });
      }),
      { numRuns: 600 },
    );
  });

  test("random bytes in every mode", async () => {
    const modes = fc.constantFrom<DecodeOptions>(
      { trailer: false },
      { trailer: true },
      { signing: signing("0".repeat(64)), trailer: false },
      { signing: signing("0".repeat(64)), trailer: true },
    );
    const formatToken = fc.constantFrom("0", "a", "ffff", "\r\n", "\r\n\r\n", ";chunk-signature=", ":", "x-amz-trailer-signature:").map((text) => Buffer.from(text, "latin1"));
    const chunkLike = fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), formatToken), { maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(chunkLike, pieceSizes, modes, async (parts, pieces, options) => {
        await decodeOrSigV4Error(Buffer.concat(parts), pieces, options);
      }),
      { numRuns: 900 },
    );
  });

  test("oversized chunk ends without hanging", async () => {
    const body = Buffer.from("3ffffff\r\nabc", "latin1");
    const result = await decodeOrSigV4Error(body, [2], { trailer: true });
    expect(result).toBeInstanceOf(SigV4Error);
    expect((result as SigV4Error).s3Code).toBe("IncompleteBody");
  });
});
