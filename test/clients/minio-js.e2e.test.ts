// The minio JavaScript client 8 from npm against the gateway, over plain HTTP and over TLS with
// an https.Agent that trusts the test certificate. Over HTTP the client signs each body's
// SHA-256, while over TLS it sends UNSIGNED-PAYLOAD with a Content-MD5.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Agent } from "node:https";
import { Readable } from "node:stream";
import { Client, S3Error, type BucketItem } from "minio";
import { createClientWorkspace, type ClientWorkspace } from "../support/client-workspace.ts";
import { defaultConnectors, startGatewayOver, storedObject, transports, type GatewayOverTransport } from "../support/gateway-transports.ts";
import { MIB, sha256Hex, writeRandomFile } from "../support/test-files.ts";

/**
 * Part size for the client. Its default of 64 MiB would need a much larger file before
 * fPutObject switches to multipart, and 8 MiB parts turn the test file into 3 parts.
 */
const PART_SIZE = 8 * MIB;
const BIG_FILE_SIZE = 17 * MIB + 4321;
const SMALL_CONTENT = "small object written by the minio client\n";

function createClient(target: GatewayOverTransport, secret = target.credential.secret_access_key): Client {
  const url = new URL(target.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: target.transport === "https",
    accessKey: target.credential.access_key_id,
    secretKey: secret,
    region: "us-east-1",
    pathStyle: true,
    partSize: PART_SIZE,
    ...(target.caPem === undefined ? {} : { transportAgent: new Agent({ ca: target.caPem }) }),
  });
}

async function collect(stream: AsyncIterable<BucketItem>): Promise<BucketItem[]> {
  const items: BucketItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

async function sha256OfStream(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

describe.each(transports)("minio JS over %s", (transport) => {
  let target: GatewayOverTransport;
  let workspace: ClientWorkspace;
  let client: Client;
  let bigHash: string;

  beforeAll(async () => {
    target = await startGatewayOver(transport);
    workspace = createClientWorkspace();
    client = createClient(target);
    bigHash = writeRandomFile(workspace.path("big.bin"), BIG_FILE_SIZE);
  }, 30_000);

  afterAll(async () => {
    await target?.stop();
    workspace?.remove();
  });

  test("listBuckets returns the connectors", async () => {
    const buckets = await client.listBuckets();
    expect(buckets.map((bucket) => bucket.name)).toEqual(defaultConnectors);
  }, 30_000);

  test("putObject streams and fPutObject sends parts", async () => {
    const small = await client.putObject("azure", "minio/notes/small.txt", Readable.from([Buffer.from(SMALL_CONTENT)]), SMALL_CONTENT.length);
    expect(small.etag).toBe(createHash("md5").update(SMALL_CONTENT).digest("hex"));

    await client.fPutObject("azure", "minio/big.bin", workspace.path("big.bin"));
    const stored = await storedObject(target, "azure", "minio/big.bin");
    expect(stored.size).toBe(BIG_FILE_SIZE);
    expect(stored.etag).toMatch(/-3"$/);
  }, 60_000);

  test("listObjectsV2 lists by prefix", async () => {
    const shallow = await collect(client.listObjectsV2("azure", "minio/", false));
    expect(shallow.map((item) => item.prefix ?? `${item.name}=${item.size}`)).toEqual([`minio/big.bin=${BIG_FILE_SIZE}`, "minio/notes/"]);

    const recursive = await collect(client.listObjectsV2("azure", "minio/", true));
    expect(recursive.map((item) => `${item.name}=${item.size}`)).toEqual([`minio/big.bin=${BIG_FILE_SIZE}`, `minio/notes/small.txt=${SMALL_CONTENT.length}`]);
  }, 30_000);

  test("getObject returns identical bytes", async () => {
    expect(await sha256OfStream(await client.getObject("azure", "minio/big.bin"))).toBe(bigHash);
    expect(await sha256OfStream(await client.getObject("azure", "minio/notes/small.txt"))).toBe(sha256Hex(SMALL_CONTENT));
  }, 60_000);

  test("copyObject copies and removeObjects deletes", async () => {
    await client.copyObject("vmware", "minio-copy/small.txt", "/azure/minio/notes/small.txt");
    expect(await sha256OfStream(await client.getObject("vmware", "minio-copy/small.txt"))).toBe(sha256Hex(SMALL_CONTENT));

    const results = await client.removeObjects("azure", ["minio/big.bin", "minio/notes/small.txt"]);
    expect(results.filter((result) => result?.Error !== undefined)).toEqual([]);
    expect(await collect(client.listObjectsV2("azure", "minio/", true))).toEqual([]);
  }, 30_000);

  test("unknown bucket fails with NoSuchBucket", async () => {
    let failure: unknown;
    try {
      await client.getObject("no-such-bucket", "anything.txt");
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(S3Error);
    expect((failure as S3Error).code).toBe("NoSuchBucket");
  }, 30_000);
});
