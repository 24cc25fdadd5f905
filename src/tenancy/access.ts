/**
 * The one place that decides which storage location an S3 request may touch. A credential belongs
 * to exactly one organization, and a bucket name resolves only among that organization's
 * connectors, so no request can name another organization's data.
 */
import type { BucketLocation } from "../storage/types.ts";
import { S3Error } from "../s3/s3-error.ts";
import { assertBucketInScope, bucketInScope, type CredentialScope } from "./scope.ts";

/** An authenticated caller: the organization its key belongs to, and the key's scope. */
export interface Principal {
  accessKeyId: string;
  orgId: string;
  scope: CredentialScope;
}

export interface ConnectorDirectory {
  /** Connector bucket names of an organization, with the time each was added. */
  buckets(orgId: string): ReadonlyMap<string, Date>;
}

/**
 * Resolves a bucket name for a principal.
 * @throws {S3Error} `NoSuchBucket` when the organization has no connector of that name, and
 *   `AccessDenied` when the key's scope leaves the bucket out.
 */
export function resolveBucket(directory: ConnectorDirectory, principal: Principal, bucket: string): BucketLocation {
  if (!directory.buckets(principal.orgId).has(bucket)) {
    throw new S3Error("NoSuchBucket", `The bucket "${bucket}" does not exist for this organization: run "aws s3 ls" to list the buckets you can use.`, {
      BucketName: bucket,
    });
  }
  assertBucketInScope(principal, bucket);
  return { orgId: principal.orgId, bucket };
}

/** Lists the buckets visible to a principal, those in its key's scope, sorted by name. */
export function visibleBuckets(directory: ConnectorDirectory, principal: Principal): { name: string; createdAt: Date }[] {
  return [...directory.buckets(principal.orgId)]
    .filter(([name]) => bucketInScope(principal.scope, name))
    .map(([name, createdAt]) => ({ name, createdAt }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
