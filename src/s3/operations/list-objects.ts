/**
 * ListObjectsV2 and ListObjects (version 1), sharing one listing path.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
import { uriEncode } from "../../sigv4/uri-encode.ts";
import type { ListResult, ObjectInfo } from "../../storage/types.ts";
import { resolveBucket } from "../../tenancy/access.ts";
import { xmlResponse, type OperationContext, type OperationHandler } from "../operation-context.ts";
import { S3Error } from "../s3-error.ts";
import { element, xmlDocument, type XmlNode } from "../xml.ts";

const defaultMaxKeys = 1000;

function parseMaxKeys(value: string | undefined): number {
  if (value === undefined) return defaultMaxKeys;
  if (!/^\d{1,9}$/.test(value)) throw new S3Error("InvalidArgument", `max-keys "${value.slice(0, 20)}" is invalid: use a whole number from 0 to 1000.`, { ArgumentName: "max-keys" });
  return Math.min(Number(value), defaultMaxKeys);
}

function encodingOf(params: ReadonlyMap<string, string>): ((text: string) => string) | undefined {
  const encoding = params.get("encoding-type");
  if (encoding === undefined) return undefined;
  if (encoding !== "url") throw new S3Error("InvalidArgument", `encoding-type "${encoding.slice(0, 20)}" is invalid: the only value is url.`, { ArgumentName: "encoding-type" });
  return (text) => uriEncode(text, true);
}

async function list(context: OperationContext, after: string | undefined): Promise<{ result: ListResult; prefix: string; delimiter: string | undefined; maxKeys: number }> {
  const { parsed, principal, directory, store } = context;
  const location = resolveBucket(directory, principal, parsed.bucket);
  const prefix = parsed.params.get("prefix") ?? "";
  const delimiter = parsed.params.get("delimiter") || undefined;
  const maxKeys = parseMaxKeys(parsed.params.get("max-keys"));
  const result = await store.listObjects(location, { prefix, maxKeys, ...(delimiter ? { delimiter } : {}), ...(after ? { after } : {}) });
  return { result, prefix, delimiter, maxKeys };
}

function contents(objects: readonly ObjectInfo[], encode: (text: string) => string, owner: XmlNode): XmlNode[] {
  return objects.map((object) =>
    element("Contents", [
      element("Key", encode(object.key)),
      element("LastModified", object.lastModified.toISOString()),
      element("ETag", object.etag),
      element("Size", object.size),
      element("StorageClass", "STANDARD"),
      owner,
    ]),
  );
}

function commonPrefixes(prefixes: readonly string[], encode: (text: string) => string): XmlNode[] {
  return prefixes.map((prefix) => element("CommonPrefixes", element("Prefix", encode(prefix))));
}

function decodeContinuationToken(token: string): string {
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  if (!decoded.startsWith("k:")) throw new S3Error("InvalidArgument", "The continuation token is invalid: pass the NextContinuationToken of the previous page unchanged.", { ArgumentName: "continuation-token" });
  return decoded.slice(2);
}

export const listObjectsV2: OperationHandler = async (context) => {
  const { params } = context.parsed;
  const token = params.get("continuation-token");
  const startAfter = params.get("start-after");
  const after = token !== undefined ? decodeContinuationToken(token) : startAfter;
  const { result, prefix, delimiter, maxKeys } = await list(context, after);
  const encoder = encodingOf(params);
  const encode = encoder ?? ((text: string) => text);
  const owner = params.get("fetch-owner") === "true" ? element("Owner", [element("ID", context.principal.orgId), element("DisplayName", context.principal.orgId)]) : undefined;
  const next = result.isTruncated && result.lastReturned !== undefined ? Buffer.from(`k:${result.lastReturned}`, "utf8").toString("base64url") : undefined;
  return xmlResponse(
    xmlDocument("ListBucketResult", [
      element("Name", context.parsed.bucket),
      element("Prefix", encode(prefix)),
      delimiter !== undefined ? element("Delimiter", encode(delimiter)) : undefined,
      element("MaxKeys", maxKeys),
      element("KeyCount", result.objects.length + result.commonPrefixes.length),
      element("IsTruncated", result.isTruncated),
      token !== undefined ? element("ContinuationToken", token) : undefined,
      next !== undefined ? element("NextContinuationToken", next) : undefined,
      startAfter !== undefined ? element("StartAfter", encode(startAfter)) : undefined,
      encoder ? element("EncodingType", "url") : undefined,
      contents(result.objects, encode, owner),
      commonPrefixes(result.commonPrefixes, encode),
    ]),
  );
};

export const listObjects: OperationHandler = async (context) => {
  const { params } = context.parsed;
  const marker = params.get("marker");
  const { result, prefix, delimiter, maxKeys } = await list(context, marker);
  const encoder = encodingOf(params);
  const encode = encoder ?? ((text: string) => text);
  const owner = element("Owner", [element("ID", context.principal.orgId), element("DisplayName", context.principal.orgId)]);
  // S3 returns NextMarker only when a delimiter is set; clients otherwise continue after the last key.
  const nextMarker = result.isTruncated && delimiter !== undefined ? result.lastReturned : undefined;
  return xmlResponse(
    xmlDocument("ListBucketResult", [
      element("Name", context.parsed.bucket),
      element("Prefix", encode(prefix)),
      element("Marker", encode(marker ?? "")),
      nextMarker !== undefined ? element("NextMarker", encode(nextMarker)) : undefined,
      element("MaxKeys", maxKeys),
      delimiter !== undefined ? element("Delimiter", encode(delimiter)) : undefined,
      element("IsTruncated", result.isTruncated),
      encoder ? element("EncodingType", "url") : undefined,
      contents(result.objects, encode, owner),
      commonPrefixes(result.commonPrefixes, encode),
    ]),
  );
};
