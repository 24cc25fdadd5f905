/**
 * The parts of an HTTP request that Signature Version 4 covers, as plain values.
 */

/** Header names are lowercase; a header sent several times keeps every value in order. */
export type HeaderMap = ReadonlyMap<string, readonly string[]>;

export interface SignableRequest {
  method: string;
  /** Path exactly as sent on the request line, still percent-encoded, without the query. */
  rawPath: string;
  /** Query string exactly as sent, without the leading `?`; empty when there is none. */
  rawQuery: string;
  headers: HeaderMap;
}

/** Returns the single value of a header, or undefined when it is absent. Repeated values are joined with a comma. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const values = headers.get(name);
  return values === undefined || values.length === 0 ? undefined : values.join(",");
}
