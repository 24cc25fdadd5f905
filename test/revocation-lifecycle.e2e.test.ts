/**
 * The key lifecycle against the real `s3gateway serve` under concurrent S3 load from
 * `@aws-sdk/client-s3`. A revoke through the API fails the first request sent after it commits.
 * A revoke from the CLI, another process, reaches the server within a second. Last use is
 * recorded in batches, the master key rotates without a failed request, and the audit trail
 * exports as JSON lines.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { isolatedEnv, runCli, startGateway, type TestGateway } from "./support/gateway.ts";
import { WebClient } from "./support/web-client.ts";

const password = "correct horse battery";

let gateway: TestGateway;
let web: WebClient;

interface LoadRecord {
  /** When the request was handed to the SDK, in performance.now() milliseconds. */
  sentAt: number;
  outcome: string;
}

/**
 * Runs `workers` loops of alternating ListObjectsV2 and PutObject with one key until `stop()` is
 * called, and records when each request was sent and how it ended.
 */
function startLoad(key: { accessKeyId: string; secretAccessKey: string }, workers = 8): { records: LoadRecord[]; stop(): Promise<void> } {
  const records: LoadRecord[] = [];
  let running = true;
  const client = new S3Client({ endpoint: gateway.s3Url, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: key });
  const loop = async (worker: number) => {
    for (let index = 0; running; index++) {
      const sentAt = performance.now();
      const command = index % 2 === 0 ? new ListObjectsV2Command({ Bucket: "azure", MaxKeys: 5 }) : new PutObjectCommand({ Bucket: "azure", Key: `load/${worker}/${index % 10}`, Body: "x" });
      try {
        await client.send(command as never);
        records.push({ sentAt, outcome: "ok" });
      } catch (error) {
        if (!(error instanceof S3ServiceException)) throw error;
        records.push({ sentAt, outcome: `${error.name}: ${error.message}` });
      }
    }
  };
  const loops = Array.from({ length: workers }, (_, worker) => loop(worker));
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(loops);
      client.destroy();
    },
  };
}

beforeAll(async () => {
  gateway = await startGateway({ S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "20" });
  await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);
  const passwordFile = join(gateway.dataDir, "password.txt");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  await gateway.cliOk(["user", "add", "ada@acme.test", "--org", "acme", "--org-admin", "--password-file", passwordFile]);
  web = new WebClient(gateway.webUrl);
  await web.signIn("ada@acme.test", password);
});

afterAll(async () => {
  await gateway?.stop();
});

async function generate(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const created = await web.api("POST", "/organizations/acme/credentials", { label: "load" });
  expect(created.status).toBe(201);
  return { accessKeyId: created.json.access_key_id, secretAccessKey: created.json.secret_access_key };
}

describe("revocation under concurrent load", () => {
  test("first request after an API revoke fails", async () => {
    const key = await generate();
    const load = startLoad(key);
    await Bun.sleep(800);
    const revoked = await web.api("POST", `/credentials/${key.accessKeyId}/revoke`);
    const committedBy = performance.now();
    expect(revoked.status).toBe(200);
    await Bun.sleep(700);
    await load.stop();

    const before = load.records.filter((record) => record.sentAt < committedBy);
    const after = load.records.filter((record) => record.sentAt > committedBy);
    expect(before.filter((record) => record.outcome === "ok").length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(20);
    const succeededAfter = after.filter((record) => !record.outcome.startsWith(`AccessDenied: The access key ${key.accessKeyId} was revoked at`));
    expect(succeededAfter).toEqual([]);
  }, 30_000);

  test("CLI revoke reaches the server within a second", async () => {
    const key = await generate();
    const load = startLoad(key, 4);
    await Bun.sleep(500);
    await gateway.cliOk(["credential", "revoke", key.accessKeyId]);
    const cliDone = performance.now();
    await Bun.sleep(1500);
    await load.stop();

    const late = load.records.filter((record) => record.sentAt > cliDone + 1000);
    expect(late.length).toBeGreaterThan(10);
    expect(late.filter((record) => !record.outcome.startsWith("AccessDenied:"))).toEqual([]);
  }, 30_000);
});

describe("key lifecycle", () => {
  test("last use is recorded with the source address", async () => {
    const key = await generate();
    const load = startLoad(key, 2);
    await Bun.sleep(300);
    await load.stop();
    let fetched: { last_used_at: string | null; last_used_from: string | null } | undefined;
    for (let attempt = 0; attempt < 40 && !fetched?.last_used_at; attempt++) {
      await Bun.sleep(100);
      fetched = (await web.api("GET", `/credentials/${key.accessKeyId}`)).json;
    }
    expect(fetched?.last_used_at).not.toBeNull();
    expect(fetched?.last_used_from).toBe("127.0.0.1");
  }, 30_000);

  test("master key rotates without a failed request", async () => {
    const key = await generate();
    const load = startLoad(key, 4);
    await Bun.sleep(300);
    const output = await gateway.cliOk(["master-key", "rotate"]);
    await Bun.sleep(500);
    await load.stop();
    expect(output).toMatch(/^Added master key k\d{8}-[0-9a-f]{6} to .*master\.key and re-encrypted \d+ secrets under it\./);
    expect(load.records.length).toBeGreaterThan(20);
    expect(load.records.filter((record) => record.outcome !== "ok")).toEqual([]);

    const after = await generate();
    const client = new S3Client({ endpoint: gateway.s3Url, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: after });
    await client.send(new ListObjectsV2Command({ Bucket: "azure", MaxKeys: 1 }));
    client.destroy();
  }, 30_000);

  test("audit export writes JSON lines", async () => {
    const exported = await gateway.cliOk(["audit", "export", "--since", "1h", "--org", "acme"]);
    const events = exported
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { action: string; org: string | null; at: string; actor: string });
    const actions = events.map((event) => event.action);
    for (const action of ["org.created", "user.signed_in", "credential.created", "credential.revoked"]) expect(actions).toContain(action);
    expect(events.every((event) => event.org === "acme" || event.action === "user.signed_in")).toBe(true);

    const future = await gateway.cliOk(["audit", "export", "--since", "2999-01-01"]);
    expect(future).toBe("");
    const invalid = await gateway.cli(["audit", "export", "--since", "yesterday"]);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain('Invalid --since "yesterday": use an RFC 3339 time such as 2025-03-01T00:00:00Z, a date such as 2025-03-01, or a duration such as 7d.');
  });
});

describe("master key file", () => {
  test("named key file is required to start", async () => {
    const folder = mkdtempSync(join(tmpdir(), "s3gw-key-"));
    try {
      const keyFile = join(folder, "master.key");
      const env = isolatedEnv({ S3GATEWAY_MASTER_KEY_FILE: keyFile, S3GATEWAY_DATA_DIR: join(folder, "data") });
      const refused = await runCli(["serve", "--s3-addr", "127.0.0.1:0", "--web-addr", "127.0.0.1:0"], env);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(`Master key file "${keyFile}" does not exist, and the server does not start without it: create one with "s3gateway master-key init"`);

      const init = await runCli(["master-key", "init"], env);
      expect(init.exitCode).toBe(0);
      expect(init.stdout).toContain(`in ${keyFile} (mode 0600)`);
      const started = await startGateway({ S3GATEWAY_MASTER_KEY_FILE: keyFile });
      expect(started.output()).not.toContain("Generated a new master key");
      await started.stop();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
