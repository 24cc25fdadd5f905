/**
 * Reading the XML documents an S3 upstream returns, into plain values. Keys in listings are
 * requested with `encoding-type=url`, so any key survives XML, and decoded here.
 */
import { XMLParser } from "fast-xml-parser";

const listElements = new Set(["Contents", "CommonPrefixes", "Part", "Upload"]);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  // Decodes numeric character references too; versitygw writes the quotes of ETags as `&#34;`.
  htmlEntities: true,
  isArray: (name) => listElements.has(name),
});

type XmlRecord = Record<string, unknown>;

function isRecord(value: unknown): value is XmlRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a document and returns its root element's children.
 * @throws {Error} when the text is not XML or the root element is not `root`.
 */
export function parseDocument(text: string, root: string): XmlRecord {
  const document: unknown = parser.parse(text);
  const element = isRecord(document) ? document[root] : undefined;
  if (isRecord(element)) return element;
  if (element === "" || element === undefined) {
    if (isRecord(document) && root in document) return {};
  }
  throw new Error(`The upstream returned a document without a ${root} element.`);
}

/** Text of a child element, or undefined. */
export function childText(record: XmlRecord, name: string): string | undefined {
  const value = record[name];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** Child elements that repeat (listed in {@link listElements}). */
export function childList(record: XmlRecord, name: string): XmlRecord[] {
  const value = record[name];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Reads the `<Code>` of an S3 error document, or undefined when the body is not one. */
export function errorCode(body: string): string | undefined {
  if (!body.includes("<Error")) return undefined;
  try {
    return childText(parseDocument(body, "Error"), "Code");
  } catch {
    return undefined;
  }
}

/** Decodes a key from a listing made with `encoding-type=url`, where `+` means a space. */
export function decodeListedKey(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, "%20"));
}

/**
 * Returns the decoder for the keys of a listing result: URL decoding when the result contains
 * `<EncodingType>url</EncodingType>`, otherwise none, because some S3 servers (versitygw
 * v1.8.0) ignore `encoding-type` and return keys as they are.
 */
export function listedKeyDecoder(result: XmlRecord): (text: string) => string {
  return childText(result, "EncodingType") === "url" ? decodeListedKey : (text) => text;
}
