// Drives every state of the key dashboard of the real `s3gateway serve` in headless Chromium
// (Debian's package, through playwright-core), with the keyboard where a person could. Each state
// is saved as a screenshot, on a desktop and a phone-sized screen, for review.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { startGateway, type TestGateway } from "./support/gateway.ts";

const screenshotDir = "/tmp/dashboard-shots";
const password = "correct horse battery";
const browserTimeoutMs = 120_000;
const desktop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

let gateway: TestGateway;
let browser: Browser;

async function addUser(email: string, org: string, admin = false): Promise<void> {
  const passwordFile = join(gateway.dataDir, `${email}.password`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  await gateway.cliOk(["user", "add", email, "--org", org, "--password-file", passwordFile, ...(admin ? ["--org-admin"] : [])]);
}

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  gateway = await startGateway({ S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "4" });
  await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);
  await gateway.cliOk(["org", "create", "initech", "--name", "Initech"]);
  await addUser("ann@acme.test", "acme");
  await addUser("ada@acme.test", "acme", true);
  await addUser("ian@initech.test", "initech");
  // Expired long before the admin's test looks at it, so it does not count against the limit.
  await gateway.cliOk(["credential", "create", "--org", "acme", "--ttl", "1s", "--label", "expired from the command line"]);
  browser = await launchChromium();
}, browserTimeoutMs);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

