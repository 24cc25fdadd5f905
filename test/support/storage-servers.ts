/**
 * Real S3 storage servers for the MinIO backend tests, started on 127.0.0.1 with a temporary
 * data directory: MinIO, built from the commit that scripts/install-minio.sh pins, and
 * versitygw (posix backend), an S3 server without MinIO's admin API. Each test gateway gets its
 * own server, so buckets never leak between tests.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { isolatedEnv, repoRoot } from "./gateway.ts";

/** MinIO server binary built by scripts/install-minio.sh. */
export const minioBinary = process.env.S3GW_TEST_MINIO ?? join(repoRoot, ".cache", "bin", "minio");

/** versitygw binary built by scripts/install-minio.sh. */
export const versitygwBinary = process.env.S3GW_TEST_VERSITYGW ?? join(repoRoot, ".cache", "bin", "versitygw");

export type StorageServerKind = "minio" | "versitygw";

export interface StorageServer {
  kind: StorageServerKind;
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  rootUser: string;
  rootPassword: string;
  /** Folder with the server's data. */
  dataDir: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Returns a free TCP port on 127.0.0.1, by binding port 0 and closing it again. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the server responds to `url` (with a 2xx status when `needOk` is set), or fails
 * with its output.
 */
async function waitForHttp(url: string, needOk: boolean, child: Subprocess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`storage server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url, { method: "GET" });
      await response.arrayBuffer();
      if (response.ok || !needOk) return;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(100);
  }
  child.kill();
  throw new Error(`storage server did not answer at ${url} within 30 s:\n${output()}`);
}

function collect(child: Subprocess<"ignore", "pipe", "pipe">): () => string {
  let output = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  };
  void read(child.stdout);
  void read(child.stderr);
  return () => output;
}

/** Starts a storage server of the given kind on a free loopback port. */
export async function startStorageServer(kind: StorageServerKind): Promise<StorageServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `s3gw-${kind}-`));
  const port = await freePort();
  const rootUser = "s3gwtestroot";
  const rootPassword = `test-${crypto.randomUUID()}`;
  const endpoint = `http://127.0.0.1:${port}`;

  let command: string[];
  let env: Record<string, string>;
  let readyUrl = endpoint;
  if (kind === "minio") {
    if (!existsSync(minioBinary)) throw new Error(`MinIO is missing at ${minioBinary}: run scripts/install-minio.sh ENV_FILE to build it.`);
    const consolePort = await freePort();
    const { userFile, passwordFile } = writeRootCredentialFiles(dataDir, rootUser, rootPassword);
    command = [minioBinary, "server", "--quiet", "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, join(dataDir, "data")];
    // MINIO_UPDATE=off stops the update check at start, and call home is off by default. A run
    // under strace saw no connect() call at all.
    env = isolatedEnv({
      MINIO_ROOT_USER_FILE: userFile,
      MINIO_ROOT_PASSWORD_FILE: passwordFile,
      MINIO_BROWSER: "off",
      MINIO_UPDATE: "off",
      MINIO_CALLHOME_ENABLE: "off",
      HOME: dataDir,
    });
    readyUrl = `${endpoint}/minio/health/ready`;
  } else {
    const root = join(dataDir, "root");
    const sidecar = join(dataDir, "meta");
    Bun.spawnSync(["mkdir", "-p", root, sidecar]);
    command = [versitygwBinary, "--port", `127.0.0.1:${port}`, "--quiet", "posix", "--sidecar", sidecar, root];
    env = isolatedEnv({ ROOT_ACCESS_KEY_ID: rootUser, ROOT_SECRET_ACCESS_KEY: rootPassword, HOME: dataDir });
  }

  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(command, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = collect(child);
  await waitForHttp(readyUrl, kind === "minio", child, output);

  return {
    kind,
    endpoint,
    rootUser,
    rootPassword,
    dataDir,
    output,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Writes the root user and password to files in `dir`, readable by the owner only. */
function writeRootCredentialFiles(dir: string, rootUser: string, rootPassword: string): { userFile: string; passwordFile: string } {
  const userFile = join(dir, "root-user");
  const passwordFile = join(dir, "root-password");
  writeFileSync(userFile, `${rootUser}\n`, { mode: 0o600 });
  writeFileSync(passwordFile, `${rootPassword}\n`, { mode: 0o600 });
  return { userFile, passwordFile };
}

/**
 * Environment that points a test gateway at a storage server, with the root credentials in
 * files as an operator would configure them. versitygw has no MinIO admin API, so against it the
 * gateway signs with the root credentials.
 */
export function gatewayStorageEnv(server: StorageServer, extra: Record<string, string> = {}): Record<string, string> {
  const { userFile, passwordFile } = writeRootCredentialFiles(server.dataDir, server.rootUser, server.rootPassword);
  return {
    S3GATEWAY_STORAGE: "minio",
    S3GATEWAY_MINIO_ENDPOINT: server.endpoint,
    S3GATEWAY_MINIO_ROOT_USER_FILE: userFile,
    S3GATEWAY_MINIO_ROOT_PASSWORD_FILE: passwordFile,
    ...(server.kind === "versitygw" ? { S3GATEWAY_MINIO_UNSAFE_SHARED_CREDENTIALS: "true" } : {}),
    ...extra,
  };
}

/** A storage backend of the gateway under test, for suites that run against every backend. */
export interface BackendUnderTest {
  name: string;
  /** Starts the backend's storage server, if it has one, and returns the gateway environment. */
  start(): Promise<{ env: Record<string, string>; server: StorageServer | undefined }>;
  /** Valid S3 keys that the storage below the gateway rejects or does not store exactly. */
  unsupportedKeys: readonly string[];
}

/**
 * Lists the backends to test: filesystem, the MinIO backend on MinIO (service accounts), and the
 * MinIO backend on versitygw (shared root credentials, for S3 services without MinIO's admin API).
 */
export function backendsUnderTest(): BackendUnderTest[] {
  return [
    { name: "filesystem", start: async () => ({ env: {}, server: undefined }), unsupportedKeys: [] },
    {
      name: "minio backend on MinIO",
      async start() {
        const server = await startStorageServer("minio");
        return { env: gatewayStorageEnv(server), server };
      },
      // Checked with the MinIO commit that scripts/install-minio.sh pins: it rejects "x//y"
      // (XMinioInvalidObjectName) and "." or ".." segments (XMinioInvalidResourceName), and it
      // stores "a/b" beside an object "a" but leaves it out of listings.
      unsupportedKeys: ["a/b", "x//y", "../escape", "./dot"],
    },
    {
      name: "minio backend on versitygw",
      async start() {
        const server = await startStorageServer("versitygw");
        return { env: gatewayStorageEnv(server), server };
      },
      // Checked with versitygw v1.8.0: its posix backend maps keys to paths, so "a/b" cannot
      // exist beside "a", "dir/" is refused, and "x//y" and "./dot" are stored as "x/y" and "dot".
      unsupportedKeys: ["a/b", "dir/", "x//y", "../escape", "./dot"],
    },
  ];
}
