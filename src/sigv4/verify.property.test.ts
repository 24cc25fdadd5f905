/**
 * Property tests of presigned URL verification. URLs are presigned by a small signer written
 * here from the Signature Version 4 description, independently of canonical-query.ts and
 * canonical-request.ts, with arbitrary extra parameters and keys. Any change to a signed
 * parameter list must fail with SigV4Error, and nothing else may be thrown.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseQuery, type QueryParameter } from "./canonical-query.ts";
import { SigV4Error } from "./errors.ts";
import type { SignableRequest } from "./request.ts";
import { deriveSigningKey, sha256Hex, sign, type CredentialScope } from "./signing-key.ts";
import { verifyHeaderSignature, verifyPresignedSignature, type VerifiedRequest, type VerifyOptions } from "./verify.ts";

const accessKeyId = "AKIAPROPERTYTEST0002";
const secret = "property+test/secret=key0000000000000000";
const region = "us-west-2";
const maxPresignedExpiresSeconds = 604_800;

/** Percent-encodes every UTF-8 byte except `A-Z a-z 0-9 - . _ ~`, and `/` too when `keepSlash` is set. */
function awsEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

function compareAscii(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function canonicalQuery(parameters: readonly QueryParameter[]): string {
  return parameters
    .filter((parameter) => parameter.name !== "X-Amz-Signature")
    .map((parameter) => [awsEncode(parameter.name), awsEncode(parameter.value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compareAscii(nameA, nameB) || compareAscii(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function rawQuery(parameters: readonly QueryParameter[]): string {
  return parameters.map((parameter) => `${awsEncode(parameter.name)}=${awsEncode(parameter.value)}`).join("&");
}

function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

interface PresignInput {
  key: string;
  signedAt: Date;
  expiresSeconds: number;
  extra: QueryParameter[];
  /** Position of the presigning parameters among the extra ones. */
  insertAt: number;
}

interface Presigned {
  request: SignableRequest;
  query: QueryParameter[];
}

/** Presigns a GET of `/bucket/<key>` with the presigning parameters spliced among `extra`. */
function presign(input: PresignInput): Presigned {
  const amzDate = formatAmzDate(input.signedAt);
  const scope: CredentialScope = { accessKeyId, date: amzDate.slice(0, 8), region, service: "s3" };
  const rawPath = `/bucket/${awsEncode(input.key, true)}`;
  const host = "s3.property.test";
  const query = [...input.extra];
  query.splice(input.insertAt % (query.length + 1), 0,
    { name: "X-Amz-Algorithm", value: "AWS4-HMAC-SHA256" },
    { name: "X-Amz-Credential", value: `${accessKeyId}/${scope.date}/${region}/s3/aws4_request` },
    { name: "X-Amz-Date", value: amzDate },
    { name: "X-Amz-Expires", value: String(input.expiresSeconds) },
    { name: "X-Amz-SignedHeaders", value: "host" },
  );
  const canonicalRequest = ["GET", rawPath, canonicalQuery(query), `host:${host}\n`, "host", "UNSIGNED-PAYLOAD"].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, `${scope.date}/${region}/s3/aws4_request`, sha256Hex(canonicalRequest)].join("\n");
  query.push({ name: "X-Amz-Signature", value: sign(deriveSigningKey(secret, scope), stringToSign) });
  return { request: { method: "GET", rawPath, rawQuery: rawQuery(query), headers: new Map([["host", [host]]]) }, query };
}

function options(now: Date): VerifyOptions {
  return { region, now, maxSkewMs: 15 * 60_000, maxPresignedExpiresSeconds, lookupSecret: (id) => (id === accessKeyId ? secret : undefined) };
}

/** Runs `verify` and returns its result or the SigV4Error it threw; any other error propagates. */
function verifyOrSigV4Error(verify: () => VerifiedRequest): VerifiedRequest | SigV4Error {
  try {
    return verify();
  } catch (error) {
    if (error instanceof SigV4Error) return error;
    throw error;
  }
}

const awkwardText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("", "__proto__", "constructor", "prototype", "hasOwnProperty", "=", "&", "%", "%zz", "+", " ", "a b", "x".repeat(5000), "😀", "é"),
);
const extraParameter = fc
  .record({ name: awkwardText, value: awkwardText })
  .filter((parameter) => !parameter.name.startsWith("X-Amz-") && parameter.name !== "");
const presignInput = fc.record({
  key: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: "binary", minLength: 1, maxLength: 40 })),
  signedAt: fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }),
  expiresSeconds: fc.integer({ min: 1, max: maxPresignedExpiresSeconds }),
  extra: fc.array(extraParameter, { maxLength: 5 }),
  insertAt: fc.nat(),
});
/** Seconds after signing at which the server checks the URL, as a fraction of its lifetime. */
const elapsedFraction = fc.double({ min: 0, max: 1, noNaN: true });

