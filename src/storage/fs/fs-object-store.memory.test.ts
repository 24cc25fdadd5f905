import { expect, test } from "bun:test";
import { join } from "node:path";

const mebibyte = 1024 * 1024;

interface ProbeResult {
  baseline: number;
  peakDuringPut: number;
  peakDuringGet: number;
  size: number;
  received: number;
  etagMatches: boolean;
}

function toMiB(bytes: number): string {
  return `${(bytes / mebibyte).toFixed(1)} MiB`;
}

// Memory only: the bound is loose because RSS also counts the allocator's caches and garbage not
// yet collected. The probe runs in its own process so earlier tests' heaps do not count.
test("300 MB put and get keep RSS flat", async () => {
  const probe = Bun.spawn([process.execPath, join(import.meta.dir, "memory-probe.ts"), "300"], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(probe.stdout).text(), new Response(probe.stderr).text(), probe.exited]);
  expect(exitCode, stderr).toBe(0);
  const result = JSON.parse(stdout) as ProbeResult;
  console.log(`RSS baseline ${toMiB(result.baseline)}, peak during put ${toMiB(result.peakDuringPut)}, peak during get ${toMiB(result.peakDuringGet)}`);
  expect(result.size).toBe(300 * mebibyte);
  expect(result.received).toBe(300 * mebibyte);
  expect(result.etagMatches).toBe(true);
  expect(result.peakDuringPut - result.baseline).toBeLessThan(100 * mebibyte);
  expect(result.peakDuringGet - result.baseline).toBeLessThan(100 * mebibyte);
}, 120_000);
