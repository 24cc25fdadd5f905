/**
 * Reading the small XML bodies of DeleteObjects and CompleteMultipartUpload. The body is read in
 * full after signature checks, up to a fixed limit, and parsed with only XML's predefined
 * entities and character references decoded. Entities a DOCTYPE declares are never expanded.
 */
import { XMLParser } from "fast-xml-parser";
import type { ByteSource } from "../storage/types.ts";
import { S3Error } from "./s3-error.ts";

/** Largest XML request body accepted: 1000 keys of 1024 bytes fit with room to spare. */
const maxXmlBodyBytes = 2 * 1024 * 1024;

const predefinedEntities: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Decodes the predefined entities and character references in element text. Clients write
 * characters of keys and ETags as references, so leaving one undecoded would name another key.
 * The AWS SDK for JavaScript v3 sends a line feed as `&#x0A;`. This gateway's listings write
 * control characters as `&#1;`, so references to them are accepted although XML 1.0 forbids them.
 * @throws {Error} for an unterminated reference, an entity other than the five predefined ones,
 *   or a reference to U+0000, a surrogate or a code point above U+10FFFF.
 */
function decodeReferences(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&([^&;]*)(;?)/g, (reference, name: string, semicolon: string) => {
    const predefined = Object.hasOwn(predefinedEntities, name) ? predefinedEntities[name] : undefined;
    if (semicolon === "" || (predefined === undefined && !/^#(?:[0-9]+|x[0-9a-fA-F]+)$/.test(name))) {
      throw new Error(`Undefined XML reference ${reference.slice(0, 20)}.`);
    }
    if (predefined !== undefined) return predefined;
    const codePoint = name.startsWith("#x") ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    if (codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) {
      throw new Error(`Character reference ${reference.slice(0, 20)} names no XML character.`);
    }
    return String.fromCodePoint(codePoint);
  });
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  // Replaces the default decoder of fast-xml-parser 5.12, which leaves character references
  // undecoded unless HTML entities are enabled as well, and expands entities a DOCTYPE declares.
  entityDecoder: { decode: decodeReferences, reset() {}, setExternalEntities() {}, addInputEntities() {}, setXmlVersion() {} },
  isArray: (name) => name === "Object" || name === "Part",
});

/**
 * Reads and parses an XML body.
 * @throws {S3Error} `MalformedXML` for a body that is too large, not XML, or lacks `root`.
 */
export async function readXmlBody(source: ByteSource, root: string): Promise<Record<string, unknown>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxXmlBodyBytes) throw new S3Error("MalformedXML", `The XML body is larger than ${maxXmlBodyBytes} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let document: unknown;
  try {
    document = parser.parse(text, true);
  } catch {
    throw new S3Error("MalformedXML", `The request body is not well-formed XML: send a <${root}> document.`);
  }
  const body = isRecord(document) ? document[root] : undefined;
  if (!isRecord(body)) throw new S3Error("MalformedXML", `The request body has no <${root}> element.`);
  return body;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a child element's text; numbers and booleans are not converted. */
export function childText(node: Record<string, unknown>, name: string): string | undefined {
  const value = Object.hasOwn(node, name) ? node[name] : undefined;
  if (typeof value === "string") return value;
  if (value === "" || (isRecord(value) && Object.keys(value).length === 0)) return "";
  return undefined;
}
