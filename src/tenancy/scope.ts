/**
 * Access key scopes: the permissions each S3 operation needs, the permissions each access level
 * grants, and the check that the S3 pipeline runs for every request before its handler.
 */
import type { OperationName } from "../s3/parse-request.ts";
import { S3Error } from "../s3/s3-error.ts";

/** Access levels a key can be generated with. */
export const keyAccessLevels = ["read-write", "read-only", "write-only"] as const;

/**
 * `read-write` may do everything; `read-only` may list and download; `write-only` may upload,
 * including multipart uploads, but may not list, download or delete.
 */
export type KeyAccess = (typeof keyAccessLevels)[number];

/** Limits chosen when a key is generated. */
export interface CredentialScope {
  access: KeyAccess;
  /** Connector buckets the key may use, sorted; null means every bucket of its organization. */
  buckets: readonly string[] | null;
}

/** The scope of a key generated without limits. */
export const unrestrictedScope: CredentialScope = { access: "read-write", buckets: null };

export type Permission = "read" | "write" | "delete";

const grantedPermissions: Record<KeyAccess, ReadonlySet<Permission>> = {
  "read-write": new Set(["read", "write", "delete"]),
  "read-only": new Set(["read"]),
  "write-only": new Set(["write"]),
};

/**
 * Permissions each operation needs. ListBuckets, HeadBucket and GetBucketLocation need none beyond
 * the bucket being in scope, so every kind of key can find its buckets. ListParts and
 * AbortMultipartUpload belong to uploading: they act only on an upload whose id the caller holds.
 * A copy reads its source and writes its target, so it needs both.
 */
export const operationPermissions: Record<OperationName, readonly Permission[]> = {
  ListBuckets: [],
  HeadBucket: [],
  GetBucketLocation: [],
  ListObjectsV2: ["read"],
  ListObjects: ["read"],
  ListMultipartUploads: ["read"],
  CreateBucket: ["write"],
  DeleteBucket: ["delete"],
  DeleteObjects: ["delete"],
  GetObject: ["read"],
  HeadObject: ["read"],
  PutObject: ["write"],
  CopyObject: ["read", "write"],
  DeleteObject: ["delete"],
  CreateMultipartUpload: ["write"],
  UploadPart: ["write"],
  UploadPartCopy: ["read", "write"],
  CompleteMultipartUpload: ["write"],
  AbortMultipartUpload: ["write"],
  ListParts: ["write"],
};

/** The caller's key and its scope, as `authorize` needs them. */
export interface ScopedKey {
  accessKeyId: string;
  scope: CredentialScope;
}

/** Checks whether a key's scope includes a bucket. */
export function bucketInScope(scope: CredentialScope, bucket: string): boolean {
  return scope.buckets === null || scope.buckets.includes(bucket);
}

/**
 * Checks that a key's scope allows an operation on a bucket (an empty bucket for ListBuckets).
 * The copy source of CopyObject and UploadPartCopy is checked where it is resolved, by
 * `resolveBucket`, which applies the same bucket scope.
 * @throws {S3Error} `AccessDenied` naming the key, what it lacks and what to do.
 */
export function authorize(key: ScopedKey, operation: OperationName, bucket: string): void {
  const granted = grantedPermissions[key.scope.access];
  const missing = operationPermissions[operation].filter((permission) => !granted.has(permission));
  if (missing.length > 0) {
    throw new S3Error(
      "AccessDenied",
      `The access key ${key.accessKeyId} is ${key.scope.access}, so it may not run ${operation}, which needs ${missing.join(" and ")} access: generate a key with the access you need.`,
    );
  }
  if (bucket !== "") assertBucketInScope(key, bucket);
}

/** @throws {S3Error} `AccessDenied` when the bucket is outside the key's bucket scope. */
export function assertBucketInScope(key: ScopedKey, bucket: string): void {
  if (bucketInScope(key.scope, bucket)) return;
  throw new S3Error(
    "AccessDenied",
    `The access key ${key.accessKeyId} is limited to the buckets ${(key.scope.buckets ?? []).join(", ")}, so it may not use "${bucket}": generate a key whose scope includes it.`,
    { BucketName: bucket },
  );
}
