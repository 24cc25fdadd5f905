/**
 * Property tests of the XML request bodies. DeleteObjects and CompleteMultipartUpload documents
 * with arbitrary keys and ETags, escaped the ways clients escape them, run through the real
 * handlers and reach storage unchanged. Malformed documents fail with S3Error only.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { deriveSigningKey } from "../sigv4/signing-key.ts";
import type { VerifiedRequest } from "../sigv4/verify.ts";
import type { BucketLocation, ByteSource, CompletedPart, MultipartUploadInfo, ObjectInfo, ObjectStore } from "../storage/types.ts";
import { unrestrictedScope } from "../tenancy/scope.ts";
import type { OperationContext, S3Response } from "./operation-context.ts";
import { deleteObjects } from "./operations/delete-objects.ts";
import { completeMultipartUpload } from "./operations/multipart.ts";
import type { ParsedOperation } from "./parse-request.ts";
import { readXmlBody } from "./request-xml.ts";
import { S3Error } from "./s3-error.ts";
import { escapeXml } from "./xml.ts";

/**
 * Records what the handlers ask storage to do. The handlers under test call only these methods,
 * so the store is passed as an ObjectStore and any other call fails with a TypeError.
 */
class RecordingStore implements Pick<ObjectStore, "deleteObject" | "describeUpload" | "completeMultipartUpload"> {
  deletedKeys: string[] = [];
  completedParts: CompletedPart[] | undefined;

  async deleteObject(_location: BucketLocation, key: string): Promise<void> {
    this.deletedKeys.push(key);
  }

  async describeUpload(_location: BucketLocation, key: string, uploadId: string): Promise<MultipartUploadInfo> {
    return { uploadId, key, initiated: new Date(0) };
  }

  async completeMultipartUpload(_location: BucketLocation, key: string, _uploadId: string, parts: CompletedPart[]): Promise<ObjectInfo> {
    this.completedParts = parts;
    return { key, size: 0, etag: '"0-1"', lastModified: new Date(0), headers: {}, metadata: {} };
  }
}

const signingScope = { accessKeyId: "AKIAPROPERTYTEST0003", date: "20240101", region: "us-east-1", service: "s3" };
const verified: VerifiedRequest = {
  accessKeyId: signingScope.accessKeyId,
  scope: signingScope,
  amzDate: "20240101T000000Z",
  signingKey: deriveSigningKey("secret", signingScope),
  seedSignature: "0".repeat(64),
  payload: { kind: "unsigned" },
};

function context(operation: ParsedOperation["operation"], body: string, store: RecordingStore): OperationContext {
  const params = new Map(operation === "DeleteObjects" ? [["delete", ""]] : [["uploadId", "upload-1"]]);
  return {
    request: { method: "POST", rawPath: "/bucket/key", rawQuery: "", headers: new Map(), body: pieces(body), sourceAddress: "127.0.0.1", requestId: "request-1" },
    parsed: { operation, bucket: "bucket", key: operation === "DeleteObjects" ? "" : "key", params },
    principal: { accessKeyId: signingScope.accessKeyId, orgId: "org-1", scope: unrestrictedScope },
    verified,
    store: store as unknown as ObjectStore,
    directory: { buckets: () => new Map([["bucket", new Date(0)]]) },
    settings: { region: "us-east-1", maxObjectSize: 5 * 1024 ** 3 },
  };
}

/** Delivers `text` as UTF-8 in pieces of `size` bytes, so multi-byte characters are split. */
async function* pieces(text: string, size = 7): ByteSource {
  const bytes = Buffer.from(text, "utf8");
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** How one character is written in element text. */
type CharStyle = "literal" | "decimal" | "hex" | "named";

const namedEntities: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/**
 * Writes `text` as XML element content, each character in the style given for it (cycling
 * through `styles`). Characters that cannot appear raw fall back to a character reference:
 * `&`, `<` and `>`, and a carriage return, which an XML parser turns into a line feed. Raw
 * control characters stay raw, as the AWS SDK for JavaScript v3 sends them.
 */
function writeText(text: string, styles: readonly CharStyle[]): string {
  let out = "";
  let index = 0;
  for (const char of text) {
    const style = styles[index % styles.length] ?? "literal";
    index += 1;
    const codePoint = char.codePointAt(0) ?? 0;
    const named = namedEntities[char];
    const mustEscape = char === "&" || char === "<" || char === ">" || char === "\r";
    if (style === "named" && named !== undefined) out += named;
    else if (style === "hex") out += `&#x${codePoint.toString(16)};`;
    else if (style === "decimal" || mustEscape) out += `&#${codePoint};`;
    else out += char;
  }
  return out;
}

/** Any text without U+0000, which no XML document can carry, even as a reference. */
const xmlText = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 30 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 30 }),
    fc.constantFrom("&amp;", "&#38;", "<Key>", "]]>", "a\r\nb", "\r", " padded ", "__proto__", "constructor", "\u0001\u001f", "😀", "é", "1e3", "true"),
  )
  .filter((text) => !text.includes("\u0000"));
const styles = fc.array(fc.constantFrom<CharStyle>("literal", "literal", "decimal", "hex", "named"), { minLength: 1, maxLength: 5 });

