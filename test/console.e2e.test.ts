// Drives the web console of the real `s3gateway serve` in headless Chromium (Debian's package,
// through playwright-core): sign in, generate a key, read the values a user would copy, paste the
// AWS CLI lines and upload with exactly those values, revoke the key with the confirmation dialog,
// and take screenshots of each step for review.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { launchChromium } from "./support/browser.ts";
import { createAwsClientHome, describeResult, runAwsCli, runAwsConfigureLine, type AwsClientHome } from "./support/aws-clients.ts";
import { startGateway, type TestGateway } from "./support/gateway.ts";

const screenshotDir = "/tmp/console-shots";
const password = "correct horse battery";
const browserTimeoutMs = 90_000;

let gateway: TestGateway;
let baseUrl: string;
let browser: Browser;
let awsHome: AwsClientHome;

async function credentialStatus(accessKeyId: string): Promise<string> {
  const list = JSON.parse(await gateway.cliOk(["credential", "list", "--org", "acme", "--json"])) as { access_key_id: string; status: string }[];
  return list.find((item) => item.access_key_id === accessKeyId)?.status ?? "missing";
}

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  gateway = await startGateway();
  baseUrl = gateway.webUrl;
  awsHome = createAwsClientHome();
  await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp"]);
  await gateway.cliOk(["org", "create", "globex", "--name", "Globex", "--connectors", "azure"]);
  const passwordFile = join(awsHome.dir, "password.txt");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  await gateway.cliOk(["user", "add", "ann@acme.test", "--org", "acme,globex", "--password-file", passwordFile]);

  browser = await launchChromium();
}, browserTimeoutMs);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  awsHome?.remove();
});

/** Opens a fresh browser context and records console errors, which include CSP violations. */
async function openPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors };
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill("#email", "ann@acme.test");
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('[data-testid="sign-in"]')]);
}

function historyStatus(page: Page, accessKeyId: string) {
  return page.locator(`[data-testid="credential-row"][data-access-key-id="${accessKeyId}"] [data-testid="credential-status"]`);
}

