/**
 * Turning an HTTP request into a typed S3 operation with a ranked table of method, path shape and
 * query markers. Routing, signing, authorization and storage all read bucket and key from here.
 */
import type { QueryParameter } from "../sigv4/canonical-query.ts";
import { percentDecode } from "../sigv4/uri-encode.ts";
import { S3Error } from "./s3-error.ts";

export type OperationName =
  | "ListBuckets"
  | "HeadBucket"
  | "GetBucketLocation"
  | "ListObjectsV2"
  | "ListObjects"
  | "ListMultipartUploads"
  | "CreateBucket"
  | "DeleteBucket"
  | "DeleteObjects"
  | "GetObject"
  | "HeadObject"
  | "PutObject"
  | "CopyObject"
  | "DeleteObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts";

export interface ParsedOperation {
  operation: OperationName;
  /** Bucket name as the client sees it; empty for ListBuckets. */
  bucket: string;
  /** Object key; empty for service and bucket operations. */
  key: string;
  /** Decoded query parameters; the last value wins for repeated names. */
  params: ReadonlyMap<string, string>;
}

type Target = "service" | "bucket" | "object";

interface Rule {
  method: string;
  target: Target;
  /** Query parameters that must be present. */
  markers?: readonly string[];
  /** Header that must be present. */
  header?: string;
  operation: OperationName;
}

/** Ranked: the first matching rule wins, so more specific rules come first. */
const rules: readonly Rule[] = [
  { method: "GET", target: "service", operation: "ListBuckets" },
  { method: "GET", target: "bucket", markers: ["location"], operation: "GetBucketLocation" },
  { method: "GET", target: "bucket", markers: ["uploads"], operation: "ListMultipartUploads" },
  { method: "GET", target: "bucket", markers: ["list-type"], operation: "ListObjectsV2" },
  { method: "GET", target: "bucket", operation: "ListObjects" },
  { method: "HEAD", target: "bucket", operation: "HeadBucket" },
  { method: "PUT", target: "bucket", operation: "CreateBucket" },
  { method: "DELETE", target: "bucket", operation: "DeleteBucket" },
  { method: "POST", target: "bucket", markers: ["delete"], operation: "DeleteObjects" },
  { method: "GET", target: "object", markers: ["uploadId"], operation: "ListParts" },
  { method: "GET", target: "object", operation: "GetObject" },
  { method: "HEAD", target: "object", operation: "HeadObject" },
  { method: "PUT", target: "object", markers: ["partNumber", "uploadId"], header: "x-amz-copy-source", operation: "UploadPartCopy" },
  { method: "PUT", target: "object", markers: ["partNumber", "uploadId"], operation: "UploadPart" },
  { method: "PUT", target: "object", header: "x-amz-copy-source", operation: "CopyObject" },
  { method: "PUT", target: "object", operation: "PutObject" },
  { method: "POST", target: "object", markers: ["uploads"], operation: "CreateMultipartUpload" },
  { method: "POST", target: "object", markers: ["uploadId"], operation: "CompleteMultipartUpload" },
  { method: "DELETE", target: "object", markers: ["uploadId"], operation: "AbortMultipartUpload" },
  { method: "DELETE", target: "object", operation: "DeleteObject" },
];

/** Subresources of S3 this gateway does not implement; a request naming one gets NotImplemented. */
const unsupportedSubresources = new Set([
  "accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering", "inventory",
  "legal-hold", "lifecycle", "logging", "metrics", "notification", "object-lock", "ownershipControls", "policy",
  "policyStatus", "publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
  "tagging", "torrent", "versioning", "versions", "website",
]);

/** Maximum key length S3 accepts, in UTF-8 bytes. */
export const maxKeyBytes = 1024;

/**
 * Parses a request, path-style (`/bucket/key`) or, when `virtualHostBucket` is given because the
 * Host header named the bucket, virtual-hosted-style (`/key` on `bucket.s3.example.com`).
 * @throws {S3Error} `NotImplemented` for subresources this gateway lacks, `MethodNotAllowed`
 *   when no operation matches, `KeyTooLongError`, or `InvalidURI`-style `InvalidArgument`.
 */
export function parseOperation(
  method: string,
  rawPath: string,
  query: readonly QueryParameter[],
  hasHeader: (name: string) => boolean,
  virtualHostBucket?: string,
): ParsedOperation {
  const { bucket, key, target } = virtualHostBucket === undefined ? splitPath(rawPath) : splitVirtualHostPath(virtualHostBucket, rawPath);
  const params = new Map<string, string>();
  for (const parameter of query) params.set(parameter.name, parameter.value);
  for (const name of params.keys()) {
    if (unsupportedSubresources.has(name)) {
      throw new S3Error("NotImplemented", `The "${name}" subresource is not implemented by this gateway.`);
    }
  }
  const verb = method === "HEAD" || method === "GET" || method === "PUT" || method === "POST" || method === "DELETE" ? method : "";
  const rule = rules.find(
    (candidate) =>
      candidate.method === verb &&
      candidate.target === target &&
      (candidate.markers ?? []).every((marker) => params.has(marker)) &&
      (candidate.header === undefined || hasHeader(candidate.header)),
  );
  if (!rule) {
    throw new S3Error("MethodNotAllowed", `The method ${method.slice(0, 16)} is not allowed against this resource.`, { Method: method.slice(0, 16) });
  }
  return { operation: rule.operation, bucket, key, params };
}

function decodeKey(rawKey: string): string {
  const key = percentDecode(rawKey);
  if (key === undefined) throw new S3Error("InvalidArgument", "The request path has a malformed percent-escape: encode \"%\" in keys as \"%25\".");
  if (Buffer.byteLength(key, "utf8") > maxKeyBytes) {
    throw new S3Error("KeyTooLongError", `The key is ${Buffer.byteLength(key, "utf8")} bytes long: S3 keys are at most ${maxKeyBytes} bytes of UTF-8.`);
  }
  return key;
}

function splitVirtualHostPath(bucket: string, rawPath: string): { bucket: string; key: string; target: Target } {
  if (!rawPath.startsWith("/")) throw new S3Error("InvalidArgument", "The request path must start with \"/\".");
  const key = decodeKey(rawPath.slice(1));
  return { bucket, key, target: key === "" ? "bucket" : "object" };
}

function splitPath(rawPath: string): { bucket: string; key: string; target: Target } {
  if (!rawPath.startsWith("/")) throw new S3Error("InvalidArgument", "The request path must start with \"/\".");
  const slash = rawPath.indexOf("/", 1);
  const rawBucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const rawKey = slash === -1 ? "" : rawPath.slice(slash + 1);
  const bucket = percentDecode(rawBucket);
  if (bucket === undefined) throw new S3Error("InvalidArgument", "The request path has a malformed percent-escape: encode \"%\" in keys as \"%25\".");
  const key = decodeKey(rawKey);
  if (bucket === "") return { bucket, key, target: "service" };
  return { bucket, key, target: key === "" ? "bucket" : "object" };
}

/**
 * Finds the bucket named by a virtual-hosted-style Host header (`azure.s3.example.com` under
 * domain `s3.example.com`). Returns undefined for path-style requests.
 */
export function bucketFromHost(host: string | undefined, domains: readonly string[]): string | undefined {
  if (host === undefined || domains.length === 0) return undefined;
  const name = host.replace(/:\d+$/, "").toLowerCase();
  for (const domain of domains) {
    if (name.length > domain.length + 1 && name.endsWith(`.${domain}`)) return name.slice(0, -domain.length - 1);
  }
  return undefined;
}
