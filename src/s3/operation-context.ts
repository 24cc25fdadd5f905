/**
 * The request, response and context types shared by every S3 operation handler.
 */
import type { HeaderMap } from "../sigv4/request.ts";
import type { VerifiedRequest } from "../sigv4/verify.ts";
import type { ByteSource, ObjectStore } from "../storage/types.ts";
import type { ConnectorDirectory, Principal } from "../tenancy/access.ts";
import type { ParsedOperation } from "./parse-request.ts";

export interface S3Request {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: HeaderMap;
  body: ByteSource;
  sourceAddress: string;
  requestId: string;
}

export interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: string | ReadableStream<Uint8Array>;
}

export interface S3Settings {
  region: string;
  maxObjectSize: number;
}

export interface OperationContext {
  request: S3Request;
  parsed: ParsedOperation;
  principal: Principal;
  verified: VerifiedRequest;
  store: ObjectStore;
  directory: ConnectorDirectory;
  settings: S3Settings;
}

export type OperationHandler = (context: OperationContext) => Promise<S3Response>;

export function xmlResponse(body: string, status = 200, headers: Record<string, string> = {}): S3Response {
  return { status, headers: { "content-type": "application/xml", ...headers }, body };
}
