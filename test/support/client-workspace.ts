/**
 * A temporary directory for one S3 client under test. It serves as the client's HOME and contains
 * its configuration and data files, and every process started from it runs under `isolatedEnv`,
 * whose proxy settings send any request for a non-loopback host to a closed loopback port.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isolatedEnv, type CommandResult } from "./gateway.ts";

/** Time after which `run` kills a client process, so a hung client cannot outlive its test. */
const defaultTimeoutMs = 90_000;

export interface RunOptions {
  /** Variables added to the workspace environment for this process only. */
  env?: Record<string, string>;
  /** Working directory, by default the workspace directory. */
  cwd?: string;
  stdin?: string;
  /** Milliseconds before the process gets SIGKILL (default 90 000). */
  timeoutMs?: number;
}

export interface ClientWorkspace {
  dir: string;
  /** Environment of every process started with `run`: isolated, with HOME inside the workspace. */
  env: Record<string, string>;
  /** Joins path segments onto the workspace directory. */
  path(...segments: string[]): string;
  run(command: string[], options?: RunOptions): Promise<CommandResult>;
  remove(): void;
}

/**
 * Creates a workspace whose HOME, XDG directories and AWS configuration files are all empty
 * paths inside it, so no client reads the machine's own settings or credentials.
 */
export function createClientWorkspace(): ClientWorkspace {
  const dir = mkdtempSync(join(tmpdir(), "s3gw-client-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const env = isolatedEnv({
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_PAGER: "",
  });

  const run = async (command: string[], options: RunOptions = {}): Promise<CommandResult> => {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const child = Bun.spawn(command, {
      env: { ...env, ...options.env },
      cwd: options.cwd ?? dir,
      stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
      stdout: "pipe",
      stderr: "pipe",
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (child.signalCode !== null) {
      return { exitCode: exitCode || -1, stdout, stderr: `${stderr}\n[${command[0]} killed with ${child.signalCode} after the ${timeoutMs} ms limit]` };
    }
    return { exitCode, stdout, stderr };
  };

  return {
    dir,
    env,
    path: (...segments) => join(dir, ...segments),
    run,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
