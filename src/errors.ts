/**
 * Errors shared by the services, the CLI and the console. Each carries a stable `code` that
 * callers branch on. Messages state what failed, quote the value and name the fix.
 */

/** Base class of every error this program raises on purpose. */
export class GatewayError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value given by a person or a script is not acceptable (bad flag, bad id, bad name). */
export class InvalidInputError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_input", message, options);
  }
}

/** The named organization, user, credential or connector does not exist. */
export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super("not_found", message);
  }
}

/** The request conflicts with existing state (duplicate id, already revoked). */
export class ConflictError extends GatewayError {
  constructor(message: string) {
    super("conflict", message);
  }
}

/** A configured limit was reached, such as the number of active credentials. */
export class LimitExceededError extends GatewayError {
  constructor(message: string) {
    super("limit_exceeded", message);
  }
}

/** Start-up configuration is invalid; the server refuses to start. */
export class ConfigError extends GatewayError {
  constructor(message: string) {
    super("invalid_config", message);
  }
}
