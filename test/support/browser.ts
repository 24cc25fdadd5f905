/**
 * Starts Debian's Chromium through playwright-core for the console tests, never a browser that
 * a tool downloads.
 */
import { chromium, type Browser } from "playwright-core";

/**
 * Flags for running as root on a machine without network access: no sandbox, no GPU, and none of
 * the background connections Chromium would otherwise open to Google's hosts.
 */
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** Launches headless Chromium from `S3GW_TEST_CHROMIUM` or `/usr/bin/chromium`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.S3GW_TEST_CHROMIUM ?? "/usr/bin/chromium", args: chromiumArgs });
}
