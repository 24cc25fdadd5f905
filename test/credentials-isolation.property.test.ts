/**
 * Property test: thousands of random S3 operations from keys of three organizations with
 * different scopes, sent with `@aws-sdk/client-s3` to the endpoint in this process. An independent
 * model of what each key may do and of every object's content predicts each outcome. A request
 * the model forbids must fail and change nothing. A read must return exactly what the model
 * contains for the key's own organization, never another organization's data.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import fc from "fast-check";
import type { KeyAccess } from "../src/tenancy/scope.ts";
import { startInProcessS3, type InProcessS3 } from "./support/in-process-s3.ts";

const organizations: Record<string, string[]> = {
  acme: ["azure", "sentinelone", "vmware"],
  globex: ["azure", "vmware"],
  initech: ["azure"],
};

/** Bucket names the requests use: every organization's, and one that no organization has. */
const bucketNames = ["azure", "sentinelone", "vmware", "payroll"];
const objectKeys = ["a", "a/b", "report.json", "dir/", "x y"];

interface TestKey {
  orgId: string;
  access: KeyAccess;
  buckets: string[] | null;
  client: S3Client;
}

const scopes: { access: KeyAccess; buckets: string[] | null }[] = [
  { access: "read-write", buckets: null },
  { access: "read-only", buckets: null },
  { access: "write-only", buckets: null },
  { access: "read-write", buckets: ["azure"] },
  { access: "read-only", buckets: ["vmware"] },
];

/** Object contents per organization, bucket and key: the model of storage. */
const model = new Map<string, Map<string, string>>();
const keys: TestKey[] = [];
let s3: InProcessS3;
let operations = 0;

function objectsOf(orgId: string, bucket: string): Map<string, string> {
  const name = `${orgId}/${bucket}`;
  let objects = model.get(name);
  if (!objects) {
    objects = new Map();
    model.set(name, objects);
  }
  return objects;
}

/** Checks whether the model allows an access, written from the product rules and independent of src/tenancy. */
function may(key: TestKey, bucket: string, needs: ("read" | "write" | "delete")[]): boolean {
  if (!(organizations[key.orgId] ?? []).includes(bucket)) return false;
  if (key.buckets !== null && !key.buckets.includes(bucket)) return false;
  const granted = { "read-write": ["read", "write", "delete"], "read-only": ["read"], "write-only": ["write"] }[key.access];
  return needs.every((need) => granted.includes(need));
}

type Operation =
  | { kind: "put"; key: number; bucket: string; object: string }
  | { kind: "get" | "head" | "delete"; key: number; bucket: string; object: string }
  | { kind: "list"; key: number; bucket: string }
  | { kind: "listBuckets"; key: number }
  | { kind: "copy"; key: number; bucket: string; object: string; sourceBucket: string; sourceObject: string }
  | { kind: "deleteMany"; key: number; bucket: string; objects: string[] };

function operationArbitrary(keyCount: number): fc.Arbitrary<Operation> {
  const key = fc.nat({ max: keyCount - 1 });
  const bucket = fc.constantFrom(...bucketNames);
  const object = fc.constantFrom(...objectKeys);
  return fc.oneof(
    fc.record({ kind: fc.constant("put" as const), key, bucket, object }),
    fc.record({ kind: fc.constantFrom("get" as const, "head" as const, "delete" as const), key, bucket, object }),
    fc.record({ kind: fc.constant("list" as const), key, bucket }),
    fc.record({ kind: fc.constant("listBuckets" as const), key }),
    fc.record({ kind: fc.constant("copy" as const), key, bucket, object, sourceBucket: bucket, sourceObject: object }),
    fc.record({ kind: fc.constant("deleteMany" as const), key, bucket, objects: fc.uniqueArray(object, { minLength: 1, maxLength: 3 }) }),
  );
}

