import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ConsoleClient, addOrg, addUser, openConsoleFixture, sessionCount, type ConsoleFixture } from "./test-support.ts";

const hour = 3_600_000;
let clock: number;
let fixture: ConsoleFixture;
let client: ConsoleClient;

beforeEach(async () => {
  clock = Date.parse("2025-03-04T08:00:00Z");
  fixture = openConsoleFixture({ now: () => new Date(clock) });
  addOrg(fixture.ctx, "acme");
  await addUser(fixture.ctx, "ann@acme.test", ["acme"]);
  client = new ConsoleClient(fixture.app);
  await client.signIn("ann@acme.test");
});

afterEach(() => fixture.close());

async function dashboardStatus(): Promise<number> {
  return (await client.get("/")).status;
}

describe("idle timeout", () => {
  test("session survives 7 hours idle", async () => {
    clock += 7 * hour;
    expect(await dashboardStatus()).toBe(200);
  });

  test("session ends after 8 hours idle", async () => {
    clock += 8 * hour;
    expect(await dashboardStatus()).toBe(303);
    expect(sessionCount(fixture.ctx)).toBe(0);
  });

  test("activity restarts the idle clock", async () => {
    clock += 6 * hour;
    expect(await dashboardStatus()).toBe(200);
    clock += 6 * hour;
    expect(await dashboardStatus()).toBe(200);
  });
});

describe("absolute timeout", () => {
  test("active session ends after 24 hours", async () => {
    for (let elapsed = 6; elapsed < 24; elapsed += 6) {
      clock += 6 * hour;
      expect(await dashboardStatus()).toBe(200);
    }
    clock += 6 * hour;
    expect(await dashboardStatus()).toBe(303);
  });

  test("session is valid just before 24 hours", async () => {
    for (let elapsed = 0; elapsed < 3; elapsed++) {
      clock += 7 * hour;
      expect(await dashboardStatus()).toBe(200);
    }
    clock += 3 * hour - 1000;
    expect(await dashboardStatus()).toBe(200);
  });
});

describe("expired session cleanup", () => {
  test("sign-in removes timed-out sessions", async () => {
    const other = new ConsoleClient(fixture.app);
    clock += 9 * hour;
    await other.signIn("ann@acme.test");
    expect(sessionCount(fixture.ctx)).toBe(1);
  });
});
