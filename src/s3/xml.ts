/**
 * Minimal XML writing for S3 responses. Every text value passes through {@link escapeXml}.
 */

export const xmlDeclaration = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

/**
 * Escapes text for an XML element. Characters XML 1.0 cannot carry at all (most control
 * characters) are written as character references, as Amazon S3 does for such keys. So is a
 * carriage return, because XML parsers turn a raw one into a line feed.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\u0000-\u0008\u000b-\u001f]/g, (char) => {
    switch (char) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return `&#${char.charCodeAt(0)};`;
    }
  });
}

/** A tree of elements: a string is escaped text, an array is a list of children. */
export type XmlNode = string | number | boolean | XmlElement | XmlNode[] | undefined;
export interface XmlElement {
  name: string;
  children: XmlNode;
}

export function element(name: string, children: XmlNode): XmlElement {
  return { name, children };
}

function write(node: XmlNode): string {
  if (node === undefined) return "";
  if (Array.isArray(node)) return node.map(write).join("");
  if (typeof node === "object") return `<${node.name}>${write(node.children)}</${node.name}>`;
  return escapeXml(String(node));
}

/** Serializes a document whose root element carries the S3 namespace. */
export function xmlDocument(root: string, children: XmlNode): string {
  return `${xmlDeclaration}<${root} xmlns="${s3Namespace}">${write(children)}</${root}>`;
}

/** Serializes a document without a namespace, as S3 writes error bodies. */
export function plainXmlDocument(root: string, children: XmlNode): string {
  return `${xmlDeclaration}<${root}>${write(children)}</${root}>`;
}
