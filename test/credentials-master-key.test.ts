/**
 * The master keyring. Rotation re-encrypts every secret while a running "server" (a lookup cache
 * over its own connection) keeps decrypting. Start-up rejects a missing, unreadable or incomplete
 * key file with a message that tells the operator what to do.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { openContext, type GatewayContext } from "../src/context.ts";
import { CredentialLookupCache } from "../src/credentials/lookup-cache.ts";
import { initMasterKeyFile } from "../src/credentials/master-key.ts";
import { keyIdsInUse, rotateMasterKey } from "../src/credentials/rotation.ts";
import { ConfigError } from "../src/errors.ts";

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "s3gw-master-key-"));
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function open(env: Record<string, string> = {}): GatewayContext {
  return openContext(loadConfig({ dataDir }, env));
}

describe("rotation", () => {
  test("re-encrypts every secret under a new key without interrupting lookups", () => {
    const server = open({ S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "1000" });
    server.organizations.create({ id: "acme", name: "Acme", connectors: ["azure"] }, "test");
    // More than two re-encryption batches of 200.
    const created = Array.from({ length: 450 }, () => server.credentials.create({ orgId: "acme", createdBy: null, actor: "test" }));
    const cache = new CredentialLookupCache(server.db, server.keyring);
    const oldKeyId = server.keyring.currentId;
    expect(cache.credential(created[0]?.accessKeyId ?? "")?.secretAccessKey).toBe(created[0]?.secretAccessKey);

    const cli = open();
    const result = rotateMasterKey(cli.db, cli.masterKeyPath, "cli");
    cli.close();
    expect(result.reencrypted).toBe(450);
    expect(result.unusedKeyIds).toEqual([oldKeyId]);
    expect(keyIdsInUse(server.db)).toEqual([result.newKeyId]);
    expect(readFileSync(server.masterKeyPath, "utf8").trim().split("\n")).toHaveLength(2);

    // The server's cache notices the change counter, rereads the key file and decrypts with the new key.
    cache.refresh();
    for (const credential of created) expect(cache.credential(credential.accessKeyId)?.secretAccessKey).toBe(credential.secretAccessKey);
    expect(server.keyring.currentId).toBe(result.newKeyId);

    // Secrets the server creates from now on use the new key.
    const later = server.credentials.create({ orgId: "acme", createdBy: null, actor: "test", ttlMs: 1 });
    const row = server.sqlite.query("SELECT secret_key_id FROM credentials WHERE access_key_id = ?").get(later.accessKeyId) as { secret_key_id: string };
    expect(row.secret_key_id).toBe(result.newKeyId);
    expect(server.sqlite.query("SELECT count(*) AS n FROM audit_events WHERE action = 'master_key.rotated'").get()).toEqual({ n: 1 });
    server.close();
  });

  test("lookup of a secret under a key not yet loaded rereads the file", () => {
    const server = open();
    server.organizations.create({ id: "acme", name: "Acme", connectors: ["azure"] }, "test");
    const cache = new CredentialLookupCache(server.db, server.keyring);
    const cli = open();
    rotateMasterKey(cli.db, cli.masterKeyPath, "cli");
    const created = cli.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    cli.close();
    // No refresh: the unknown key id alone makes the cache reload the keyring.
    expect(cache.credential(created.accessKeyId)?.secretAccessKey).toBe(created.secretAccessKey);
    server.close();
  });
});

describe("start-up checks", () => {
  test("named key file must exist", () => {
    const path = join(dataDir, "elsewhere.key");
    expect(() => open({ S3GATEWAY_MASTER_KEY_FILE: path })).toThrow(ConfigError);
    expect(() => open({ S3GATEWAY_MASTER_KEY_FILE: path })).toThrow(`Master key file "${path}" does not exist, and the server does not start without it: create one with "s3gateway master-key init"`);
    initMasterKeyFile(path);
    const ctx = open({ S3GATEWAY_MASTER_KEY_FILE: path });
    expect(ctx.masterKeyCreated).toBe(false);
    ctx.close();
  });

  test("embedded default creates the key file", () => {
    const ctx = open();
    expect(ctx.masterKeyCreated).toBe(true);
    expect(ctx.masterKeyPath).toBe(join(dataDir, "master.key"));
    ctx.close();
  });

  test("unreadable key file is named with the reason", () => {
    const path = join(dataDir, "a-directory.key");
    mkdirSync(path);
    expect(() => open({ S3GATEWAY_MASTER_KEY_FILE: path })).toThrow(`Master key file "${path}" cannot be read (EISDIR)`);
  });

  test("key file readable by others is refused", () => {
    const path = join(dataDir, "open.key");
    initMasterKeyFile(path);
    chmodSync(path, 0o644);
    expect(() => open({ S3GATEWAY_MASTER_KEY_FILE: path })).toThrow(`restrict it with "chmod 600 ${path}"`);
  });

  test("key file without the key of stored secrets is refused", () => {
    const first = open();
    first.organizations.create({ id: "acme", name: "Acme", connectors: ["azure"] }, "test");
    first.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    const oldKeyId = first.keyring.currentId;
    first.close();
    const replacement = join(dataDir, "replacement.key");
    initMasterKeyFile(replacement);
    expect(() => open({ S3GATEWAY_MASTER_KEY_FILE: replacement })).toThrow(`Stored secrets are encrypted with master key "${oldKeyId}", which "${replacement}" does not contain`);
  });

  test("init never overwrites a key file", () => {
    const path = join(dataDir, "kept.key");
    initMasterKeyFile(path);
    const before = readFileSync(path, "utf8");
    expect(() => initMasterKeyFile(path)).toThrow("already exists: it is left unchanged");
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  test("malformed line is named", () => {
    const path = join(dataDir, "bad.key");
    writeFileSync(path, "k1 not-base64-of-32-bytes\n", { mode: 0o600 });
    expect(() => open({ S3GATEWAY_MASTER_KEY_FILE: path })).toThrow("line 1 is malformed");
  });
});
