/**
 * PutObject: streams the verified body into storage.
 */
import { headerValue } from "../../sigv4/request.ts";
import { resolveBucket } from "../../tenancy/access.ts";
import { readContentHeaders, readUserMetadata } from "../object-headers.ts";
import type { OperationContext, OperationHandler } from "../operation-context.ts";
import { planRequestBody, type BodyPlan } from "../request-body.ts";
import { S3Error } from "../s3-error.ts";

/**
 * Plans the body of an upload and rejects a declared length above `maxSize` before reading it.
 * @throws {S3Error} `EntityTooLarge`.
 */
export function planUpload(context: OperationContext, maxSize: number): BodyPlan {
  const plan = planRequestBody(context.request.headers, context.request.body, context.verified);
  if (plan.declaredLength !== undefined && plan.declaredLength > maxSize) {
    throw new S3Error("EntityTooLarge", `The upload is ${plan.declaredLength} bytes, above the maximum of ${maxSize} bytes.`, {
      ProposedSize: String(plan.declaredLength),
      MaxSizeAllowed: String(maxSize),
    });
  }
  return plan;
}

export const putObject: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  for (const name of ["if-match", "if-none-match"]) {
    if (headerValue(context.request.headers, name) !== undefined) {
      throw new S3Error("NotImplemented", `Conditional writes with ${name} are not implemented by this gateway yet.`);
    }
  }
  const headers = readContentHeaders(context.request.headers);
  const metadata = readUserMetadata(context.request.headers);
  const plan = planUpload(context, context.settings.maxObjectSize);
  const info = await context.store.putObject(location, context.parsed.key, plan.source, {
    headers,
    metadata,
    maxSize: context.settings.maxObjectSize,
    ...(plan.expectedMd5 ? { expectedMd5: plan.expectedMd5 } : {}),
  });
  return { status: 200, headers: { etag: info.etag } };
};
