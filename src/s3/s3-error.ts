/**
 * The one error type the S3 layer returns to clients.
 */
import { GatewayError } from "../errors.ts";
import { errorCatalogue, type S3ErrorCode } from "./error-catalogue.ts";

export class S3Error extends GatewayError {
  readonly s3Code: S3ErrorCode;
  readonly status: number;
  /** Extra elements of the XML error body (`BucketName`, `Key`, `ServerTime`, ...). */
  readonly details: Readonly<Record<string, string>>;

  constructor(s3Code: S3ErrorCode, message?: string, details: Record<string, string> = {}, options?: ErrorOptions) {
    super(`s3.${s3Code}`, message ?? errorCatalogue[s3Code].message, options);
    this.s3Code = s3Code;
    this.status = errorCatalogue[s3Code].status;
    this.details = details;
  }
}
