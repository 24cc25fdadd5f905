/**
 * The MinIO backend against a real MinIO server: provisioning through the admin API (users,
 * policies, service accounts), isolation enforced by MinIO itself, key rotation and repair of a
 * changed policy. The MinIO server is built by scripts/install-minio.sh from a pinned commit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { loadMasterKeyring } from "../src/credentials/master-key.ts";
import { openMetadataDb } from "../src/db/database.ts";
import { MinioAdminClient } from "../src/storage/minio/admin-client.ts";
import { StorageAccountStore } from "../src/storage/minio/storage-accounts.ts";
import { UpstreamClient } from "../src/storage/minio/upstream-client.ts";
import type { UpstreamCredentials } from "../src/storage/minio/upstream-signing.ts";
import { createCredential, startGateway, type TestGateway } from "./support/gateway.ts";
import { gatewayStorageEnv, startStorageServer, type StorageServer } from "./support/storage-servers.ts";

function clientFor(endpoint: string, credentials: UpstreamCredentials): S3Client {
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } });
}

async function errorOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error("the request succeeded, but an S3 error was expected");
}

/** Reads an organization's service account from the gateway's metadata, as only the gateway can. */
function serviceAccountOf(gateway: TestGateway, orgId: string): UpstreamCredentials {
  const { db, sqlite } = openMetadataDb(join(gateway.dataDir, "metadata.sqlite"));
  try {
    const { keyring } = loadMasterKeyring(join(gateway.dataDir, "master.key"), false);
    const credentials = new StorageAccountStore(db, keyring).account(orgId)?.credentials;
    if (!credentials) throw new Error(`organization ${orgId} has no service account`);
    return credentials;
  } finally {
    sqlite.close();
  }
}

describe("MinIO backend on MinIO", () => {
  let server: StorageServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    server = await startStorageServer("minio");
    gateway = await startGateway(gatewayStorageEnv(server));
    for (const org of ["acme", "beta"]) {
      const key = await createCredential(gateway, org, { createOrg: true });
      const client = clientFor(gateway.s3Url, { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key });
      await client.send(new PutObjectCommand({ Bucket: "azure", Key: "plan.txt", Body: `${org} only` }));
    }
  });

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  test("a service account reads its own organization's bucket", async () => {
    const acme = clientFor(server.endpoint, serviceAccountOf(gateway, "acme"));
    const got = await acme.send(new GetObjectCommand({ Bucket: "acme-azure", Key: "plan.txt" }));
    expect(await got.Body!.transformToString()).toBe("acme only");
  });

  test("a service account is denied another organization's bucket", async () => {
    const acme = clientFor(server.endpoint, serviceAccountOf(gateway, "acme"));
    expect((await errorOf(acme.send(new GetObjectCommand({ Bucket: "beta-azure", Key: "plan.txt" })))).name).toBe("AccessDenied");
    expect((await errorOf(acme.send(new PutObjectCommand({ Bucket: "beta-azure", Key: "planted.txt", Body: "x" })))).name).toBe("AccessDenied");
    expect((await errorOf(acme.send(new ListObjectsV2Command({ Bucket: "beta-azure" })))).name).toBe("AccessDenied");
  });

  test("storage check finds everything in order", async () => {
    const result = await gateway.cli(["storage", "check"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("acme: in order");
    expect(result.stdout).toContain("beta: in order");
  });

  test("storage check narrows a widened policy again", async () => {
    const client = new UpstreamClient({ url: new URL(server.endpoint), region: "us-east-1" });
    const admin = new MinioAdminClient(client, { accessKeyId: server.rootUser, secretAccessKey: server.rootPassword }, "pbkdf2");
    await admin.putPolicy("s3gw-acme", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::*"] }] });
    client.close();
    // The widened policy takes effect, so the denial below comes from the narrowed one.
    const acme = clientFor(server.endpoint, serviceAccountOf(gateway, "acme"));
    const widened = await acme.send(new GetObjectCommand({ Bucket: "beta-azure", Key: "plan.txt" }));
    expect(await widened.Body!.transformToString()).toBe("beta only");

    const result = await gateway.cliOk(["storage", "check"]);
    expect(result).toContain("replaced policy s3gw-acme");
    expect((await errorOf(acme.send(new GetObjectCommand({ Bucket: "beta-azure", Key: "plan.txt" })))).name).toBe("AccessDenied");
  });

  test.each(["pbkdf2", "argon2id"] as const)("admin requests encrypted with %s", async (derivation) => {
    const client = new UpstreamClient({ url: new URL(server.endpoint), region: "us-east-1" });
    const root = { accessKeyId: server.rootUser, secretAccessKey: server.rootPassword };
    const admin = new MinioAdminClient(client, root, derivation);
    try {
      const user = `kdf-${derivation}`;
      const serviceAccount = { accessKeyId: `GWSAKDF${derivation.toUpperCase()}`.padEnd(20, "0"), secretAccessKey: randomBytes(20).toString("hex") };
      await admin.addUser(user, randomBytes(20).toString("hex"));
      await admin.putPolicy(user, { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::acme-azure"] }] });
      await admin.setUserPolicy(user, user);
      await admin.addServiceAccount(user, serviceAccount.accessKeyId, serviceAccount.secretAccessKey, "key derivation check");
      expect(await admin.serviceAccountInfo(serviceAccount.accessKeyId)).toMatchObject({ parentUser: user, accountStatus: "on" });

      // Responses are encrypted with algorithm id 0x00 (Argon2id, AES-256-GCM): this build is
      // not a FIPS build, and the test machines' CPUs have AES instructions.
      const raw = await client.sendForDocument({ method: "GET", path: "/minio/admin/v3/info-service-account", query: [["accessKey", serviceAccount.accessKeyId]] }, root);
      expect(raw.status).toBe(200);
      expect(raw.body[32]).toBe(0x00);

      const listed = await clientFor(server.endpoint, serviceAccount).send(new ListObjectsV2Command({ Bucket: "acme-azure" }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual(["plan.txt"]);
      await admin.deleteServiceAccount(serviceAccount.accessKeyId);
      expect(await admin.serviceAccountInfo(serviceAccount.accessKeyId)).toBeUndefined();
    } finally {
      client.close();
    }
  });

  test("rotate-storage-key replaces the service account", async () => {
    const before = serviceAccountOf(gateway, "acme");
    const output = await gateway.cliOk(["org", "rotate-storage-key", "acme"]);
    const after = serviceAccountOf(gateway, "acme");
    expect(after.accessKeyId).not.toBe(before.accessKeyId);
    expect(output).toContain(after.accessKeyId);
    const old = clientFor(server.endpoint, before);
    expect((await errorOf(old.send(new GetObjectCommand({ Bucket: "acme-azure", Key: "plan.txt" })))).$metadata.httpStatusCode).toBe(403);
    const key = await createCredential(gateway, "acme");
    const viaGateway = clientFor(gateway.s3Url, { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key });
    const got = await viaGateway.send(new GetObjectCommand({ Bucket: "azure", Key: "plan.txt" }));
    expect(await got.Body!.transformToString()).toBe("acme only");
  });
});