/** Sends a command and returns its result, or the S3 error code (by status for bodiless HEAD errors). */
async function send<T>(client: S3Client, command: unknown): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    return { ok: true, value: (await client.send(command as never)) as T };
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    const status = error.$metadata.httpStatusCode;
    const bodiless = error.name === "Unknown" || error.name === "Forbidden" || error.name === "NotFound";
    if (bodiless && status === 403) return { ok: false, code: "AccessDenied" };
    if (bodiless && status === 404) return { ok: false, code: "NotFound" };
    return { ok: false, code: error.name };
  }
}

const deniedCodes = ["AccessDenied", "NoSuchBucket", "NotFound"];

async function run(operation: Operation): Promise<void> {
  operations++;
  const key = keys[operation.key];
  if (!key) throw new Error(`no key ${operation.key}`);
  const label = `${key.orgId} ${key.access} ${key.buckets?.join("+") ?? "all"}: ${JSON.stringify(operation)}`;

  switch (operation.kind) {
    case "put": {
      const body = `${key.orgId}|${operation.bucket}|${operation.object}|${operations}`;
      const result = await send(key.client, new PutObjectCommand({ Bucket: operation.bucket, Key: operation.object, Body: body }));
      if (may(key, operation.bucket, ["write"])) {
        expect(result.ok, label).toBe(true);
        objectsOf(key.orgId, operation.bucket).set(operation.object, body);
      } else {
        expect(result.ok ? "ok" : result.code, label).toBeOneOf(deniedCodes);
      }
      return;
    }
    case "get":
    case "head": {
      const command =
        operation.kind === "get" ? new GetObjectCommand({ Bucket: operation.bucket, Key: operation.object }) : new HeadObjectCommand({ Bucket: operation.bucket, Key: operation.object });
      const result = await send<{ Body?: { transformToString(): Promise<string> }; ContentLength?: number }>(key.client, command);
      if (!may(key, operation.bucket, ["read"])) {
        // A HEAD error has no body, so NoSuchBucket arrives as a bare 404.
        expect(result.ok ? "ok" : result.code, label).toBeOneOf(operation.kind === "head" ? ["AccessDenied", "NotFound"] : ["AccessDenied", "NoSuchBucket"]);
        return;
      }
      const expected = objectsOf(key.orgId, operation.bucket).get(operation.object);
      if (expected === undefined) {
        expect(result.ok ? "ok" : result.code, label).toBe(operation.kind === "get" ? "NoSuchKey" : "NotFound");
        return;
      }
      expect(result.ok, label).toBe(true);
      if (result.ok && operation.kind === "get") expect(await result.value.Body?.transformToString(), label).toBe(expected);
      if (result.ok && operation.kind === "head") expect(result.value.ContentLength, label).toBe(Buffer.byteLength(expected));
      return;
    }
    case "delete": {
      const result = await send(key.client, new DeleteObjectCommand({ Bucket: operation.bucket, Key: operation.object }));
      if (may(key, operation.bucket, ["delete"])) {
        expect(result.ok, label).toBe(true);
        objectsOf(key.orgId, operation.bucket).delete(operation.object);
      } else {
        expect(result.ok ? "ok" : result.code, label).toBeOneOf(deniedCodes);
      }
      return;
    }
    case "deleteMany": {
      const command = new DeleteObjectsCommand({ Bucket: operation.bucket, Delete: { Objects: operation.objects.map((object) => ({ Key: object })) } });
      const result = await send(key.client, command);
      if (may(key, operation.bucket, ["delete"])) {
        expect(result.ok, label).toBe(true);
        for (const object of operation.objects) objectsOf(key.orgId, operation.bucket).delete(object);
      } else {
        expect(result.ok ? "ok" : result.code, label).toBeOneOf(deniedCodes);
      }
      return;
    }
    case "list": {
      const result = await send<{ Contents?: { Key?: string }[] }>(key.client, new ListObjectsV2Command({ Bucket: operation.bucket }));
      if (!may(key, operation.bucket, ["read"])) {
        expect(result.ok ? "ok" : result.code, label).toBeOneOf(deniedCodes);
        return;
      }
      expect(result.ok, label).toBe(true);
      const listed = result.ok ? (result.value.Contents ?? []).map((item) => item.Key ?? "").sort() : [];
      expect(listed, label).toEqual([...objectsOf(key.orgId, operation.bucket).keys()].sort());
      return;
    }
    case "listBuckets": {
      const result = await send<{ Buckets?: { Name?: string }[] }>(key.client, new ListBucketsCommand({}));
      expect(result.ok, label).toBe(true);
      const expected = (organizations[key.orgId] ?? []).filter((bucket) => key.buckets === null || key.buckets.includes(bucket)).sort();
      expect(result.ok ? (result.value.Buckets ?? []).map((bucket) => bucket.Name) : [], label).toEqual(expected);
      return;
    }
    case "copy": {
      const command = new CopyObjectCommand({
        Bucket: operation.bucket,
        Key: operation.object,
        CopySource: `${operation.sourceBucket}/${encodeURIComponent(operation.sourceObject)}`,
        MetadataDirective: "REPLACE",
      });
      const result = await send(key.client, command);
      const allowed = may(key, operation.bucket, ["write"]) && may(key, operation.sourceBucket, ["read"]);
      const source = objectsOf(key.orgId, operation.sourceBucket).get(operation.sourceObject);
      if (!allowed) {
        expect(result.ok ? "ok" : result.code, label).toBeOneOf(deniedCodes);
      } else if (source === undefined) {
        expect(result.ok ? "ok" : result.code, label).toBe("NoSuchKey");
      } else {
        expect(result.ok, label).toBe(true);
        objectsOf(key.orgId, operation.bucket).set(operation.object, source);
      }
      return;
    }
  }
}