describe("console in Chromium", () => {
  test(
    "sign in, generate, revoke",
    async () => {
      const { context, page, errors } = await openPage({ width: 1280, height: 900 });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });

      await page.goto(`${baseUrl}/login`);
      await page.screenshot({ path: join(screenshotDir, "login.png"), fullPage: true });

      await signIn(page);
      expect(await page.textContent('[data-testid="user-email"]')).toBe("ann@acme.test");
      expect(await page.textContent('[data-testid="org-name"]')).toBe("Acme Corp");
      const cookies = await context.cookies(baseUrl);
      const session = cookies.find((cookie) => cookie.name === "__Host-s3gw_session");
      expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/" });
      await page.screenshot({ path: join(screenshotDir, "dashboard.png"), fullPage: true });

      await page.click('[data-testid="generate-credentials"]');
      const accessKeyIdElement = page.locator('[data-testid="access-key-id"]');
      await accessKeyIdElement.waitFor();
      const accessKeyId = (await accessKeyIdElement.textContent()) ?? "";
      const secret = (await page.textContent('[data-testid="secret-access-key"]')) ?? "";
      const configLines = ((await page.textContent('[data-testid="aws-cli-config"]')) ?? "").split("\n");
      expect(accessKeyId).toMatch(/^GW[A-Z2-7]{18}$/);
      expect(secret).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(configLines).toEqual([
        `aws configure set aws_access_key_id ${accessKeyId} --profile s3gw_acme`,
        `aws configure set aws_secret_access_key ${secret} --profile s3gw_acme`,
        "aws configure set region us-east-1 --profile s3gw_acme",
        `aws configure set endpoint_url ${gateway.s3Url} --profile s3gw_acme`,
      ]);
      await expect(historyStatus(page, accessKeyId).textContent()).resolves.toBe("active");
      await page.screenshot({ path: join(screenshotDir, "generated.png"), fullPage: true });

      await page.click('[data-testid="copy-aws-cli-config"]');
      await page.locator('[data-testid="copy-aws-cli-config"]', { hasText: "Copied" }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(configLines.join("\n"));

      // Paste the four lines as a user would, then use the profile with the endpoint from the page.
      for (const line of configLines) {
        const configured = await runAwsConfigureLine(awsHome, line);
        expect(configured.exitCode, describeResult(configured)).toBe(0);
      }
      const endpointFromPage = configLines[3]?.split(" ")[4] ?? "";
      writeFileSync(join(awsHome.dir, "hello.txt"), "uploaded from the console's key\n");
      const upload = await runAwsCli(awsHome, endpointFromPage, ["s3", "cp", join(awsHome.dir, "hello.txt"), "s3://azure/hello.txt", "--profile", "s3gw_acme", "--only-show-errors"]);
      expect(upload.exitCode, describeResult(upload)).toBe(0);
      const listing = await runAwsCli(awsHome, endpointFromPage, ["s3", "ls", "s3://azure/", "--profile", "s3gw_acme"]);
      expect(listing.exitCode, describeResult(listing)).toBe(0);
      expect(listing.stdout).toContain(" 32 hello.txt");

      const revokeButton = page.locator(`[data-testid="credential-row"][data-access-key-id="${accessKeyId}"] [data-testid="revoke-credential"]`);
      const dismissed = new Promise<string>((resolve) => {
        page.once("dialog", (dialog) => {
          resolve(dialog.message());
          void dialog.dismiss();
        });
      });
      await revokeButton.click();
      expect(await dismissed).toContain(accessKeyId);
      expect(await credentialStatus(accessKeyId)).toBe("active");

      page.once("dialog", (dialog) => void dialog.accept());
      await revokeButton.click();
      await page.locator(`[data-testid="credential-row"][data-access-key-id="${accessKeyId}"] .badge-revoked`).waitFor();
      await expect(historyStatus(page, accessKeyId).textContent()).resolves.toBe("revoked");
      // The secret of a revoked key does not stay on screen.
      await page.locator('[data-testid="panel-closed"]').waitFor();
      expect(await page.locator('[data-testid="secret-access-key"]').count()).toBe(0);
      expect(await credentialStatus(accessKeyId)).toBe("revoked");
      const afterRevoke = await runAwsCli(awsHome, endpointFromPage, ["s3", "ls", "--profile", "s3gw_acme"]);
      expect(afterRevoke.exitCode).not.toBe(0);
      expect(afterRevoke.stderr).toContain("revoked");
      await page.screenshot({ path: join(screenshotDir, "revoked.png"), fullPage: true });

      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "organization selector switches",
    async () => {
      const { context, page, errors } = await openPage({ width: 1280, height: 900 });
      await signIn(page);
      await Promise.all([page.waitForURL(`${baseUrl}/`), page.selectOption('[data-testid="org-select"]', "globex")]);
      await page.locator('[data-testid="org-name"]', { hasText: "Globex" }).waitFor();
      expect(await page.inputValue('[data-testid="org-select"]')).toBe("globex");

      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="aws-cli-config"]').waitFor();
      expect(await page.textContent('[data-testid="aws-cli-config"]')).toContain("--profile s3gw_globex");
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );

  test(
    "phone layout screenshots",
    async () => {
      const { context, page, errors } = await openPage({ width: 390, height: 844 });
      await page.goto(`${baseUrl}/login`);
      await page.screenshot({ path: join(screenshotDir, "login-phone.png"), fullPage: true });

      await signIn(page);
      await page.selectOption('[data-testid="org-select"]', "acme");
      await page.locator('[data-testid="org-name"]', { hasText: "Acme Corp" }).waitFor();
      await page.click('[data-testid="generate-credentials"]');
      await page.locator('[data-testid="access-key-id"]').waitFor();
      await page.screenshot({ path: join(screenshotDir, "generated-phone.png"), fullPage: true });

      const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(pageWidth).toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      await context.close();
    },
    browserTimeoutMs,
  );
});
