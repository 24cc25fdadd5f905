/**
 * Query string parsing and the canonical query string of Signature Version 4.
 */
import { SigV4Error } from "./errors.ts";
import { percentDecode, uriEncode } from "./uri-encode.ts";

export interface QueryParameter {
  name: string;
  value: string;
}

/**
 * Splits a raw query string into decoded name and value pairs, keeping order and repeats.
 * A parameter without `=` has the empty value, as `?uploads` does.
 * @throws {SigV4Error} `InvalidArgument` for a malformed percent-escape.
 */
export function parseQuery(rawQuery: string): QueryParameter[] {
  if (rawQuery === "") return [];
  const parameters: QueryParameter[] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const rawName = equals === -1 ? part : part.slice(0, equals);
    const rawValue = equals === -1 ? "" : part.slice(equals + 1);
    const name = percentDecode(rawName);
    const value = percentDecode(rawValue);
    if (name === undefined || value === undefined) {
      throw new SigV4Error("InvalidArgument", `Query parameter "${part.slice(0, 64)}" has a malformed percent-escape: encode "%" as "%25".`);
    }
    parameters.push({ name, value });
  }
  return parameters;
}

/**
 * Builds the canonical query string: names and values encoded, sorted by name and then value.
 * @param exclude name left out, `X-Amz-Signature` for presigned URLs.
 */
export function canonicalQueryString(parameters: readonly QueryParameter[], exclude?: string): string {
  return parameters
    .filter((parameter) => parameter.name !== exclude)
    .map((parameter) => [uriEncode(parameter.name, false), uriEncode(parameter.value, false)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compareCodeUnits(nameA, nameB) || compareCodeUnits(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
