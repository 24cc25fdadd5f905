/**
 * The S3 endpoint started inside the test process, over a fresh data directory, on a loopback
 * port. Unlike the child-process gateway, it lets a test replace the clock of the credential
 * service and the endpoint, and reach the services directly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { loadConfig } from "../../src/config.ts";
import { openContext, type GatewayContext } from "../../src/context.ts";
import { CredentialService } from "../../src/credentials/credentials.ts";
import { CredentialLookupCache } from "../../src/credentials/lookup-cache.ts";
import { RejectedRequestLog } from "../../src/credentials/rejection-log.ts";
import type { FailureThrottle } from "../../src/credentials/throttle.ts";
import { createLogger } from "../../src/log/logger.ts";
import { S3Endpoint } from "../../src/s3/endpoint.ts";
import { startS3Server } from "../../src/s3/http-server.ts";
import { openFsObjectStore, type FsObjectStore } from "../../src/storage/fs/fs-object-store.ts";

export interface InProcessS3 {
  ctx: GatewayContext;
  /** Credential service on the test clock. */
  credentials: CredentialService;
  cache: CredentialLookupCache;
  rejections: RejectedRequestLog;
  store: FsObjectStore;
  url: string;
  /** Every log line the endpoint wrote, as JSON text. */
  logs: string[];
  /** Creates an S3 client whose signing clock follows the test clock. */
  client(key: { accessKeyId: string; secretAccessKey: string }): S3Client;
  close(): Promise<void>;
}

/**
 * Starts the endpoint. `now` drives the credential service and the endpoint. An SDK client made
 * with `client()` signs with the offset between `now` and the real clock at the moment it is made,
 * so after moving the test clock, make a new client.
 */
export async function startInProcessS3(options: { env?: Record<string, string>; now?: () => Date; throttle?: FailureThrottle } = {}): Promise<InProcessS3> {
  const dataDir = mkdtempSync(join(tmpdir(), "s3gw-inproc-"));
  const now = options.now ?? (() => new Date());
  const config = loadConfig({ dataDir }, options.env ?? {});
  const ctx = openContext(config);
  const credentials = new CredentialService(
    ctx.db,
    ctx.keyring,
    { defaultTtlMs: config.credentialTtlMs, maxActivePerOrg: config.maxActiveCredentials, maxAgeMs: config.credentialMaxAgeMs },
    now,
  );

  const store = await openFsObjectStore({ root: join(dataDir, "objects"), fsync: false });
  const cache = new CredentialLookupCache(ctx.db, ctx.keyring);
  const rejections = new RejectedRequestLog(ctx.db);
  const logs: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void logs.push(line) });
  const endpoint = new S3Endpoint({
    store,
    directory: cache,
    settings: { region: "us-east-1", maxObjectSize: config.maxObjectSize, maxClockSkewMs: config.maxClockSkewMs, domains: [] },
    logger,
    now,
    rejections,
    ...(options.throttle ? { throttle: options.throttle } : {}),
  });
  const { server, port } = await startS3Server(endpoint, { host: "127.0.0.1", port: 0 }, logger);

  const url = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    ctx,
    credentials,
    cache,
    rejections,
    store,
    url,
    logs,
    client(key) {
      const client = new S3Client({
        endpoint: url,
        region: "us-east-1",
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
        systemClockOffset: now().getTime() - Date.now(),
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await closeServer(server);
      await store.close();
      ctx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
