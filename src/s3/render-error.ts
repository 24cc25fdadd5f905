/**
 * The one function that turns any failure into an S3 error response. Causes and internal details
 * never reach the client; the caller logs them.
 */
import { SigV4Error } from "../sigv4/errors.ts";
import { StorageError } from "../storage/errors.ts";
import type { S3Response } from "./operation-context.ts";
import { S3Error } from "./s3-error.ts";
import { element, plainXmlDocument } from "./xml.ts";

/** Converts known error types to {@link S3Error}; anything else becomes `InternalError`. */
export function toS3Error(error: unknown): S3Error {
  if (error instanceof S3Error) return error;
  if (error instanceof SigV4Error) return new S3Error(error.s3Code, error.message, { ...error.details });
  if (error instanceof StorageError) return new S3Error(error.kind, error.message);
  return new S3Error("InternalError", undefined, {}, { cause: error });
}

/**
 * Renders an S3 error. HEAD responses carry the status and headers only, as S3 sends them.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses
 */
export function renderS3Error(error: S3Error, context: { method: string; resource: string; requestId: string }): S3Response {
  const headers: Record<string, string> = { "x-amz-request-id": context.requestId };
  if (error.s3Code === "InvalidRange" && error.details.ActualObjectSize !== undefined) {
    headers["content-range"] = `bytes */${error.details.ActualObjectSize}`;
  }
  if (context.method === "HEAD") return { status: error.status, headers };
  const body = plainXmlDocument("Error", [
    element("Code", error.s3Code),
    element("Message", error.message),
    Object.entries(error.details).map(([name, value]) => element(name, value)),
    element("Resource", context.resource),
    element("RequestId", context.requestId),
  ]);
  return { status: error.status, headers: { ...headers, "content-type": "application/xml" }, body };
}