/** Opens a fresh browser context and records console errors, which include CSP violations. */
async function openPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    // htmx and Chromium log every 4xx response; the tests check those responses themselves.
    const expected4xx = /^(Response Status Error Code 4\d\d|Failed to load resource: the server responded with a status of 4\d\d)/;
    if (message.type() === "error" && !expected4xx.test(message.text())) errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${gateway.webUrl}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${gateway.webUrl}/`), page.click('[data-testid="sign-in"]')]);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Presses Tab until the element matching `selector` has the focus, as a keyboard user would. */
async function tabTo(page: Page, selector: string, maxPresses = 60): Promise<void> {
  for (let press = 0; press < maxPresses; press++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
  }
  throw new Error(`${selector} was not reached with ${maxPresses} presses of Tab`);
}

/** Accepts the next confirmation dialog and returns its text. */
function acceptNextDialog(page: Page): Promise<string> {
  return new Promise((resolve) => {
    page.once("dialog", (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    });
  });
}

function row(page: Page, accessKeyId: string) {
  return page.locator(`[data-testid="credential-row"][data-access-key-id="${accessKeyId}"]`);
}

/** Lists form controls and buttons that have no accessible name. */
async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const element of document.querySelectorAll("input, select, textarea, button, a[href]")) {
      if (element instanceof HTMLInputElement && element.type === "hidden") continue;
      const labelled =
        (element as HTMLInputElement).labels?.length ||
        element.getAttribute("aria-label") ||
        element.getAttribute("aria-labelledby") ||
        (element.textContent ?? "").trim() !== "";
      if (!labelled) problems.push(element.outerHTML.slice(0, 120));
    }
    return problems;
  });
}

async function newestAccessKeyId(page: Page): Promise<string> {
  return (await page.locator('[data-testid="credential-row"]').first().getAttribute("data-access-key-id")) ?? "";
}

describe("dashboard in Chromium", () => {
  test(
    "member: every state of the key history",
    async () => {
      const { context, page, errors } = await openPage(desktop);
      await signIn(page, "ann@acme.test");
      await page.locator('[data-testid="history-empty"]').waitFor();
      expect(await page.textContent('[data-testid="history-empty"]')).toContain("You have not generated any access keys");
      expect(await unlabelledControls(page)).toEqual([]);
      await shoot(page, "01-member-empty");

      // Generate with the keyboard only: open the options, type a label, pick read-only, untick a bucket.
      await tabTo(page, '[data-testid="key-options"] summary');
      await page.keyboard.press("Enter");
      await tabTo(page, "#key-label");
      await page.keyboard.type("nightly backup");
      await tabTo(page, '[data-testid="access-read-write"]');
      await page.keyboard.press("ArrowDown");
      expect(await page.isChecked('[data-testid="access-read-only"]')).toBe(true);
      await tabTo(page, '[data-testid="bucket-sentinelone"]');
      await page.keyboard.press("Space");
      expect(await unlabelledControls(page)).toEqual([]);
      await shoot(page, "02-generate-options");
      await tabTo(page, '[data-testid="generate-credentials"]');
      await page.keyboard.press("Enter");
      await page.locator('[data-testid="new-credential"]').waitFor();
      expect(await page.textContent('[data-testid="new-credential-scope"]')).toBe("read-only, buckets azure, vmware · nightly backup");
      for (const snippet of ["aws-cli-config", "environment-snippet", "boto3-snippet", "rclone-snippet"]) {
        expect(await page.locator(`[data-testid="${snippet}"]`).count()).toBe(1);
      }
      const firstKey = (await page.textContent('[data-testid="access-key-id"]')) ?? "";
      const secret = (await page.textContent('[data-testid="secret-access-key"]')) ?? "";
      expect(await page.evaluate(() => document.activeElement?.textContent ?? "")).toContain("New access key for Acme Corp");
      await shoot(page, "03-generated");

      // Use the key so that the history shows when and from where it was last used.
      const s3 = new S3Client({ endpoint: gateway.s3Url, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: firstKey, secretAccessKey: secret } });
      await s3.send(new ListBucketsCommand({}));
      s3.destroy();
      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="new-credential"]').waitFor();
      await Bun.sleep(2500);
      await page.reload();
      expect(await row(page, firstKey).locator('[data-testid="credential-last-used"]').textContent()).toContain("from 127.0.0.1");
      expect(await row(page, firstKey).locator('[data-testid="credential-countdown"]').textContent()).toMatch(/^in 23 h 5\d min$/);
      expect(await row(page, firstKey).locator('[data-testid="credential-scope"]').textContent()).toBe("read-only · azure, vmware");
      await shoot(page, "04-history-active");

      // View configuration: the snippets without the secret.
      await row(page, firstKey).locator('[data-testid="view-configuration"]').click();
      await page.locator('[data-testid="configuration-panel"]').waitFor();
      const configuration = (await page.textContent('[data-testid="configuration-panel"]')) ?? "";
      expect(configuration).toContain("PASTE_YOUR_SECRET_ACCESS_KEY");
      expect(configuration).not.toContain(secret);
      await shoot(page, "05-view-configuration");

      // Renew with the keyboard and the confirmation dialog.
      await page.focus(`[data-testid="credential-row"][data-access-key-id="${firstKey}"] [data-testid="view-configuration"]`);
      await tabTo(page, `[data-testid="credential-row"][data-access-key-id="${firstKey}"] [data-testid="renew-credential"]`);
      const renewDialog = acceptNextDialog(page);
      await page.keyboard.press("Enter");
      expect(await renewDialog).toContain(`Renew access key ${firstKey}? It will then expire 24 hours from now`);
      await page.locator('[data-testid="status-alert"]').waitFor();
      expect(await page.textContent('[data-testid="status-alert"]')).toContain(`Renewed ${firstKey}: it now expires at`);
      await shoot(page, "06-renewed");

      // Revoke, dismissing the dialog first.
      const revokeButton = row(page, firstKey).locator('[data-testid="revoke-credential"]');
      page.once("dialog", (dialog) => void dialog.dismiss());
      await revokeButton.click();
      await Bun.sleep(300);
      expect(await row(page, firstKey).locator('[data-testid="credential-status"]').textContent()).toBe("active");
      const revokeDialog = acceptNextDialog(page);
      await revokeButton.click();
      expect(await revokeDialog).toBe(`Revoke access key ${firstKey}? Programs using it stop working at once.`);
      await row(page, firstKey).locator(".badge-revoked").waitFor();
      await shoot(page, "07-revoked");

      // Delete an active key: the dialog warns that it is revoked first.
      const activeKey = await newestAccessKeyId(page);
      const deleteDialog = acceptNextDialog(page);
      await row(page, activeKey).locator('[data-testid="delete-credential"]').click();
      expect(await deleteDialog).toContain("is still active. Revoke it");
      await row(page, activeKey).waitFor({ state: "detached" });
      expect(await page.textContent('[data-testid="status-alert"]')).toContain(`Deleted ${activeKey} from the history`);
      await shoot(page, "08-deleted");

      // Delete the revoked key too.
      const deleteRevoked = acceptNextDialog(page);
      await row(page, firstKey).locator('[data-testid="delete-credential"]').click();
      expect(await deleteRevoked).toBe(`Delete access key ${firstKey} from the history? The audit trail keeps its record.`);
      await row(page, firstKey).waitFor({ state: "detached" });
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "limit reached offers to revoke",
    async () => {
      const { context, page, errors } = await openPage(desktop);
      await signIn(page, "ann@acme.test");
      for (let index = 0; index < 4; index++) {
        await page.click('[data-testid="generate-credentials"]');
        await page.locator('[data-testid="new-credential"]').waitFor();
        await page.evaluate(() => document.getElementById("credential-panel")?.replaceChildren());
      }
      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="limit-panel"]').waitFor();
      expect(await page.textContent('[data-testid="limit-panel"]')).toContain("Acme Corp already has 4 active access keys, the most one organization may hold at a time.");
      expect(await page.locator('[data-testid="limit-item"]').count()).toBe(4);
      await shoot(page, "09-limit-reached");

      const revoked = acceptNextDialog(page);
      await page.locator('[data-testid="limit-revoke"]').first().click();
      await revoked;
      await page.locator('[data-testid="limit-panel"]').waitFor({ state: "detached" });
      expect(await page.textContent('[data-testid="active-count"]')).toBe("3 of 4 active keys in the organization");
      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="new-credential"]').waitFor();

      // Phone-sized screen: the history and the limit notice fit the width.
      const phonePage = await context.newPage();
      await phonePage.setViewportSize(phone);
      await phonePage.goto(`${gateway.webUrl}/`);
      await phonePage.click('[data-testid="generate-credentials"]');
      await phonePage.locator('[data-testid="limit-panel"]').waitFor();
      expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
      await shoot(phonePage, "10-phone-limit-and-history");
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "organization admin: whole history, audit trail, errors",
    async () => {
      const { context, page, errors } = await openPage(desktop);
      await signIn(page, "ada@acme.test");
      await page.locator('[data-testid="credential-created-by"]').first().waitFor();
      const creators = await page.locator('[data-testid="credential-created-by"]').allTextContents();
      expect(creators).toContain("ann@acme.test");
      expect(creators).toContain("command line");
      const statuses = await page.locator('[data-testid="credential-status"]').allTextContents();
      expect(statuses).toContain("expired");
      expect(statuses).toContain("revoked");
      expect(statuses).toContain("active");
      // An admin may revoke a member's key, but renewing and deleting it stay with its owner.
      const annsRow = page.locator('[data-testid="credential-row"]', { has: page.locator('[data-testid="credential-created-by"]', { hasText: "ann@acme.test" }) }).first();
      expect(await annsRow.locator('[data-testid="renew-credential"]').count()).toBe(0);
      await shoot(page, "11-admin-history");

      await page.click('[data-testid="audit-link"]');
      await page.locator('[data-testid="audit-trail"]').waitFor();
      const actions = await page.locator('[data-testid="audit-row"]').evaluateAll((rows) => rows.map((element) => element.getAttribute("data-action")));
      for (const action of ["credential.created", "credential.renewed", "credential.revoked", "credential.deleted", "user.signed_in"]) expect(actions).toContain(action);
      await shoot(page, "12-audit-trail");

      await page.setViewportSize(phone);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
      await shoot(page, "13-phone-audit-trail");
      await page.setViewportSize(desktop);

      // Renewing a key that already expired: the error is shown in the alert area.
      await page.goto(`${gateway.webUrl}/`);
      const expiredRow = page.locator('[data-testid="credential-row"]', { has: page.locator(".badge-expired") }).first();
      const expiredId = (await expiredRow.getAttribute("data-access-key-id")) ?? "";
      const response = await page.evaluate(async (id) => {
        const token = JSON.parse(document.body.getAttribute("hx-headers") ?? "{}")["X-CSRF-Token"];
        const result = await fetch(`/credentials/${id}/renew`, { method: "POST", headers: { "HX-Request": "true", "X-CSRF-Token": token } });
        return { status: result.status, body: await result.text() };
      }, expiredId);
      expect(response.status).toBe(409);
      expect(response.body).toContain("so it cannot be renewed: generate a new key.");
      await page.evaluate((body) => {
        const alert = document.getElementById("alert");
        if (alert) alert.innerHTML = body;
      }, response.body);
      await shoot(page, "14-error-message");
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "member sees no audit trail and no one else's keys",
    async () => {
      const { context, page, errors } = await openPage(phone);
      await signIn(page, "ian@initech.test");
      expect(await page.locator('[data-testid="audit-link"]').count()).toBe(0);
      await page.locator('[data-testid="history-empty"]').waitFor();
      await shoot(page, "15-phone-member-empty");
      await page.goto(`${gateway.webUrl}/audit`);
      expect(await page.textContent('[data-testid="error-message"]')).toContain("Only admins of Initech can read its audit trail.");
      await shoot(page, "16-phone-audit-forbidden");
      await page.goto(`${gateway.webUrl}/`);
      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="new-credential"]').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone.width);
      await shoot(page, "17-phone-generated");
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );
});
