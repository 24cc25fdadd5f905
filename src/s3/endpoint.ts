/**
 * The S3 request pipeline, the same for every operation: parse, authenticate, authorize, execute,
 * render. Logs one line per request with parsed values only.
 */
import type { LastUseRecorder } from "../credentials/last-use.ts";
import type { RejectedRequestLog } from "../credentials/rejection-log.ts";
import type { FailureThrottle } from "../credentials/throttle.ts";
import type { CachedCredential } from "../credentials/lookup-cache.ts";
import { isWellFormedAccessKeyId } from "../credentials/key-format.ts";
import type { Logger } from "../log/logger.ts";
import { parseQuery, type QueryParameter } from "../sigv4/canonical-query.ts";
import { headerValue } from "../sigv4/request.ts";
import { isPresigned, verifyHeaderSignature, verifyPresignedSignature, type VerifiedRequest, type VerifyOptions } from "../sigv4/verify.ts";
import type { ObjectStore } from "../storage/types.ts";
import type { ConnectorDirectory, Principal } from "../tenancy/access.ts";
import { authorize } from "../tenancy/scope.ts";
import type { S3Request, S3Response, S3Settings } from "./operation-context.ts";
import { operationHandlers } from "./operations/index.ts";
import { bucketFromHost, parseOperation, type ParsedOperation } from "./parse-request.ts";
import { renderS3Error, toS3Error } from "./render-error.ts";
import { S3Error } from "./s3-error.ts";

export interface CredentialDirectory extends ConnectorDirectory {
  credential(accessKeyId: string): CachedCredential | undefined;
}

export interface S3EndpointOptions {
  store: ObjectStore;
  directory: CredentialDirectory;
  settings: S3Settings & { maxClockSkewMs: number; domains: readonly string[] };
  logger: Logger;
  lastUse?: LastUseRecorder;
  /** Slows down clients whose signature checks keep failing; valid requests never pass through it. */
  throttle?: FailureThrottle;
  /** Collects rejected requests for the audit trail. */
  rejections?: RejectedRequestLog;
  now?: () => Date;
}

/** Failures that count against the failed-signature throttle. */
const signatureFailures: ReadonlySet<string> = new Set(["SignatureDoesNotMatch", "InvalidAccessKeyId"]);

/** Longest presigned URL lifetime, 7 days, as in Amazon S3. */
const maxPresignedSeconds = 7 * 86_400;

export class S3Endpoint {
  private readonly now: () => Date;

