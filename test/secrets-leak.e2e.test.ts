/**
 * A full run of the real `s3gateway serve` at debug log level: keys generated in the console, through
 * the API and with the CLI, used with `@aws-sdk/client-s3` (valid and failing requests), renewed,
 * revoked, deleted, exported and re-encrypted. Every log line, every response and every byte
 * left in the data directory is captured, and the test fails if any generated secret appears
 * anywhere but in the one response that created it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startGateway, type TestGateway } from "./support/gateway.ts";
import { WebClient, type RecordedResponse } from "./support/web-client.ts";

const password = "correct horse battery";

/** Responses and outputs that must not contain a secret. */
const captured: { source: string; text: string }[] = [];
/** The responses that created a key, which alone may show its secret. */
const creations: { source: string; text: string }[] = [];
const secrets: string[] = [];

let gateway: TestGateway;

function capture(response: RecordedResponse): void {
  captured.push({ source: `${response.method} ${response.url} -> ${response.status}`, text: `${response.headers}\n${response.body}` });
}

/** An SDK request handler that keeps a copy of every response and passes the bytes on unchanged. */
class RecordingHandler extends NodeHttpHandler {
  override async handle(...args: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
    const result = await super.handle(...args);
    const chunks: Buffer[] = [];
    for await (const chunk of result.response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    captured.push({ source: `S3 ${args[0].method} ${args[0].path} -> ${result.response.statusCode}`, text: `${JSON.stringify(result.response.headers)}\n${body.toString("utf8")}` });
    result.response.body = Readable.from([body]);
    return result;
  }
}

function s3Client(key: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({ endpoint: gateway.s3Url, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: key, requestHandler: new RecordingHandler() });
}

async function sendIgnoringS3Errors(client: S3Client, command: unknown): Promise<void> {
  try {
    const result = (await client.send(command as never)) as { Body?: { transformToString(): Promise<string> } };
    await result.Body?.transformToString();
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
  }
}

/** Uses a key the way a client would, including requests that fail. */
async function exercise(key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  const client = s3Client(key);
  await sendIgnoringS3Errors(client, new ListBucketsCommand({}));
  await sendIgnoringS3Errors(client, new PutObjectCommand({ Bucket: "azure", Key: "leak/check.txt", Body: "payload" }));
  await sendIgnoringS3Errors(client, new GetObjectCommand({ Bucket: "azure", Key: "leak/check.txt" }));
  await sendIgnoringS3Errors(client, new GetObjectCommand({ Bucket: "azure", Key: "leak/missing.txt" }));
  await sendIgnoringS3Errors(client, new ListObjectsV2Command({ Bucket: "vmware" }));
  await sendIgnoringS3Errors(client, new ListObjectsV2Command({ Bucket: "payroll" }));
  client.destroy();
  // A wrong secret for the same key id, and the right secret for a key id that does not exist.
  const wrong = s3Client({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey.split("").reverse().join("") });
  await sendIgnoringS3Errors(wrong, new ListBucketsCommand({}));
  wrong.destroy();
  const unknown = s3Client({ accessKeyId: "GWAAAAAAAAAAAAAAAAAA", secretAccessKey: key.secretAccessKey });
  await sendIgnoringS3Errors(unknown, new ListBucketsCommand({}));
  unknown.destroy();
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  gateway = await startGateway({ S3GATEWAY_LOG_LEVEL: "debug" });
});

afterAll(async () => {
  await gateway?.stop();
});

