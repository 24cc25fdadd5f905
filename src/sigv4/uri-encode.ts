/**
 * Percent-encoding as Signature Version 4 defines it: every byte except the unreserved
 * characters `A-Z a-z 0-9 - . _ ~` becomes `%XX` with uppercase hex.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */

const unreserved = /[A-Za-z0-9\-._~]/;

/** Encodes `text`, leaving `/` unencoded when `keepSlash` is set (for paths). */
export function uriEncode(text: string, keepSlash: boolean): string {
  let out = "";
  for (const char of text) {
    if (unreserved.test(char) || (keepSlash && char === "/")) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * Decodes percent-escapes into UTF-8 text. `+` stays a plus sign, as S3 reads it in paths and
 * in signed query strings.
 * @returns undefined when an escape is malformed or the bytes are not valid UTF-8.
 */
export function percentDecode(text: string): string | undefined {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
