/**
 * The client configuration the console prints after generating a key: the AWS CLI
 * `configure set` commands and a boto3 client.
 */

export interface ClientSettings {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  endpointUrl: string;
  profile: string;
}

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