test(
  "no generated secret appears in any log line, response or stored byte",
  async () => {
    const cli = async (args: string[]) => {
      const output = await gateway.cliOk(args);
      captured.push({ source: `cli ${args.join(" ")}`, text: output });
      return output;
    };
    await cli(["org", "create", "acme", "--name", "Acme Corp", "--connectors", "azure,vmware"]);
    const passwordFile = join(gateway.dataDir, "password.txt");
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    await cli(["user", "add", "ada@acme.test", "--org", "acme", "--org-admin", "--password-file", passwordFile]);

    // The console and the API, with every response captured.
    const web = new WebClient(gateway.webUrl, capture);
    await web.signIn("ada@acme.test", password);
    await web.request("GET", "/");

    const fromConsole = await web.request("POST", "/credentials", {
      headers: { "HX-Request": "true", "X-CSRF-Token": web.csrfToken, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ label: "console", access: "read-write", bucketScope: "listed", bucket: "azure" }).toString(),
    });
    // The recorder saw it; move it to the creations, where the secret belongs.
    creations.push(captured.pop() ?? { source: "", text: "" });
    const consoleKey = {
      accessKeyId: /data-testid="access-key-id"[^>]*>([^<]+)</.exec(fromConsole.text)?.[1] ?? "",
      secretAccessKey: /data-testid="secret-access-key"[^>]*>([^<]+)</.exec(fromConsole.text)?.[1] ?? "",
    };

    const fromApi = await web.api("POST", "/organizations/acme/credentials", { label: "api" });
    creations.push(captured.pop() ?? { source: "", text: "" });
    const apiKey = { accessKeyId: fromApi.json.access_key_id as string, secretAccessKey: fromApi.json.secret_access_key as string };

    const fromCli = JSON.parse(await gateway.cliOk(["credential", "create", "--org", "acme", "--json"])) as { access_key_id: string; secret_access_key: string };
    const cliKey = { accessKeyId: fromCli.access_key_id, secretAccessKey: fromCli.secret_access_key };

    for (const key of [consoleKey, apiKey, cliKey]) {
      expect(key.accessKeyId).toMatch(/^GW[A-Z2-7]{18}$/);
      expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/);
      secrets.push(key.secretAccessKey);
      await exercise(key);
    }

    // Every other action, through each interface.
    await web.request("GET", "/");
    await web.request("GET", `/credentials/${consoleKey.accessKeyId}/configuration`, { headers: { "HX-Request": "true" } });
    await web.request("GET", `/credentials/${apiKey.accessKeyId}/configuration`);
    await web.htmx(`/credentials/${consoleKey.accessKeyId}/renew`);
    await web.htmx(`/credentials/${consoleKey.accessKeyId}/revoke`);
    await web.htmx(`/credentials/${consoleKey.accessKeyId}/delete`);
    await web.api("GET", "/credentials");
    await web.api("GET", `/credentials/${apiKey.accessKeyId}`);
    await web.api("GET", `/credentials/${apiKey.accessKeyId}/configuration`);
    await web.api("POST", `/credentials/${apiKey.accessKeyId}/renew`);
    await web.api("DELETE", `/credentials/${apiKey.accessKeyId}?revoke=true`);
    await web.api("POST", "/organizations/acme/credentials", { buckets: ["payroll"] });
    await web.api("GET", "/organizations/acme/audit-events");
    await web.request("GET", "/audit");
    await web.request("GET", "/api/v1/openapi.json");
    // Static files are logged at debug level only.
    await web.request("GET", "/static/console.css");
    await exercise(consoleKey);
    await exercise(apiKey);
    await cli(["credential", "list", "--org", "acme", "--json"]);
    await cli(["credential", "renew", cliKey.accessKeyId]);
    await cli(["master-key", "rotate"]);
    await exercise(cliKey);
    await cli(["credential", "revoke", cliKey.accessKeyId]);
    await cli(["audit", "export", "--since", "1h"]);
    await web.request("POST", "/logout", { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ _csrf: web.csrfToken }).toString() });
    // Last-use batches are written every two seconds, so wait for one to reach the database.
    await Bun.sleep(2500);

    captured.push({ source: "server output (stdout and stderr)", text: gateway.output() });
    for (const path of filesUnder(gateway.dataDir)) captured.push({ source: `file ${path}`, text: readFileSync(path).toString("latin1") });

    // The capture is real: the logs name the keys and the creations carry the secrets.
    expect(gateway.output()).toContain(apiKey.accessKeyId);
    expect(gateway.output()).toContain('"level":"debug"');
    expect(creations[0]?.text).toContain(consoleKey.secretAccessKey);
    expect(creations[1]?.text).toContain(apiKey.secretAccessKey);
    expect(captured.length).toBeGreaterThan(60);

    const leaks = captured.flatMap((item) => secrets.filter((secret) => item.text.includes(secret)).map(() => item.source));
    expect(leaks).toEqual([]);
  },
  120_000,
);