function deleteDocument(entries: readonly { key: string; styles: readonly CharStyle[] }[], quiet: boolean): string {
  const objects = entries.map((entry) => `<Object><Key>${writeText(entry.key, entry.styles)}</Key></Object>`).join("\n  ");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n  ${objects}${quiet ? "<Quiet>true</Quiet>" : ""}\n</Delete>`;
}

/** Runs `action` and returns the S3Error it threw, or undefined; any other error propagates. */
async function s3ErrorOf(action: () => Promise<unknown>): Promise<S3Error | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    if (error instanceof S3Error) return error;
    throw error;
  }
}

describe("XML request body properties", () => {
  test("DeleteObjects keys reach storage unchanged", async () => {
    const entries = fc.array(fc.record({ key: xmlText, styles }), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(entries, fc.boolean(), async (objects, quiet) => {
        const store = new RecordingStore();
        const response: S3Response = await deleteObjects(context("DeleteObjects", deleteDocument(objects, quiet), store));
        expect(store.deletedKeys).toEqual(objects.map((entry) => entry.key));
        if (!quiet) expect(response.body).toContain(`<Deleted><Key>${escapeXml(objects[0]?.key ?? "")}</Key></Deleted>`);
      }),
      { numRuns: 600 },
    );
  });

  test("escapeXml output reads back unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(xmlText, { minLength: 1, maxLength: 12 }), async (keys) => {
        const document = `<Delete>${keys.map((key) => `<Object><Key>${escapeXml(key)}</Key></Object>`).join("")}</Delete>`;
        const body = await readXmlBody(pieces(document), "Delete");
        const objects = body.Object as { Key: string }[];
        expect(objects.map((object) => object.Key)).toEqual(keys);
      }),
      { numRuns: 600 },
    );
  });

  test("CompleteMultipartUpload parts reach storage unchanged", async () => {
    const part = fc.record({
      partNumber: fc.integer({ min: 1, max: 10_000 }),
      leadingZeros: fc.nat({ max: 2 }),
      etag: xmlText,
      etagStyles: styles,
      spacing: fc.constantFrom("", " ", "\n  ", "\t"),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 10 }), async (parts) => {
        // Part numbers must still fit the five digits the parser accepts.
        fc.pre(parts.every((entry) => String(entry.partNumber).length + entry.leadingZeros <= 5));
        const document = `<CompleteMultipartUpload>${parts
          .map((entry) => {
            const number = "0".repeat(entry.leadingZeros) + String(entry.partNumber);
            return `<Part>${entry.spacing}<ETag>${writeText(entry.etag, entry.etagStyles)}</ETag>${entry.spacing}<PartNumber>${entry.spacing}${number}${entry.spacing}</PartNumber></Part>`;
          })
          .join("")}</CompleteMultipartUpload>`;
        const store = new RecordingStore();
        await completeMultipartUpload(context("CompleteMultipartUpload", document, store));
        expect(store.completedParts).toEqual(parts.map((entry) => ({ partNumber: entry.partNumber, etag: entry.etag.trim() })));
      }),
      { numRuns: 600 },
    );
  });

  test("edited documents fail with S3Error only", async () => {
    const edit = fc.record({
      position: fc.nat(),
      deleteCount: fc.nat({ max: 5 }),
      insert: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("<", ">", "&", "&#", "&#x;", "&#0;", "&#xD800;", "&#1114112;", "&foo;", "<!DOCTYPE d [<!ENTITY e \"x\">]>", "&e;", "]]>", "<![CDATA[", "</Object>", "<Object>", "<__proto__>", "<constructor>", "\u0000")),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ key: xmlText, styles }), { minLength: 1, maxLength: 4 }), fc.array(edit, { minLength: 1, maxLength: 3 }), async (objects, edits) => {
        let document = deleteDocument(objects, false);
        for (const { position, deleteCount, insert } of edits) {
          const at = position % (document.length + 1);
          document = document.slice(0, at) + insert + document.slice(at + deleteCount);
        }
        const parseError = await s3ErrorOf(() => readXmlBody(pieces(document), "Delete"));
        if (parseError) expect(parseError.s3Code).toBe("MalformedXML");
        const handlerError = await s3ErrorOf(() => deleteObjects(context("DeleteObjects", document, new RecordingStore())));
        if (handlerError) expect(handlerError.s3Code).toBe("MalformedXML");
      }),
      { numRuns: 900 },
    );
  });

  test("arbitrary text fails with MalformedXML", async () => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ maxLength: 200 }).map((inner) => `<Delete>${inner}</Delete>`));
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom("Delete", "CompleteMultipartUpload"), async (document, root) => {
        const error = await s3ErrorOf(() => readXmlBody(pieces(document), root));
        if (error) expect(error.s3Code).toBe("MalformedXML");
      }),
      { numRuns: 900 },
    );
  });

  test("SDK-escaped line breaks in keys", async () => {
    const store = new RecordingStore();
    await deleteObjects(context("DeleteObjects", "<Delete><Object><Key>line&#x0A;break&#x0D;&#x0A;end</Key></Object></Delete>", store));
    expect(store.deletedKeys).toEqual(["line\nbreak\r\nend"]);
  });

  test("invalid references are rejected", async () => {
    const documents = ["&#0;", "&#xD800;", "&#1114112;", "&#x110000;", "&foo;", "&#X41;", "&#;", "&#x;", "&#12a;"].map((text) => `<Delete><Object><Key>a${text}b</Key></Object></Delete>`);
    documents.push('<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY e "expanded">]><Delete><Object><Key>&e;</Key></Object></Delete>');
    for (const document of documents) {
      const error = await s3ErrorOf(() => readXmlBody(pieces(document), "Delete"));
      expect(error?.s3Code, document).toBe("MalformedXML");
    }
  });

  test("body over the size limit", async () => {
    const document = `<Delete>${"<Object><Key>k</Key></Object>".repeat(80_000)}</Delete>`;
    const error = await s3ErrorOf(() => readXmlBody(pieces(document, 65_536), "Delete"));
    expect(error?.s3Code).toBe("MalformedXML");
  });
});