beforeAll(async () => {
  s3 = await startInProcessS3({ env: { S3GATEWAY_MAX_ACTIVE_CREDENTIALS: "20" } });
  for (const [orgId, connectors] of Object.entries(organizations)) {
    s3.ctx.organizations.create({ id: orgId, name: orgId, connectors }, "test");
    for (const scope of scopes) {
      const buckets = scope.buckets?.filter((bucket) => connectors.includes(bucket)) ?? null;
      if (buckets !== null && buckets.length === 0) continue;
      const credential = s3.credentials.create({ orgId, createdBy: null, actor: "test", scope: { access: scope.access, buckets } });
      keys.push({ orgId, access: scope.access, buckets, client: s3.client(credential) });
    }
  }
});

afterAll(() => s3.close());

test(
  "no operation crosses its key's boundary",
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operationArbitrary(keys.length), { minLength: 40, maxLength: 80 }), async (batch) => {
        for (const operation of batch) await run(operation);
      }),
      // Storage persists between runs, so a failing run is reported as it happened, not shrunk.
      { numRuns: 50, endOnFailure: true },
    );
    expect(operations).toBeGreaterThanOrEqual(2000);

    // Storage as a whole matches the model: every organization lists exactly its own objects.
    for (const [orgId, connectors] of Object.entries(organizations)) {
      const reader = keys.find((key) => key.orgId === orgId && key.access === "read-write" && key.buckets === null);
      if (!reader) throw new Error(`no unrestricted key for ${orgId}`);
      for (const bucket of connectors) {
        const listing = await reader.client.send(new ListObjectsV2Command({ Bucket: bucket }));
        expect((listing.Contents ?? []).map((item) => item.Key).sort(), `${orgId}/${bucket}`).toEqual([...objectsOf(orgId, bucket).keys()].sort());
        for (const [object, body] of objectsOf(orgId, bucket)) {
          const stored = await reader.client.send(new GetObjectCommand({ Bucket: bucket, Key: object }));
          expect(await stored.Body?.transformToString(), `${orgId}/${bucket}/${object}`).toBe(body);
        }
      }
    }
  },
  180_000,
);
