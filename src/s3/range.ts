/**
 * The HTTP Range header for GetObject: one range of the forms `bytes=a-b`, `bytes=a-` and
 * `bytes=-n`. S3 ignores a header it cannot use as one range and returns the whole object.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14.1.2
 */
import type { ByteRange } from "../storage/types.ts";
import { S3Error } from "./s3-error.ts";

/**
 * Resolves a Range header against an object size.
 * @returns the inclusive range, or undefined to send the whole object.
 * @throws {S3Error} `InvalidRange` when the range starts past the end of the object.
 */
export function resolveRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, startText = "", endText = ""] = match;
  if (startText === "" && endText === "") return undefined;
  if (startText === "") {
    const suffix = Number(endText);
    if (suffix === 0) throw invalidRange(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(startText);
  const end = endText === "" ? size - 1 : Math.min(Number(endText), size - 1);
  if (endText !== "" && Number(endText) < start) return undefined;
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): S3Error {
  return new S3Error("InvalidRange", `The requested range is not satisfiable: the object is ${size} bytes long.`, { ActualObjectSize: String(size) });
}
