/**
 * ListBuckets, HeadBucket, GetBucketLocation, and the refused CreateBucket and DeleteBucket.
 * Buckets are the organization's connectors, managed by the operator.
 */
import { resolveBucket, visibleBuckets } from "../../tenancy/access.ts";
import { xmlResponse, type OperationHandler } from "../operation-context.ts";
import { S3Error } from "../s3-error.ts";
import { element, xmlDocument } from "../xml.ts";

export const listBuckets: OperationHandler = async ({ principal, directory }) => {
  const buckets = visibleBuckets(directory, principal).map((bucket) =>
    element("Bucket", [element("Name", bucket.name), element("CreationDate", bucket.createdAt.toISOString())]),
  );
  return xmlResponse(
    xmlDocument("ListAllMyBucketsResult", [
      element("Owner", [element("ID", principal.orgId), element("DisplayName", principal.orgId)]),
      element("Buckets", buckets),
    ]),
  );
};

export const headBucket: OperationHandler = async ({ parsed, principal, directory, settings }) => {
  resolveBucket(directory, principal, parsed.bucket);
  return { status: 200, headers: { "x-amz-bucket-region": settings.region } };
};

export const getBucketLocation: OperationHandler = async ({ parsed, principal, directory, settings }) => {
  resolveBucket(directory, principal, parsed.bucket);
  // S3 writes an empty LocationConstraint for us-east-1.
  return xmlResponse(xmlDocument("LocationConstraint", settings.region === "us-east-1" ? "" : settings.region));
};

/**
 * Refuses to create buckets, except that naming one of the organization's own connectors
 * succeeds as it does in Amazon S3 for a bucket the caller owns: 200 in us-east-1,
 * `BucketAlreadyOwnedByYou` elsewhere. Clients such as rclone create a bucket before their first
 * upload and give up on any other error.
 */
export const createBucket: OperationHandler = async ({ parsed, principal, directory, settings }) => {
  if (directory.buckets(principal.orgId).has(parsed.bucket)) {
    if (settings.region === "us-east-1") return { status: 200, headers: { location: `/${parsed.bucket}` } };
    throw new S3Error("BucketAlreadyOwnedByYou", `The bucket "${parsed.bucket}" already exists and belongs to your organization.`, { BucketName: parsed.bucket });
  }
  throw new S3Error("AccessDenied", `Buckets are managed by the operator, so "${parsed.bucket}" cannot be created with S3: ask your administrator to add a connector.`);
};

export const deleteBucket: OperationHandler = async ({ parsed }) => {
  throw new S3Error("AccessDenied", `Buckets are managed by the operator, so "${parsed.bucket}" cannot be deleted with S3: ask your administrator to remove the connector.`);
};
