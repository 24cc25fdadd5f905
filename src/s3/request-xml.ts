/**
 * Reading the small XML bodies of DeleteObjects and CompleteMultipartUpload. The body is read in
 * full after signature checks, up to a fixed limit, and parsed without entity expansion beyond
 * XML's predefined ones.
 */
import { XMLParser } from "fast-xml-parser";
import type { ByteSource } from "../storage/types.ts";
import { S3Error } from "./s3-error.ts";

/** Largest XML request body accepted: 1000 keys of 1024 bytes fit with room to spare. */
const maxXmlBodyBytes = 2 * 1024 * 1024;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
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
