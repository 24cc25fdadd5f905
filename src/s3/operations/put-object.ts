/**
 * PutObject: streams the verified body into storage.
 */
import { headerValue } from "../../sigv4/request.ts";
import { resolveBucket } from "../../tenancy/access.ts";
import { readContentHeaders, readUserMetadata } from "../object-headers.ts";
import type { OperationContext, OperationHandler } from "../operation-context.ts";
import type { StoredChecksum, WriteCondition } from "../../storage/types.ts";
import { checksumResponseHeaders } from "../checksum-headers.ts";
import type { ChecksumAlgorithm } from "../checksums.ts";
import { planRequestBody, type BodyPlan } from "../request-body.ts";
import { S3Error } from "../s3-error.ts";

/**
 * Plans the body of an upload and rejects a declared length above `maxSize` before reading it.
 * @throws {S3Error} `EntityTooLarge`.
 */
export function planUpload(context: OperationContext, maxSize: number, computeAlgorithm?: ChecksumAlgorithm): BodyPlan {
  const plan = planRequestBody(context.request.headers, context.request.body, context.verified, computeAlgorithm);
  if (plan.declaredLength !== undefined && plan.declaredLength > maxSize) {
    throw new S3Error("EntityTooLarge", `The upload is ${plan.declaredLength} bytes, above the maximum of ${maxSize} bytes.`, {
      ProposedSize: String(plan.declaredLength),
      MaxSizeAllowed: String(maxSize),
    });
  }
  return plan;
}

/**
 * Reads If-None-Match and If-Match of a write. S3 accepts only `*` in If-None-Match on writes.
 * @throws {S3Error} `NotImplemented` for an If-None-Match other than `*`.
 */
export function readWriteCondition(context: OperationContext): WriteCondition | undefined {
  const ifNoneMatch = headerValue(context.request.headers, "if-none-match");
  const ifMatch = headerValue(context.request.headers, "if-match");
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") {
    throw new S3Error("NotImplemented", `If-None-Match "${ifNoneMatch.slice(0, 40)}" on a write is not supported: S3 accepts only If-None-Match: *.`);
  }
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  return { ...(ifNoneMatch !== undefined ? { ifNoneMatch: "*" as const } : {}), ...(ifMatch !== undefined ? { ifMatch: ifMatch.trim() } : {}) };
}

export const putObject: OperationHandler = async (context) => {
  const location = resolveBucket(context.directory, context.principal, context.parsed.bucket);
  const condition = readWriteCondition(context);
  const headers = readContentHeaders(context.request.headers);
  const metadata = readUserMetadata(context.request.headers);
  const plan = planUpload(context, context.settings.maxObjectSize);
  const checksum = (): StoredChecksum | undefined => {
    const verified = plan.checksum();
    return verified ? { algorithm: verified.algorithm, type: "FULL_OBJECT", value: verified.value } : undefined;
  };
  const info = await context.store.putObject(location, context.parsed.key, plan.source, {
    headers,
    metadata,
    maxSize: context.settings.maxObjectSize,
    checksum,
    ...(plan.expectedMd5 ? { expectedMd5: plan.expectedMd5 } : {}),
    ...(plan.declaredLength !== undefined ? { size: plan.declaredLength } : {}),
    ...(plan.checksumAlgorithm ? { checksumAlgorithm: plan.checksumAlgorithm } : {}),
    ...(condition ? { condition } : {}),
  });
  return { status: 200, headers: { etag: info.etag, ...checksumResponseHeaders(info.checksum) } };
};
