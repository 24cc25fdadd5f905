/**
 * Physical bucket names for an S3 upstream such as MinIO, which has one bucket namespace for
 * every organization. An organization id becomes a name part of lowercase letters and digits, and
 * a template such as `{org}-{bucket}` joins it with the connector bucket name.
 *
 * Two different (organization, bucket) pairs never produce the same name:
 * - The organization part contains only `a-z` and `0-9`. The template puts a `-` or `.` right
 *   after it (or right before it when the bucket comes first), so the part ends at that
 *   separator, and the bucket name is what remains.
 * - An organization id that is already 1 to {@link maxPlainLength} lowercase letters and digits is
 *   its own part. Any other id gets a readable prefix plus `z` and a SHA-256 suffix, so ids that
 *   differ only in case or punctuation get different parts. A plain id could still equal such an
 *   encoded part by choice, so the gateway stores each part and rejects a duplicate.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
import { createHash } from "node:crypto";
import { ConfigError, InvalidInputError } from "../errors.ts";
import { bucketNameProblem } from "./names.ts";

/** Maximum length of an organization id that is used unchanged as its name part. */
const maxPlainLength = 24;

/** Base32 digits of the hash suffix, 40 bits. */
const hashLength = 8;

/** Maximum length of the readable prefix kept from an id that needs the hash suffix. */
const maxReadablePrefix = 15;

/** Default template: organization part, `-`, connector bucket name. */
export const defaultBucketTemplate = "{org}-{bucket}";

/**
 * Derives the bucket name part of an organization id: the id itself when it is short lowercase
 * letters and digits, otherwise a readable prefix, `z` and 8 base32 digits of its SHA-256.
 * @example orgNamePart("acme") === "acme"
 * @example orgNamePart("org_W2bXvM5pQ1") // "orgw2bxvm5pq1z" followed by 8 hash digits
 */
export function orgNamePart(orgId: string): string {
  if (new RegExp(`^[a-z0-9]{1,${maxPlainLength}}$`).test(orgId)) return orgId;
  const readable = orgId.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, maxReadablePrefix);
  return `${readable}z${base32(createHash("sha256").update(orgId, "utf8").digest()).slice(0, hashLength)}`;
}

function base32(bytes: Buffer): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** A checked bucket name template. */
export interface BucketTemplate {
  text: string;
}

/**
 * Checks a physical bucket name template: `{org}` and `{bucket}` once each, other characters
 * from S3 bucket names, and a `-` or `.` on the bucket side of `{org}`.
 * @throws {ConfigError} naming the template and the rule it breaks.
 */
export function parseBucketTemplate(text: string, settingName = "S3GATEWAY_MINIO_BUCKET_TEMPLATE"): BucketTemplate {
  const fail = (rule: string) => new ConfigError(`Invalid ${settingName} "${text}": ${rule}. The default is ${defaultBucketTemplate}.`);
  if (text.split("{org}").length !== 2 || text.split("{bucket}").length !== 2) throw fail("it must contain {org} and {bucket} exactly once each");
  const literals = text.replace("{org}", "").replace("{bucket}", "");
  if (!/^[a-z0-9.-]*$/.test(literals)) throw fail("outside the placeholders use only lowercase letters, digits, '.' and '-'");
  const orgAt = text.indexOf("{org}");
  const bucketAt = text.indexOf("{bucket}");
  const between = orgAt < bucketAt ? text.slice(orgAt + "{org}".length, bucketAt) : text.slice(bucketAt + "{bucket}".length, orgAt);
  const separator = orgAt < bucketAt ? between.at(0) : between.at(-1);
  if (separator !== "-" && separator !== ".") {
    throw fail("put '-' or '.' between {org} and {bucket}, next to {org}, so that names of different organizations cannot collide");
  }
  return { text };
}

/**
 * Builds the physical bucket name of one connector bucket.
 * @throws {InvalidInputError} when the result breaks S3's bucket naming rules, for example when
 *   it is longer than 63 characters.
 */
export function physicalBucketName(template: BucketTemplate, orgPart: string, bucket: string): string {
  const name = template.text.replace("{org}", orgPart).replace("{bucket}", bucket);
  const problem = bucketNameProblem(name);
  if (problem !== undefined) {
    throw new InvalidInputError(
      `Connector bucket "${bucket}" cannot be stored: its physical bucket name "${name}" (template ${template.text}) is invalid because ${problem}. Use a shorter connector name, or a shorter template prefix.`,
    );
  }
  return name;
}
