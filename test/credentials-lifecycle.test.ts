/**
 * The credential lifecycle on an injected clock: default lifetime, renewal up to the maximum age,
 * revocation, deletion, the active-key limit, scopes, who may do what, and what the S3 endpoint
 * does with each state.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListBucketsCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { loadConfig } from "../src/config.ts";
import { openContext, type GatewayContext } from "../src/context.ts";
import { CredentialService, type CredentialSummary } from "../src/credentials/credentials.ts";
import { actionsFor, canManage, canView, type KeyViewer } from "../src/credentials/permissions.ts";
import { ConflictError, InvalidInputError, LimitExceededError, NotFoundError } from "../src/errors.ts";
import { startInProcessS3, type InProcessS3 } from "./support/in-process-s3.ts";

const hour = 3_600_000;
const start = new Date("2030-01-01T00:00:00Z");

class TestClock {
  current = start.getTime();
  now = () => new Date(this.current);
  advance(ms: number): void {
    this.current += ms;
  }
}

let dataDir: string;
let ctx: GatewayContext;
let clock: TestClock;

function service(limits: { maxAgeMs?: number; maxActivePerOrg?: number } = {}): CredentialService {
  return new CredentialService(ctx.db, ctx.keyring, { defaultTtlMs: 24 * hour, maxActivePerOrg: limits.maxActivePerOrg ?? 10, maxAgeMs: limits.maxAgeMs }, clock.now);
}

function auditActions(target: string): string[] {
  return (ctx.sqlite.query("SELECT action FROM audit_events WHERE target = ? ORDER BY id").all(target) as { action: string }[]).map((row) => row.action);
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "s3gw-lifecycle-"));
  ctx = openContext(loadConfig({ dataDir }, {}));
  ctx.organizations.create({ id: "acme", name: "Acme", connectors: ["azure", "sentinelone", "vmware"] }, "test");
  ctx.organizations.create({ id: "globex", name: "Globex", connectors: ["azure"] }, "test");
  clock = new TestClock();
});

afterEach(() => {
  ctx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("lifetime", () => {
  test("new key lives 24 hours by default", () => {
    const created = service().create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(created.expiresAt.getTime() - created.createdAt.getTime()).toBe(24 * hour);
    clock.advance(24 * hour - 1);
    expect(service().get(created.accessKeyId).status).toBe("active");
    clock.advance(1);
    expect(service().get(created.accessKeyId).status).toBe("expired");
  });

  test("configured lifetime applies", () => {
    const custom = new CredentialService(ctx.db, ctx.keyring, { defaultTtlMs: 2 * hour, maxActivePerOrg: 10 }, clock.now);
    const created = custom.create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(created.expiresAt.getTime() - start.getTime()).toBe(2 * hour);
  });

  test("lifetime above the maximum age is capped", () => {
    const created = service({ maxAgeMs: 12 * hour }).create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(created.expiresAt.getTime() - start.getTime()).toBe(12 * hour);
  });
});

describe("renew", () => {
  test("extends by the lifetime from now", () => {
    const credentials = service();
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    clock.advance(20 * hour);
    const renewed = credentials.renew(created.accessKeyId, { actor: "test" });
    expect(renewed.expiresAt.toISOString()).toBe(new Date(start.getTime() + 44 * hour).toISOString());
    expect(auditActions(created.accessKeyId)).toEqual(["credential.created", "credential.renewed"]);
  });

  test("stops at the maximum age", () => {
    const credentials = service({ maxAgeMs: 36 * hour });
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    clock.advance(20 * hour);
    expect(credentials.renew(created.accessKeyId, { actor: "test" }).expiresAt.getTime()).toBe(start.getTime() + 36 * hour);
    clock.advance(hour);
    expect(() => credentials.renew(created.accessKeyId, { actor: "test" })).toThrow(ConflictError);
    expect(() => credentials.renew(created.accessKeyId, { actor: "test" })).toThrow("the latest its maximum age allows");
  });

  test("expired and revoked keys are not renewed", () => {
    const credentials = service();
    const expired = credentials.create({ orgId: "acme", createdBy: null, actor: "test", ttlMs: hour });
    const revoked = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    credentials.revoke(revoked.accessKeyId, { actor: "test" });
    clock.advance(2 * hour);
    expect(() => credentials.renew(expired.accessKeyId, { actor: "test" })).toThrow(/expired at .* so it cannot be renewed/);
    expect(() => credentials.renew(revoked.accessKeyId, { actor: "test" })).toThrow(/was revoked at .* so it cannot be renewed/);
  });

  test("key created with a short lifetime renews by it", () => {
    const credentials = service();
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test", ttlMs: hour });
    clock.advance(30 * 60_000);
    expect(credentials.renew(created.accessKeyId, { actor: "test" }).expiresAt.getTime()).toBe(start.getTime() + 90 * 60_000);
  });
});

describe("revoke and delete", () => {
  test("revoked key stays in the history", () => {
    const credentials = service();
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    clock.advance(hour);
    const revoked = credentials.revoke(created.accessKeyId, { actor: "test", sourceAddress: "127.0.0.9" });
    expect(revoked.status).toBe("revoked");
    expect(revoked.revokedAt?.getTime()).toBe(start.getTime() + hour);
    expect(credentials.list("acme").map((item) => item.accessKeyId)).toEqual([created.accessKeyId]);
    expect(() => credentials.revoke(created.accessKeyId, { actor: "test" })).toThrow(ConflictError);
  });

  test("delete removes a revoked key and keeps its audit events", () => {
    const credentials = service();
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    credentials.revoke(created.accessKeyId, { actor: "test" });
    credentials.delete(created.accessKeyId, { actor: "test" });
    expect(credentials.list("acme")).toEqual([]);
    expect(() => credentials.get(created.accessKeyId)).toThrow(NotFoundError);
    expect(auditActions(created.accessKeyId)).toEqual(["credential.created", "credential.revoked", "credential.deleted"]);
  });

  test("delete removes an expired key", () => {
    const credentials = service();
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test", ttlMs: hour });
    clock.advance(hour);
    expect(credentials.delete(created.accessKeyId, { actor: "test" }).status).toBe("expired");
    expect(credentials.list("acme")).toEqual([]);
  });

  test("active key is deleted only with revokeIfActive", () => {
    const credentials = service();
    const created = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(() => credentials.delete(created.accessKeyId, { actor: "test" })).toThrow("is active: revoke it first");
    expect(credentials.get(created.accessKeyId).status).toBe("active");
    credentials.delete(created.accessKeyId, { actor: "test" }, { revokeIfActive: true });
    expect(credentials.list("acme")).toEqual([]);
    expect(auditActions(created.accessKeyId)).toEqual(["credential.created", "credential.revoked", "credential.deleted"]);
  });
});

describe("active key limit", () => {
  test("eleventh key is refused", () => {
    const credentials = service();
    for (let index = 0; index < 10; index++) credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(() => credentials.create({ orgId: "acme", createdBy: null, actor: "test" })).toThrow(LimitExceededError);
    expect(() => credentials.create({ orgId: "acme", createdBy: null, actor: "test" })).toThrow("already has 10 active credentials, and 10 is the maximum");
    expect(credentials.create({ orgId: "globex", createdBy: null, actor: "test" }).orgId).toBe("globex");
  });

  test("revoked and expired keys free a place", () => {
    const credentials = service({ maxActivePerOrg: 2 });
    const first = credentials.create({ orgId: "acme", createdBy: null, actor: "test", ttlMs: hour });
    const second = credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(() => credentials.create({ orgId: "acme", createdBy: null, actor: "test" })).toThrow(LimitExceededError);
    credentials.revoke(second.accessKeyId, { actor: "test" });
    credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    clock.advance(hour);
    expect(credentials.get(first.accessKeyId).status).toBe("expired");
    credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(credentials.activeCount("acme")).toBe(2);
  });
});

describe("label and scope", () => {
  test("scope and label are stored", () => {
    const created = service().create({ orgId: "acme", createdBy: null, actor: "test", label: "  nightly backup ", scope: { access: "write-only", buckets: ["vmware", "azure", "azure"] } });
    expect(created.label).toBe("nightly backup");
    expect(created.scope).toEqual({ access: "write-only", buckets: ["azure", "vmware"] });
    expect(service().get(created.accessKeyId).scope).toEqual({ access: "write-only", buckets: ["azure", "vmware"] });
  });

  test("default scope is every bucket read-write", () => {
    expect(service().create({ orgId: "acme", createdBy: null, actor: "test" }).scope).toEqual({ access: "read-write", buckets: null });
  });

  test("invalid scopes are rejected", () => {
    const credentials = service();
    const cases: [Parameters<CredentialService["create"]>[0]["scope"], string][] = [
      [{ buckets: [] }, "The bucket scope is empty"],
      [{ buckets: ["payroll"] }, 'Organization "acme" has no bucket "payroll": choose from azure, sentinelone, vmware.'],
      [{ access: "admin" as never }, 'Invalid access level "admin"'],
    ];
    for (const [scope, message] of cases) {
      expect(() => credentials.create({ orgId: "acme", createdBy: null, actor: "test", ...(scope ? { scope } : {}) })).toThrow(message);
    }
    expect(() => credentials.create({ orgId: "globex", createdBy: null, actor: "test", scope: { buckets: ["vmware"] } })).toThrow(InvalidInputError);
  });

  test("long label is rejected", () => {
    expect(() => service().create({ orgId: "acme", createdBy: null, actor: "test", label: "x".repeat(101) })).toThrow("use at most 100 characters");
  });
});

describe("permissions", () => {
  const member = (userId: string, orgId = "acme"): KeyViewer => ({ userId, isPlatformAdmin: false, memberships: [{ orgId, role: "member" }] });
  const admin = (userId: string, orgId = "acme"): KeyViewer => ({ userId, isPlatformAdmin: false, memberships: [{ orgId, role: "admin" }] });
  const platformAdmin: KeyViewer = { userId: "root", isPlatformAdmin: true, memberships: [] };

  function summary(createdBy: string | null, orgId = "acme", status: CredentialSummary["status"] = "active"): CredentialSummary {
    return {
      accessKeyId: "GWAAAAAAAAAAAAAAAAAA",
      orgId,
      label: null,
      createdBy,
      createdAt: start,
      expiresAt: start,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedFrom: null,
      lifetimeMs: hour,
      scope: { access: "read-write", buckets: null },
      status,
    };
  }

  test("member sees and manages own keys only", () => {
    expect(actionsFor(member("ann"), summary("ann"))).toEqual({ viewConfiguration: true, renew: true, revoke: true, delete: true });
    expect(actionsFor(member("ann"), summary("bob"))).toEqual({ viewConfiguration: false, renew: false, revoke: false, delete: false });
    expect(canView(member("ann"), summary(null))).toBe(false);
  });

  test("organization admin sees and revokes all", () => {
    expect(actionsFor(admin("ada"), summary("bob"))).toEqual({ viewConfiguration: true, renew: false, revoke: true, delete: false });
    expect(canManage(admin("ada"), summary(null))).toBe(true);
  });

  test("platform admin sees every organization", () => {
    expect(canView(platformAdmin, summary("bob", "globex"))).toBe(true);
    expect(actionsFor(platformAdmin, summary("bob", "globex")).revoke).toBe(true);
  });

  test("nobody acts on another organization's key", () => {
    for (const viewer of [member("ann"), admin("ada")]) {
      expect(actionsFor(viewer, summary("ann", "globex"))).toEqual({ viewConfiguration: false, renew: false, revoke: false, delete: false });
    }
  });

  test("revoked key offers delete but not renew or revoke", () => {
    expect(actionsFor(member("ann"), summary("ann", "acme", "revoked"))).toEqual({ viewConfiguration: true, renew: false, revoke: false, delete: true });
  });
});

describe("S3 endpoint on the test clock", () => {
  let s3: InProcessS3;
  let testClock: TestClock;

  beforeEach(async () => {
    testClock = new TestClock();
    s3 = await startInProcessS3({ now: testClock.now, env: { S3GATEWAY_CREDENTIAL_MAX_AGE: "48h" } });
    s3.ctx.organizations.create({ id: "acme", name: "Acme", connectors: ["azure"] }, "test");
  });

  afterEach(() => s3.close());

  async function listBuckets(key: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
    try {
      const result = await s3.client(key).send(new ListBucketsCommand({}));
      return (result.Buckets ?? []).map((bucket) => bucket.Name).join(",");
    } catch (error) {
      if (error instanceof S3ServiceException) return `${error.name}: ${error.message}`;
      throw error;
    }
  }

  test("expiry, renewal and maximum age", async () => {
    const key = s3.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    expect(await listBuckets(key)).toBe("azure");

    testClock.advance(23 * hour);
    s3.credentials.renew(key.accessKeyId, { actor: "test" });
    s3.cache.clear();
    testClock.advance(23 * hour);
    expect(await listBuckets(key)).toBe("azure");
    s3.credentials.renew(key.accessKeyId, { actor: "test" });
    s3.cache.clear();

    // The maximum age of 48 hours ends the key although it was just renewed.
    testClock.advance(2 * hour);
    expect(await listBuckets(key)).toMatch(/^AccessDenied: The access key GW\w+ expired at 2030-01-03T00:00:00.000Z: renew it or generate a new key/);
  });

  test("revoked key is rejected with its time", async () => {
    const key = s3.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    testClock.advance(hour);
    s3.credentials.revoke(key.accessKeyId, { actor: "test" });
    s3.cache.clear();
    expect(await listBuckets(key)).toBe(`AccessDenied: The access key ${key.accessKeyId} was revoked at 2030-01-01T01:00:00.000Z: generate a new key in the console.`);
  });

  test("deleted key is unknown", async () => {
    const key = s3.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    s3.credentials.delete(key.accessKeyId, { actor: "test" }, { revokeIfActive: true });
    s3.cache.clear();
    expect(await listBuckets(key)).toStartWith("InvalidAccessKeyId:");
  });
});
