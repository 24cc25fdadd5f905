/**
 * Validation of organization ids and connector bucket names.
 */
import { InvalidInputError } from "../errors.ts";

const orgIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Checks an organization id: 1 to 128 letters, digits, `_`, `.` or `-`, starting with a letter or
 * digit, which covers Auth0 ids such as `org_W2bXvM5pQ1` and Keycloak organization aliases.
 * @throws {InvalidInputError} naming the id and the rule.
 */
export function assertValidOrgId(orgId: string): void {
  if (!orgIdPattern.test(orgId)) {
    throw new InvalidInputError(
      `Invalid organization id "${orgId}": use 1 to 128 letters, digits, "_", "." or "-", starting with a letter or digit.`,
    );
  }
}

/**
 * Checks a bucket name against Amazon S3's general purpose bucket naming rules: 3 to 63
 * characters of lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit,
 * no `..`, and not shaped like an IPv4 address.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "it must be 3 to 63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return "use lowercase letters, digits, '.' and '-', starting and ending with a letter or digit";
  }
  if (name.includes("..")) return "it must not contain two adjacent periods";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "it must not be formatted as an IP address";
  return undefined;
}

/** @throws {InvalidInputError} when {@link bucketNameProblem} finds a problem. */
export function assertValidBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw new InvalidInputError(`Invalid bucket name "${name}": ${problem}.`);
}