  constructor(private readonly options: S3EndpointOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Runs one request through the pipeline. Every failure becomes an S3 error response. */
  async handle(request: S3Request): Promise<S3Response> {
    const started = performance.now();
    let parsed: ParsedOperation | undefined;
    let principal: Principal | undefined;
    let response: S3Response;
    let failure: S3Error | undefined;
    const attempt: { accessKeyId?: string } = {};
    try {
      const query = parseQuery(request.rawQuery);
      const hostBucket = bucketFromHost(headerValue(request.headers, "host"), this.options.settings.domains);
      parsed = parseOperation(request.method, request.rawPath, query, (name) => request.headers.has(name), hostBucket);
      const verified = this.authenticate(request, query, attempt);
      principal = this.authorizeKey(verified);
      authorize(principal, parsed.operation, parsed.bucket);
      this.options.lastUse?.record(principal.accessKeyId, request.sourceAddress, this.now());
      response = await operationHandlers[parsed.operation]({
        request,
        parsed,
        principal,
        verified,
        store: this.options.store,
        directory: this.options.directory,
        settings: this.options.settings,
      });
      response.headers["x-amz-request-id"] = request.requestId;
    } catch (error) {
      failure = await this.rejected(request, toS3Error(error), attempt.accessKeyId);
      const resource = parsed ? `/${parsed.bucket}${parsed.key ? `/${parsed.key}` : ""}` : "/";
      response = renderS3Error(failure, { method: request.method, resource, requestId: request.requestId });
    }
    this.log(request, parsed, principal, response, failure, performance.now() - started);
    return response;
  }

  /**
   * Records a rejected request for the audit trail, and when it failed a signature check, for the
   * throttle. A client over its failure budget gets SlowDown after a delay instead of the
   * original error, which also stops it from telling unknown key ids from wrong secrets.
   */
  private async rejected(request: S3Request, failure: S3Error, claimedKeyId: string | undefined): Promise<S3Error> {
    let result = failure;
    const accessKeyId = claimedKeyId !== undefined && isWellFormedAccessKeyId(claimedKeyId) ? claimedKeyId : undefined;
    if (this.options.throttle && signatureFailures.has(failure.s3Code)) {
      const verdict = this.options.throttle.recordFailure(request.sourceAddress, accessKeyId);
      if (verdict.limited) {
        await Bun.sleep(verdict.delayMs);
        result = new S3Error("SlowDown", "Too many requests with failed signature checks came from this address or for this access key: wait a few seconds, and check the secret access key.");
      }
    }
    if (this.options.rejections && (result.status === 403 || result.s3Code === "SlowDown")) {
      const orgId = accessKeyId === undefined ? undefined : this.orgOfKey(accessKeyId);
      this.options.rejections.record({ accessKeyId, orgId, sourceAddress: request.sourceAddress, code: result.s3Code, at: this.now() });
    }
    return result;
  }

  /** Returns the organization of a key for the audit trail, or undefined when it cannot be read. */
  private orgOfKey(accessKeyId: string): string | undefined {
    try {
      return this.options.directory.credential(accessKeyId)?.orgId;
    } catch {
      // The lookup failed for this request already (for example a secret under a missing master
      // key); the rejection is still recorded, without its organization.
      return undefined;
    }
  }

  private authenticate(request: S3Request, query: readonly QueryParameter[], attempt: { accessKeyId?: string }): VerifiedRequest {
    const options: VerifyOptions = {
      region: this.options.settings.region,
      now: this.now(),
      maxSkewMs: this.options.settings.maxClockSkewMs,
      maxPresignedExpiresSeconds: maxPresignedSeconds,
      lookupSecret: (accessKeyId) => {
        attempt.accessKeyId = accessKeyId;
        return isWellFormedAccessKeyId(accessKeyId) ? this.options.directory.credential(accessKeyId)?.secretAccessKey : undefined;
      },
    };
    if (isPresigned(query)) {
      if (headerValue(request.headers, "authorization") !== undefined) {
        throw new S3Error("InvalidArgument", "The request carries both an Authorization header and query-string credentials: use only one.");
      }
      return verifyPresignedSignature(request, query, options);
    }
    if (headerValue(request.headers, "authorization") === undefined) {
      throw new S3Error("AccessDenied", "Anonymous requests are not allowed: sign requests with an access key generated in the console.");
    }
    if (request.headers.has("x-amz-security-token")) {
      throw new S3Error("InvalidArgument", "x-amz-security-token is not accepted: this gateway issues long-term keys, so sign without a session token.", {
        ArgumentName: "x-amz-security-token",
      });
    }
    return verifyHeaderSignature(request, query, options);
  }

  /**
   * Checks that the key that signed the request is still usable. Runs after the signature check,
   * so only a holder of the secret learns that a key expired or was revoked.
   */
  private authorizeKey(verified: VerifiedRequest): Principal {
    const credential = this.options.directory.credential(verified.accessKeyId);
    if (!credential) throw new S3Error("InvalidAccessKeyId", `The access key id "${verified.accessKeyId}" does not exist: generate a key in the console.`);
    if (credential.revokedAt) {
      throw new S3Error("AccessDenied", `The access key ${credential.accessKeyId} was revoked at ${credential.revokedAt.toISOString()}: generate a new key in the console.`);
    }
    const now = this.now();
    if (credential.expiresAt.getTime() <= now.getTime()) {
      throw new S3Error("AccessDenied", `The access key ${credential.accessKeyId} expired at ${credential.expiresAt.toISOString()}: renew it or generate a new key in the console.`);
    }
    return { accessKeyId: credential.accessKeyId, orgId: credential.orgId, scope: credential.scope };
  }

  private log(request: S3Request, parsed: ParsedOperation | undefined, principal: Principal | undefined, response: S3Response, failure: S3Error | undefined, durationMs: number): void {
    const fields = {
      requestId: request.requestId,
      org: principal?.orgId,
      accessKeyId: principal?.accessKeyId,
      operation: parsed?.operation,
      bucket: parsed?.bucket || undefined,
      status: response.status,
      durationMs: Math.round(durationMs * 10) / 10,
      source: request.sourceAddress,
      errorCode: failure?.s3Code,
    };
    if (failure?.s3Code === "InternalError") {
      this.options.logger.error({ ...fields, err: failure.cause }, "s3 request failed");
    } else {
      this.options.logger.info(fields, "s3 request");
    }
  }
}
