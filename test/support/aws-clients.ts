/**
 * Runs the real AWS CLI v2 and boto3 against a test gateway. Each client home is a temporary
 * directory with its own AWS config and credentials files, so nothing from the machine's ~/.aws
 * leaks in. Every child runs under `isolatedEnv`, whose proxy settings send any request for a
 * non-loopback host to a closed port.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedEnv, repoRoot, type CommandResult } from "./gateway.ts";

/** Debian's AWS CLI v2 (2.9.x), set by scripts/install-test-peers.sh. */
export const awsCliPath = process.env.S3GW_TEST_AWS_CLI_V2 ?? "/usr/bin/aws";

/** AWS CLI v1 at its current release, installed into the boto3 virtual environment. */
export const awsCliV1Path = process.env.S3GW_TEST_AWS_CLI_V1 ?? join(repoRoot, ".cache", "venv", "bin", "aws");

/** Python of the virtual environment with boto3 that scripts/install-test-peers.sh creates. */
export const pythonPath = process.env.S3GW_TEST_PYTHON ?? join(repoRoot, ".cache", "venv", "bin", "python");

export interface AwsClientHome {
  /** Temporary directory that contains the AWS files and serves as HOME for the clients. */
  dir: string;
  /** Environment for every client process started from this home. */
  env: Record<string, string>;
  remove(): void;
}

/** Creates an empty client home with its own `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`. */
export function createAwsClientHome(): AwsClientHome {
  const dir = mkdtempSync(join(tmpdir(), "s3gw-aws-home-"));
  const env = isolatedEnv({
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_PAGER: "",
    AWS_CLI_AUTO_PROMPT: "off",
  });
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function run(command: string[], env: Record<string, string>, cwd: string | undefined, stdin?: string): Promise<CommandResult> {
  const child = Bun.spawn(command, {
    env,
    ...(cwd === undefined ? {} : { cwd }),
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

/**
 * Runs one `aws configure set ...` line as a user pastes it into a shell. The line goes to bash on
 * standard input, so the secret it contains is not part of the bash command line, and `aws` is
 * bound to the CLI under test instead of whatever comes first on PATH.
 * @throws {Error} when the line is not an `aws configure set` command, since any other command
 *   could reach the network without `--endpoint-url`.
 */
export async function runAwsConfigureLine(home: AwsClientHome, line: string): Promise<CommandResult> {
  if (!/^aws configure set \S+ \S+ --profile \S+$/.test(line)) {
    // The line itself is left out of the message because it may contain a secret.
    throw new Error(`invalid configure line of ${line.length} characters: expected "aws configure set NAME VALUE --profile PROFILE"`);
  }
  const script = `aws() { "$S3GW_AWS_CLI" "$@"; }\n${line}\n`;
  return run(["bash", "-s"], { ...home.env, S3GW_AWS_CLI: awsCliPath }, undefined, script);
}

/**
 * Runs `aws ARGS --endpoint-url ENDPOINT`. AWS CLI 2.9 ignores `endpoint_url` in the profile
 * (support arrived in 2.13), so the endpoint is always passed on the command line.
 */
export async function runAwsCli(home: AwsClientHome, endpointUrl: string, args: string[], cwd?: string): Promise<CommandResult> {
  return run([awsCliPath, ...args, "--endpoint-url", endpointUrl], home.env, cwd);
}

/** Runs a Python script with the boto3 virtual environment and the home's AWS files. */
export async function runPython(home: AwsClientHome, scriptPath: string, args: string[]): Promise<CommandResult> {
  return run([pythonPath, scriptPath, ...args], home.env, home.dir);
}

/** Formats a client's exit code and output for an assertion message. */
export function describeResult(result: CommandResult): string {
  return `exit code ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}
