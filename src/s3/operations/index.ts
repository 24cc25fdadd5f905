/**
 * The handler of each S3 operation.
 */
import type { OperationHandler } from "../operation-context.ts";
import type { OperationName } from "../parse-request.ts";
import { S3Error } from "../s3-error.ts";
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from "./bucket-operations.ts";
import { copyObject, uploadPartCopy } from "./copy-object.ts";
import { deleteObject, deleteObjects } from "./delete-objects.ts";
import { getObject, headObject } from "./get-object.ts";
import { listObjects, listObjectsV2 } from "./list-objects.ts";
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from "./multipart.ts";
import { putObject } from "./put-object.ts";

const notImplemented =
  (name: string): OperationHandler =>
  async () => {
    throw new S3Error("NotImplemented", `${name} is not implemented by this gateway yet.`);
  };

export const operationHandlers: Record<OperationName, OperationHandler> = {
  ListBuckets: listBuckets,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  ListObjectsV2: listObjectsV2,
  ListObjects: listObjects,
  ListMultipartUploads: listMultipartUploads,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  DeleteObjects: deleteObjects,
  GetObject: getObject,
  HeadObject: headObject,
  PutObject: putObject,
  CopyObject: copyObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
};