function checkTime(input: PresignInput, fraction: number): Date {
  const signedAtSeconds = Math.floor(input.signedAt.getTime() / 1000);
  return new Date((signedAtSeconds + Math.floor(fraction * input.expiresSeconds)) * 1000);
}

type Mutation =
  | { kind: "shuffle"; order: number[] }
  | { kind: "drop"; index: number }
  | { kind: "duplicate"; index: number }
  | { kind: "change-value"; index: number; value: string }
  | { kind: "rename"; index: number; name: string }
  | { kind: "insert"; index: number; parameter: QueryParameter };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.array(fc.nat(), { minLength: 12, maxLength: 12 }).map((order) => ({ kind: "shuffle" as const, order })),
  fc.nat().map((index) => ({ kind: "drop" as const, index })),
  fc.nat().map((index) => ({ kind: "duplicate" as const, index })),
  fc.record({ kind: fc.constant("change-value" as const), index: fc.nat(), value: awkwardText }),
  fc.record({ kind: fc.constant("rename" as const), index: fc.nat(), name: fc.oneof(awkwardText, fc.constantFrom("X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Expires")) }),
  fc.record({
    kind: fc.constant("insert" as const),
    index: fc.nat(),
    parameter: fc.record({ name: fc.oneof(awkwardText, fc.constantFrom("X-Amz-Signature", "X-Amz-Date", "X-Amz-Security-Token")), value: awkwardText }),
  }),
);

/** Applies `change` to a copy of `query`, or returns undefined when the change would leave it as it was. */
function mutate(query: readonly QueryParameter[], change: Mutation): QueryParameter[] | undefined {
  const copy = query.map((parameter) => ({ ...parameter }));
  const index = "index" in change ? change.index % copy.length : 0;
  const target = copy[index];
  switch (change.kind) {
    case "shuffle":
      return copy
        .map((parameter, position) => ({ parameter, rank: change.order[position % change.order.length] ?? 0 }))
        .sort((a, b) => a.rank - b.rank)
        .map(({ parameter }) => parameter);
    case "drop":
      copy.splice(index, 1);
      return copy;
    case "duplicate":
      copy.splice(index, 0, { ...(target ?? { name: "", value: "" }) });
      return copy;
    case "change-value":
      if (!target || target.value === change.value) return undefined;
      target.value = change.value;
      return copy;
    case "rename":
      if (!target || target.name === change.name) return undefined;
      target.name = change.name;
      return copy;
    case "insert":
      copy.splice(change.index % (copy.length + 1), 0, change.parameter);
      return copy;
  }
}

