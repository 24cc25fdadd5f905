/**
 * Errors a storage backend raises. `kind` uses the S3 error code with the same meaning, so the S3
 * layer can map each one to its catalogue entry without guessing.
 */
import { GatewayError } from "../errors.ts";

export type StorageErrorKind =
  | "NoSuchKey"
  | "NoSuchUpload"
  | "InvalidPart"
  | "InvalidPartOrder"
  | "EntityTooSmall"
  | "EntityTooLarge"
  | "BadDigest"
  | "InvalidRange"
  | "PreconditionFailed"
  | "InvalidArgument";

export class StorageError extends GatewayError {
  readonly kind: StorageErrorKind;

  constructor(kind: StorageErrorKind, message: string, options?: ErrorOptions) {
    super(`storage.${kind}`, message, options);
    this.kind = kind;
  }
}
