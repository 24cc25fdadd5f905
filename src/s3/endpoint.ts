/**
 * The S3 request pipeline, the same for every operation: parse, authenticate, authorize, execute,
 * render. Logs one line per request with parsed values only.
 */
import type { LastUseRecorder } from "../credentials/last-use.ts";
import type { CachedCredential } from "../credentials/lookup-cache.ts";
import { isWellFormedAccessKeyId } from "../credentials/key-format.ts";
import type { Logger } from "../log/logger.ts";
import { parseQuery, type QueryParameter } from "../sigv4/canonical-query.ts";
import { headerValue } from "../sigv4/request.ts";
import { isPresigned, verifyHeaderSignature, verifyPresignedSignature, type VerifiedRequest, type VerifyOptions } from "../sigv4/verify.ts";
import type { ObjectStore } from "../storage/types.ts";
import type { ConnectorDirectory, Principal } from "../tenancy/access.ts";
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
  now?: () => Date;
}

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
    try {
      const query = parseQuery(request.rawQuery);
      const hostBucket = bucketFromHost(headerValue(request.headers, "host"), this.options.settings.domains);
      parsed = parseOperation(request.method, request.rawPath, query, (name) => request.headers.has(name), hostBucket);
      const verified = this.authenticate(request, query);
      principal = this.authorizeKey(verified);
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
      failure = toS3Error(error);
      const resource = parsed ? `/${parsed.bucket}${parsed.key ? `/${parsed.key}` : ""}` : "/";
      response = renderS3Error(failure, { method: request.method, resource, requestId: request.requestId });
    }
    this.log(request, parsed, principal, response, failure, performance.now() - started);
    return response;
  }

  private authenticate(request: S3Request, query: readonly QueryParameter[]): VerifiedRequest {
    const options: VerifyOptions = {
      region: this.options.settings.region,
      now: this.now(),
      maxSkewMs: this.options.settings.maxClockSkewMs,
      maxPresignedExpiresSeconds: maxPresignedSeconds,
      lookupSecret: (accessKeyId) => (isWellFormedAccessKeyId(accessKeyId) ? this.options.directory.credential(accessKeyId)?.secretAccessKey : undefined),
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
    return { accessKeyId: credential.accessKeyId, orgId: credential.orgId };
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
