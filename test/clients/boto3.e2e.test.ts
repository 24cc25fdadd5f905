// The current boto3 from PyPI, with its default checksum settings, against the gateway over plain
// HTTP and over TLS, and once with virtual-hosted-style addressing. The steps run in
// boto3-workflow.py, which records the headers of every request it sends.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeResult, pythonPath } from "../support/aws-clients.ts";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { defaultConnectors, startGatewayOver, storedObject, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { MIB, sha256Hex, sha256OfFile, writeRandomFile } from "../support/test-files.ts";

const workflowScript = join(import.meta.dir, "boto3-workflow.py");

/** Above boto3's 8 MiB multipart threshold, so `upload_file` sends 3 parts of 8 MiB or less. */
const BIG_FILE_SIZE = 17 * MIB + 4321;
const SMALL_CONTENT = "small object written by boto3\n";

interface RecordedRequest {
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * Runs one step of boto3-workflow.py and returns its JSON output.
 * @throws {Error} with the script's output when it exits non-zero.
 */
async function runStep<T>(workspace: ClientWorkspace, step: string, params: Record<string, string>, env: Record<string, string> = {}): Promise<T> {
  const result = await workspace.run([pythonPath, workflowScript, step], { stdin: JSON.stringify(params), env });
  if (result.exitCode !== 0) throw new Error(`boto3 step "${step}" failed: ${describeResult(result)}`);
  return JSON.parse(result.stdout) as T;
}

describe.each(transports)("boto3 over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let bigHash: string;

  const step = <T>(name: string) =>
    runStep<T>(
      workspace,
      name,
      {
        endpoint_url: target.endpoint,
        access_key_id: target.credential.access_key_id,
        secret_access_key: target.credential.secret_access_key,
        work_dir: workspace.dir,
      },
      target.caFile === undefined ? {} : { AWS_CA_BUNDLE: target.caFile },
    );

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    bigHash = writeRandomFile(workspace.path("big.bin"), BIG_FILE_SIZE);
    writeFileSync(workspace.path("small.txt"), SMALL_CONTENT);
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("list_buckets returns the connectors", async () => {
    const output = await step<{ buckets: string[] }>("buckets");
    expect(output.buckets).toEqual(defaultConnectors);
  }, 30_000);

  test("upload_file sends parts with default checksums", async () => {
    const output = await step<{ requests: RecordedRequest[] }>("upload");
    const operations = output.requests.map((request) => request.operation);
    expect(operations).toEqual(["CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload", "PutObject"]);

    const bodies = output.requests.filter((request) => request.operation === "UploadPart" || request.operation === "PutObject");
    for (const request of bodies) {
      if (transport === "https") {
        expect(request.headers["x-amz-content-sha256"], request.operation).toBe("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
        expect(request.headers["x-amz-trailer"], request.operation).toBe("x-amz-checksum-crc32");
      } else {
        expect(request.headers["x-amz-trailer"], request.operation).toBeUndefined();
        expect(request.headers["x-amz-checksum-crc32"], request.operation).toBeDefined();
      }
    }

    const stored = await storedObject(target, "azure", "boto3/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-3"$/);
  }, 60_000);

  test("list_objects_v2 lists by prefix and paginates", async () => {
    const output = await step<{ prefixes: string[]; objects: { key: string; size: number }[]; paged_keys: string[]; page_count: number }>("list");
    expect(output.prefixes).toEqual(["boto3/notes/"]);
    expect(output.objects).toEqual([{ key: "boto3/big.bin", size: BIG_FILE_SIZE }]);
    expect(output.paged_keys).toEqual(["boto3/big.bin", "boto3/notes/small.txt"]);
    expect(output.page_count).toBe(2);
  }, 30_000);

  test("download_file returns identical bytes", async () => {
    const output = await step<{ small_content_length: number }>("download");
    expect(output.small_content_length).toBe(SMALL_CONTENT.length);
    expect(await sha256OfFile(workspace.path("down", "big.bin"))).toBe(bigHash);
    expect(await sha256OfFile(workspace.path("down", "small.txt"))).toBe(sha256Hex(SMALL_CONTENT));
  }, 60_000);

  test("copy and delete_objects", async () => {
    const output = await step<{ deleted: string[]; delete_errors: unknown[]; remaining: string[]; copy_operations: string[] }>("copy");
    expect(output.copy_operations).toContain("UploadPartCopy");
    expect(output.deleted).toEqual(["boto3/big.bin"]);
    expect(output.delete_errors).toEqual([]);
    expect(output.remaining).toEqual([]);
    expect(await sha256OfFile(workspace.path("down", "copied.bin"))).toBe(bigHash);
    expect(await sha256OfFile(workspace.path("down", "copied.txt"))).toBe(sha256Hex(SMALL_CONTENT));

    const stored = await storedObject(target, "sentinelone", "boto3-copy/big.bin");
    expect(stored.etag).toMatch(/-3"$/);
  }, 60_000);

  test("wrong secret fails with SignatureDoesNotMatch", async () => {
    const output = await step<{ code: string | null; status: number }>("wrong-secret");
    expect(output.code).toBe("SignatureDoesNotMatch");
    expect(output.status).toBe(403);
  }, 30_000);
});

describe("boto3 with virtual-hosted-style addressing", () => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;

  beforeAll(async () => {
    target = await startGatewayOver("http", { S3GATEWAY_S3_DOMAINS: "localhost" });
    workspace = createClientWorkspace();
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("virtual-hosted list, put and get", async () => {
    const port = new URL(target.endpoint).port;
    const output = await runStep<{ buckets: string[]; body: string; keys: string[]; requests: { operation: string; url: string }[] }>(
      workspace,
      "virtual-hosted",
      {
        endpoint_url: `http://localhost:${port}`,
        access_key_id: target.credential.access_key_id,
        secret_access_key: target.credential.secret_access_key,
        work_dir: workspace.dir,
        addressing_style: "virtual",
      },
      // Names under .localhost go to the gateway directly, never to the closed proxy port.
      { NO_PROXY: "127.0.0.1,localhost,.localhost,::1" },
    );

    expect(output.buckets).toEqual(defaultConnectors);
    expect(output.body).toBe("hello from a virtual host\n");
    expect(output.keys).toEqual(["virtual/hello.txt"]);
    expect(output.requests).toEqual([
      { operation: "ListBuckets", url: `http://localhost:${port}/` },
      { operation: "PutObject", url: `http://azure.localhost:${port}/virtual/hello.txt` },
      { operation: "GetObject", url: `http://azure.localhost:${port}/virtual/hello.txt` },
      { operation: "ListObjectsV2", url: `http://azure.localhost:${port}/?list-type=2&prefix=virtual%2F&encoding-type=url` },
    ]);

    const stored = await storedObject(target, "azure", "virtual/hello.txt");
    expect(stored.size).toBe("hello from a virtual host\n".length);
  }, 30_000);
});
