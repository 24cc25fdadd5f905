/**
 * compose.yaml, checked as a file and then run without Docker. The gateway service's own
 * environment, with only addresses and file paths moved to this machine, configures a gateway
 * process against a real S3 server. The test follows docs/self-hosting.md up to the first upload
 * with the AWS CLI.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAwsClientHome, describeResult, runAwsCli, type AwsClientHome } from "./support/aws-clients.ts";
import { repoRoot, startGateway, type TestCredential, type TestGateway } from "./support/gateway.ts";
import { minioBinary, startStorageServer, type StorageServer } from "./support/storage-servers.ts";

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  secrets?: string[];
  healthcheck?: { test?: string[] };
  ports?: string[];
  depends_on?: Record<string, { condition?: string }>;
}

const compose = Bun.YAML.parse(readFileSync(join(repoRoot, "compose.yaml"), "utf8")) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};

describe("compose.yaml", () => {
  test("images are pinned and every service has a healthcheck", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image !== undefined && service.build === undefined) {
        expect(service.image).toMatch(/:[^:]+$/);
        expect(service.image).not.toMatch(/:latest$/);
      }
      expect(service.healthcheck?.test?.length, `service ${name}`).toBeGreaterThan(1);
    }
    expect(compose.services.gateway?.depends_on?.minio?.condition).toBe("service_healthy");
  });

  test("no password is written in the file", () => {
    for (const service of Object.values(compose.services)) {
      for (const [name, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET/.test(name)) expect(name).toEndWith("_FILE");
        if (name.endsWith("_FILE")) expect(value).toStartWith("/run/secrets/");
      }
    }
    expect(Object.values(compose.secrets).map((secret) => secret.file)).toEqual(["./secrets/minio_root_user", "./secrets/minio_root_password"]);
  });

  test("ports are published on loopback only, behind a TLS proxy", () => {
    for (const port of compose.services.gateway?.ports ?? []) expect(port).toStartWith("127.0.0.1:");
    expect(compose.services.minio?.ports).toBeUndefined();
  });
});

describe("compose configuration as plain processes", () => {
  let server: StorageServer;
  let gateway: TestGateway;
  let home: AwsClientHome;
  let secretsDir: string;

  beforeAll(async () => {
    // versitygw replaces MinIO when MinIO could not be built. It has no admin API, so the
    // gateway then signs with the root credentials.
    server = await startStorageServer(minioBinary ? "minio" : "versitygw");
    secretsDir = mkdtempSync(join(tmpdir(), "s3gw-secrets-"));
    writeFileSync(join(secretsDir, "minio_root_user"), server.rootUser, { mode: 0o600 });
    writeFileSync(join(secretsDir, "minio_root_password"), server.rootPassword, { mode: 0o600 });
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(compose.services.gateway?.environment ?? {})) {
      env[name] = value.replace("/run/secrets/", `${secretsDir}/`);
    }
    env.S3GATEWAY_MINIO_ENDPOINT = server.endpoint;
    delete env.S3GATEWAY_PUBLIC_S3_URL;
    delete env.S3GATEWAY_PUBLIC_WEB_URL;
    delete env.S3GATEWAY_DATA_DIR;
    delete env.S3GATEWAY_S3_ADDR;
    delete env.S3GATEWAY_WEB_ADDR;
    if (server.kind === "versitygw") env.S3GATEWAY_MINIO_UNSAFE_SHARED_CREDENTIALS = "true";
    gateway = await startGateway(env);
    home = createAwsClientHome();
  });

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
    home?.remove();
    rmSync(secretsDir, { recursive: true, force: true });
  });

  test("first upload with the AWS CLI", async () => {
    await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);
    const key = JSON.parse(await gateway.cliOk(["credential", "create", "--org", "acme", "--json"])) as TestCredential;
    writeFileSync(join(home.dir, "credentials"), `[s3gw_acme]\naws_access_key_id = ${key.access_key_id}\naws_secret_access_key = ${key.secret_access_key}\n`);
    writeFileSync(join(home.dir, "config"), "[profile s3gw_acme]\nregion = us-east-1\n");
    writeFileSync(join(home.dir, "report.json"), '{"ok":true}\n');
    const copied = await runAwsCli(home, gateway.s3Url, ["s3", "cp", "report.json", "s3://azure/report.json", "--profile", "s3gw_acme"], home.dir);
    expect(copied.exitCode, describeResult(copied)).toBe(0);
    const listed = await runAwsCli(home, gateway.s3Url, ["s3", "ls", "s3://azure/", "--profile", "s3gw_acme"]);
    expect(listed.exitCode, describeResult(listed)).toBe(0);
    expect(listed.stdout).toContain("report.json");
    expect(gateway.output()).not.toContain(server.rootPassword);
  });
});
