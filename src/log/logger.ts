/**
 * Structured JSON logging with pino. Fields that may carry secrets are redacted by path, and the
 * S3 request log is built from parsed values only, never from the raw URL or headers.
 */
import pino, { type Logger } from "pino";

export type { Logger };

/** Field paths replaced with "[redacted]" wherever they appear in a log record. */
const redactedPaths = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
  "*.cookie",
  "secret",
  "*.secret",
  "secretAccessKey",
  "*.secretAccessKey",
  "password",
  "*.password",
  "token",
  "*.token",
  "signature",
  "*.signature",
];

export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ sync: true })): Logger {
  return pino(
    {
      level,
      base: { service: "s3gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
