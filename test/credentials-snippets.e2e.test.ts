/**
 * The client snippets the console and the API print, run as a user would paste them: the rclone
 * remote with Debian's rclone, the environment variables and the boto3 client with current boto3.
 * The snippets come from the API's response to generating a key, built by the same code as the
 * console's panel.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonPath } from "./support/aws-clients.ts";
import { isolatedEnv, startGateway, type CommandResult, type TestGateway } from "./support/gateway.ts";
import { WebClient } from "./support/web-client.ts";

const rclonePath = process.env.S3GW_TEST_RCLONE ?? "/usr/bin/rclone";
const password = "correct horse battery";

let gateway: TestGateway;
let workspace: string;
let configuration: { aws_cli: string; environment: string; boto3: string; rclone: string; profile: string };

async function run(command: string[], stdin?: string): Promise<CommandResult> {
  const env = isolatedEnv({ HOME: workspace, RCLONE_CONFIG: join(workspace, "rclone.conf") });
  const child = Bun.spawn(command, { env, cwd: workspace, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

function explain(result: CommandResult): string {
  return `exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`;
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), "s3gw-snippets-"));
  gateway = await startGateway();
  await gateway.cliOk(["org", "create", "acme", "--name", "Acme Corp", "--connectors", "azure,vmware"]);
  writeFileSync(join(workspace, "password.txt"), `${password}\n`, { mode: 0o600 });
  await gateway.cliOk(["user", "add", "ann@acme.test", "--org", "acme", "--password-file", join(workspace, "password.txt")]);
  const web = new WebClient(gateway.webUrl);
  await web.signIn("ann@acme.test", password);
  const created = await web.api("POST", "/organizations/acme/credentials", { buckets: ["azure"] });
  expect(created.status).toBe(201);
  configuration = created.json.configuration;
});

afterAll(async () => {
  await gateway?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe("client snippets", () => {
  test("rclone remote uploads and lists", async () => {
    writeFileSync(join(workspace, "rclone.conf"), `${configuration.rclone}\n`, { mode: 0o600 });
    writeFileSync(join(workspace, "hello.txt"), "from rclone\n");
    const remote = `${configuration.profile}:azure`;
    const upload = await run([rclonePath, "copyto", join(workspace, "hello.txt"), `${remote}/rclone/hello.txt`, "--retries", "1"]);
    expect(upload.exitCode, explain(upload)).toBe(0);
    const listing = await run([rclonePath, "ls", remote]);
    expect(listing.exitCode, explain(listing)).toBe(0);
    expect(listing.stdout).toContain("12 rclone/hello.txt");
    // The key's scope leaves vmware out, and rclone reports the refusal.
    const outside = await run([rclonePath, "ls", `${configuration.profile}:vmware`, "--retries", "1", "--low-level-retries", "1"]);
    expect(outside.exitCode).not.toBe(0);
  }, 60_000);

  test("environment variables configure boto3", async () => {
    const script = `${configuration.environment}\n"$PYTHON" -c 'import boto3; print(",".join(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]))'\n`;
    const result = await run(["bash", "-c", `PYTHON=${pythonPath} bash -s`], script);
    expect(result.exitCode, explain(result)).toBe(0);
    expect(result.stdout.trim()).toBe("azure");
  }, 60_000);

  test("boto3 snippet creates a working client", async () => {
    writeFileSync(join(workspace, "snippet.py"), `${configuration.boto3}\ns3.put_object(Bucket="azure", Key="boto3/hello.txt", Body=b"from boto3")\nprint(s3.get_object(Bucket="azure", Key="boto3/hello.txt")["Body"].read().decode())\n`);
    const result = await run([pythonPath, join(workspace, "snippet.py")]);
    expect(result.exitCode, explain(result)).toBe(0);
    expect(result.stdout.trim()).toBe("from boto3");
  }, 60_000);
});