describe("presigned URL verification properties", () => {
  test("presigned URLs verify", () => {
    fc.assert(
      fc.property(presignInput, elapsedFraction, (input, fraction) => {
        const { request } = presign(input);
        const verified = verifyPresignedSignature(request, parseQuery(request.rawQuery), options(checkTime(input, fraction)));
        expect(verified.accessKeyId).toBe(accessKeyId);
        expect(verified.scope.region).toBe(region);
        expect(verified.payload).toEqual({ kind: "unsigned" });
        expect(verified.expiresAt?.getTime()).toBe(Math.floor(input.signedAt.getTime() / 1000) * 1000 + input.expiresSeconds * 1000);
      }),
      { numRuns: 600 },
    );
  });

  test("changed parameter list fails with SigV4Error", () => {
    fc.assert(
      fc.property(presignInput, elapsedFraction, mutation, (input, fraction, change) => {
        const { request, query } = presign(input);
        const changed = mutate(query, change);
        fc.pre(changed !== undefined);
        const result = verifyOrSigV4Error(() => verifyPresignedSignature(request, changed ?? [], options(checkTime(input, fraction))));
        // Order carries no meaning in a query string, so only a shuffle may still verify.
        if (change.kind === "shuffle") expect(result).not.toBeInstanceOf(SigV4Error);
        else expect(result).toBeInstanceOf(SigV4Error);
      }),
      { numRuns: 900 },
    );
  });

  test("changed raw query string", () => {
    const edit = fc.record({ position: fc.nat(), deleteCount: fc.nat({ max: 4 }), insert: fc.oneof(awkwardText, fc.constantFrom("%", "%2", "%G0", "%C3", "&", "&&", "=", "%26", "%3D")) });
    fc.assert(
      fc.property(presignInput, elapsedFraction, fc.array(edit, { minLength: 1, maxLength: 3 }), (input, fraction, edits) => {
        const { request, query } = presign(input);
        let raw = request.rawQuery;
        for (const { position, deleteCount, insert } of edits) {
          const at = position % (raw.length + 1);
          raw = raw.slice(0, at) + insert + raw.slice(at + deleteCount);
        }
        let parsed: QueryParameter[];
        try {
          parsed = parseQuery(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(SigV4Error);
          return;
        }
        const result = verifyOrSigV4Error(() => verifyPresignedSignature({ ...request, rawQuery: raw }, parsed, options(checkTime(input, fraction))));
        // An edit may still verify only when it leaves the decoded parameters as signed, such as
        // an inserted "&" that adds an empty part.
        if (!(result instanceof SigV4Error)) expect(canonicalQuery(parsed)).toBe(canonicalQuery(query));
      }),
      { numRuns: 900 },
    );
  });

  test("arbitrary parameter lists", () => {
    const presignName = fc.constantFrom("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token");
    const presignValue = fc.oneof(
      awkwardText,
      fc.constantFrom("AWS4-HMAC-SHA256", "host", "host;x-amz-date", "20240101T000000Z", "99999999T999999Z", "0", "604801", "1e3", "a".repeat(64), `${accessKeyId}/20240101/${region}/s3/aws4_request`),
    );
    const parameters = fc.array(fc.record({ name: fc.oneof(presignName, awkwardText), value: presignValue }), { maxLength: 10 });
    fc.assert(
      fc.property(parameters, fc.date({ noInvalidDate: true }), (query, now) => {
        const request: SignableRequest = { method: "GET", rawPath: "/bucket/key", rawQuery: "", headers: new Map([["host", ["h"]]]) };
        expect(verifyOrSigV4Error(() => verifyPresignedSignature(request, query, options(now)))).toBeInstanceOf(SigV4Error);
      }),
      { numRuns: 900 },
    );
  });

  test("arbitrary Authorization and x-amz-date headers", () => {
    fc.assert(
      fc.property(fc.oneof(awkwardText, fc.constant(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/20240101/${region}/s3/aws4_request,SignedHeaders=host,Signature=${"0".repeat(64)}`)), awkwardText, (authorization, amzDate) => {
        const request: SignableRequest = {
          method: "GET",
          rawPath: "/bucket/key",
          rawQuery: "",
          headers: new Map([["host", ["h"]], ["authorization", [authorization]], ["x-amz-date", [amzDate]], ["x-amz-content-sha256", ["UNSIGNED-PAYLOAD"]]]),
        };
        expect(verifyOrSigV4Error(() => verifyHeaderSignature(request, [], options(new Date("2024-01-01T00:00:00Z"))))).toBeInstanceOf(SigV4Error);
      }),
      { numRuns: 600 },
    );
  });
});
