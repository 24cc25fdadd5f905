/**
 * Starts the real `bin/s3gateway serve` as a child process over a fresh data directory, on
 * loopback ports chosen by the kernel, and runs CLI commands against the same data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const repoRoot = resolve(import.meta.dir, "..", "..");
export const cliPath = join(repoRoot, "bin", "s3gateway");

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TestGateway {
  dataDir: string;
  s3Url: string;
  webUrl: string;
  /** One-time link for the first administrator, printed at start when no user exists. */
  setupUrl: string | undefined;
  /** Everything the server printed so far, standard output and error together. */
  output(): string;
  /** Runs `s3gateway ARGS --data-dir <dataDir>`. */
  cli(args: string[], stdin?: string): Promise<CommandResult>;
  /** Runs the CLI and fails with its output when it exits non-zero. */
  cliOk(args: string[], stdin?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Environment for child processes: no proxy settings leak in, and any HTTP client that tries
 * to reach a non-loopback host is sent to a closed loopback port instead.
 */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(https?_proxy|no_proxy|all_proxy|aws_.*|s3gateway_.*)$/i.test(name)) base[name] = value;
  }
  return {
    ...base,
    HTTP_PROXY: "http://127.0.0.1:9",
    HTTPS_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "127.0.0.1,localhost,::1",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

export async function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CommandResult> {
  const child = Bun.spawn([cliPath, ...args], { env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

async function readLines(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    sink(decoder.decode(value, { stream: true }));
  }
}

/** Starts a gateway; `env` adds settings such as `S3GATEWAY_MAX_OBJECT_SIZE` or `S3GATEWAY_TLS_CERT`. */
export async function startGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "s3gw-test-"));
  const childEnv = isolatedEnv({ S3GATEWAY_LOG_LEVEL: "info", ...env });
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    [cliPath, "serve", "--data-dir", dataDir, "--s3-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0"],
    { env: childEnv, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let output = "";
  void readLines(child.stdout, (text) => (output += text));
  void readLines(child.stderr, (text) => (output += text));

  const deadline = Date.now() + 20_000;
  let s3Url: string | undefined;
  let webUrl: string | undefined;
  while (Date.now() < deadline && (s3Url === undefined || webUrl === undefined)) {
    if (child.exitCode !== null) throw new Error(`s3gateway serve exited with ${child.exitCode}:\n${output}`);
    s3Url = /S3 endpoint:\s+(\S+)/.exec(output)?.[1];
    webUrl = /Console:\s+(\S+)/.exec(output)?.[1];
    await Bun.sleep(50);
  }
  if (s3Url === undefined || webUrl === undefined) {
    child.kill();
    throw new Error(`s3gateway serve did not print its addresses within 20 s:\n${output}`);
  }
  const health = await fetch(`${webUrl}/healthz`);
  if (health.status !== 200) throw new Error(`GET /healthz answered ${health.status}`);

  const cliEnv = isolatedEnv({ ...env, S3GATEWAY_DATA_DIR: dataDir });
  const gateway: TestGateway = {
    dataDir,
    s3Url,
    webUrl,
    setupUrl: /(http:\/\/\S+\/setup\?token=\S+)/.exec(output)?.[1],
    output: () => output,
    cli: (args, stdin) => runCli(args, cliEnv, stdin),
    async cliOk(args, stdin) {
      const result = await runCli(args, cliEnv, stdin);
      if (result.exitCode !== 0) throw new Error(`s3gateway ${args.join(" ")} exited with ${result.exitCode}: ${result.stderr}`);
      return result.stdout;
    },
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return gateway;
}

export interface TestCredential {
  access_key_id: string;
  secret_access_key: string;
  org: string;
  expires_at: string;
}

/** Creates an organization (if `create`) and a credential for it with the CLI. */
export async function createCredential(gateway: TestGateway, org: string, options: { ttl?: string; createOrg?: boolean } = {}): Promise<TestCredential> {
  if (options.createOrg) await gateway.cliOk(["org", "create", org, "--name", `Org ${org}`]);
  const ttl = options.ttl ? ["--ttl", options.ttl] : [];
  return JSON.parse(await gateway.cliOk(["credential", "create", "--org", org, "--json", ...ttl])) as TestCredential;
}
