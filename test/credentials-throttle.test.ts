/**
 * Throttling of failed signature checks and of sign-ins, on injected clocks, and the audit
 * events that aggregate rejected S3 requests per key and source address.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ListBucketsCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { FailureThrottle, TokenBuckets } from "../src/credentials/throttle.ts";
import { startInProcessS3, type InProcessS3 } from "./support/in-process-s3.ts";
import { ConsoleClient, addOrg, addUser, openConsoleFixture } from "../src/web/test-support.ts";

class MillisecondClock {
  current = 1_000_000;
  now = () => this.current;
}

describe("token buckets", () => {
  test("burst, then one token per refill interval", () => {
    const clock = new MillisecondClock();
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 2 }, clock.now);
    expect([buckets.take("a"), buckets.take("a"), buckets.take("a")]).toEqual([0, 0, 0]);
    expect(buckets.take("a")).toBe(500);
    clock.current += 499;
    expect(buckets.waitMs("a")).toBe(1);
    clock.current += 1;
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("b")).toBe(0);
  });

  test("refill stops at the capacity", () => {
    const clock = new MillisecondClock();
    const buckets = new TokenBuckets({ capacity: 2, refillPerSecond: 1 }, clock.now);
    buckets.take("a");
    clock.current += 60_000;
    expect([buckets.take("a"), buckets.take("a"), buckets.take("a") > 0]).toEqual([0, 0, true]);
  });

  test("oldest bucket is dropped past the maximum", () => {
    const clock = new MillisecondClock();
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 0.001 }, clock.now, 2);
    buckets.take("a");
    buckets.take("b");
    buckets.take("c");
    // "a" was dropped, so it starts full again.
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("c")).toBeGreaterThan(0);
  });

  test("failure throttle limits by address and by key id", () => {
    const clock = new MillisecondClock();
    const throttle = new FailureThrottle(
      { perSourceAddress: { capacity: 2, refillPerSecond: 1 }, perAccessKeyId: { capacity: 3, refillPerSecond: 1 }, maxDelayMs: 300 },
      clock.now,
    );
    expect(throttle.recordFailure("10.0.0.1", "GWKEY")).toEqual({ limited: false, delayMs: 0 });
    expect(throttle.recordFailure("10.0.0.1", "GWKEY")).toEqual({ limited: false, delayMs: 0 });
    expect(throttle.recordFailure("10.0.0.1", "GWKEY")).toEqual({ limited: true, delayMs: 300 });
    // Another address still has its own tokens, but the key id has spent its three.
    expect(throttle.recordFailure("10.0.0.2", "GWKEY")).toEqual({ limited: true, delayMs: 300 });
    expect(throttle.recordFailure("10.0.0.3", undefined)).toEqual({ limited: false, delayMs: 0 });
  });
});

describe("S3 endpoint", () => {
  let s3: InProcessS3;
  let clock: MillisecondClock;

  beforeEach(async () => {
    clock = new MillisecondClock();
    const throttle = new FailureThrottle(
      { perSourceAddress: { capacity: 3, refillPerSecond: 1 }, perAccessKeyId: { capacity: 100, refillPerSecond: 1 }, maxDelayMs: 20 },
      clock.now,
    );
    s3 = await startInProcessS3({ throttle });
    s3.ctx.organizations.create({ id: "acme", name: "Acme", connectors: ["azure"] }, "test");
  });

  afterEach(() => s3.close());

  async function listBuckets(key: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
    try {
      await s3.client(key).send(new ListBucketsCommand({}));
      return "ok";
    } catch (error) {
      if (error instanceof S3ServiceException) return error.name;
      throw error;
    }
  }

  test("guessing client slows down, valid client is never locked out", async () => {
    const key = s3.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    const wrong = { accessKeyId: key.accessKeyId, secretAccessKey: "x".repeat(40) };
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) outcomes.push(await listBuckets(wrong));
    expect(outcomes).toEqual(["SignatureDoesNotMatch", "SignatureDoesNotMatch", "SignatureDoesNotMatch", "SlowDown", "SlowDown"]);

    // Same address and same key id, but a valid signature: served, and it takes no token.
    for (let attempt = 0; attempt < 5; attempt++) expect(await listBuckets(key)).toBe("ok");

    clock.current += 1000;
    expect(await listBuckets(wrong)).toBe("SignatureDoesNotMatch");
    expect(await listBuckets(wrong)).toBe("SlowDown");
  });

  test("throttled answer hides whether a key id exists", async () => {
    const unknown = { accessKeyId: "GWAAAAAAAAAAAAAAAAAA", secretAccessKey: "x".repeat(40) };
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) outcomes.push(await listBuckets(unknown));
    expect(outcomes).toEqual(["InvalidAccessKeyId", "InvalidAccessKeyId", "InvalidAccessKeyId", "SlowDown"]);
  });

  test("rejections are audited per key and address", async () => {
    const key = s3.credentials.create({ orgId: "acme", createdBy: null, actor: "test" });
    const wrong = { accessKeyId: key.accessKeyId, secretAccessKey: "y".repeat(40) };
    for (let attempt = 0; attempt < 4; attempt++) await listBuckets(wrong);
    await listBuckets({ accessKeyId: "GWBBBBBBBBBBBBBBBBBB", secretAccessKey: "z".repeat(40) });
    expect(await listBuckets(key)).toBe("ok");
    s3.rejections.flush();

    const rows = s3.ctx.sqlite
      .query("SELECT org_id, target, source_address, detail FROM audit_events WHERE action = 's3.requests_rejected' ORDER BY id")
      .all() as { org_id: string | null; target: string | null; source_address: string; detail: string }[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ org_id: "acme", target: key.accessKeyId, source_address: "127.0.0.1" });
    expect(JSON.parse(rows[0]?.detail ?? "{}")).toMatchObject({ count: 4, codes: "SignatureDoesNotMatch:3,SlowDown:1" });
    expect(rows[1]).toMatchObject({ org_id: null, target: "GWBBBBBBBBBBBBBBBBBB" });
    expect(JSON.parse(rows[1]?.detail ?? "{}")).toMatchObject({ count: 1, codes: "SlowDown:1" });

    // The trail pages by id, so times must not go backwards along it.
    const times = (s3.ctx.sqlite.query("SELECT at FROM audit_events ORDER BY id").all() as { at: number }[]).map((row) => row.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe("sign-in limit", () => {
  test("failed sign-ins are limited, then the form answers 429", async () => {
    const fixture = openConsoleFixture();
    try {
      addOrg(fixture.ctx, "acme");
      await addUser(fixture.ctx, "ann@acme.test", ["acme"]);
      const client = new ConsoleClient(fixture.app);
      await client.get("/login");
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 11; attempt++) statuses.push((await client.post("/login", { email: "ann@acme.test", password: "wrong password!" })).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
      const response = await client.post("/login", { email: "ann@acme.test", password: "correct horse battery" });
      expect(response.status).toBe(429);
      expect(await response.text()).toContain("Too many failed sign-ins came from your address. Wait");
    } finally {
      fixture.close();
    }
  });
});
