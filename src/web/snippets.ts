/**
 * The client configuration the console prints for a key: the AWS CLI `configure set` commands,
 * environment variables, a boto3 client and an rclone remote. After generation the secret is
 * filled in; later views of a key's configuration carry {@link secretPlaceholder} instead.
 */

export interface ClientSettings {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  endpointUrl: string;
  profile: string;
}

/** Stands in for the secret in snippets shown after generation, when the secret is no longer available. */
export const secretPlaceholder = "PASTE_YOUR_SECRET_ACCESS_KEY";

/** Characters that a POSIX shell passes through unquoted. */
const plainShellWord = /^[A-Za-z0-9_.:\/@%+=,-]+$/;

/** Quotes a value for a POSIX shell, only when it needs quoting. */
export function shellWord(value: string): string {
  if (plainShellWord.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Builds the four `aws configure set` commands that store a key, its region and the gateway's
 * endpoint as a named profile.
 * @see https://docs.aws.amazon.com/cli/latest/reference/configure/set.html
 */
export function awsCliConfigLines(settings: ClientSettings): string[] {
  const profile = shellWord(settings.profile);
  const entries: [string, string][] = [
    ["aws_access_key_id", settings.accessKeyId],
    ["aws_secret_access_key", settings.secretAccessKey],
    ["region", settings.region],
    ["endpoint_url", settings.endpointUrl],
  ];
  return entries.map(([name, value]) => `aws configure set ${name} ${shellWord(value)} --profile ${profile}`);
}

/** Builds a Python snippet that creates a boto3 S3 client for the key. */
export function boto3Snippet(settings: ClientSettings): string {
  // JSON.stringify only produces escapes that Python 3 string literals also accept.
  const literal = (value: string) => JSON.stringify(value);
  return [
    "import boto3",
    "",
    "s3 = boto3.client(",
    '    "s3",',
    `    endpoint_url=${literal(settings.endpointUrl)},`,
    `    aws_access_key_id=${literal(settings.accessKeyId)},`,
    `    aws_secret_access_key=${literal(settings.secretAccessKey)},`,
    `    region_name=${literal(settings.region)},`,
    ")",
  ].join("\n");
}

/**
 * Builds `export` lines for the variables that the AWS CLI and SDKs read. `AWS_ENDPOINT_URL` is
 * read by AWS CLI 2.13 and later and by boto3 1.28 and later.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
export function environmentSnippet(settings: ClientSettings): string {
  return [
    `export AWS_ACCESS_KEY_ID=${shellWord(settings.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${shellWord(settings.secretAccessKey)}`,
    `export AWS_DEFAULT_REGION=${shellWord(settings.region)}`,
    `export AWS_ENDPOINT_URL=${shellWord(settings.endpointUrl)}`,
  ].join("\n");
}

/**
 * Builds an rclone remote section named after the profile, for rclone.conf. `provider = Other`
 * makes rclone use path-style requests, which the gateway serves.
 * @see https://rclone.org/s3/
 */
export function rcloneSnippet(settings: ClientSettings): string {
  return [
    `[${settings.profile}]`,
    "type = s3",
    "provider = Other",
    `access_key_id = ${settings.accessKeyId}`,
    `secret_access_key = ${settings.secretAccessKey}`,
    `endpoint = ${settings.endpointUrl}`,
    `region = ${settings.region}`,
  ].join("\n");
}
