/**
 * `s3gateway serve`: opens the data directory and runs the S3 listener and the console listener.
 */
import { join } from "node:path";
import type { Server } from "node:http";
import { formatAuthority, type GatewayConfig } from "./config.ts";
import { openContext, type GatewayContext } from "./context.ts";
import { LastUseRecorder } from "./credentials/last-use.ts";
import { CredentialLookupCache } from "./credentials/lookup-cache.ts";
import type { Logger } from "./log/logger.ts";
import { S3Endpoint } from "./s3/endpoint.ts";
import { startS3Server } from "./s3/http-server.ts";
import { openFsObjectStore } from "./storage/fs/fs-object-store.ts";
import { createWebApp } from "./web/app.ts";

export interface RunningGateway {
  context: GatewayContext;
  s3Url: string;
  webUrl: string;
  stop(): Promise<void>;
}

/** Largest console request body; console forms are small. */
const maxConsoleBodyBytes = 64 * 1024;

/**
 * Starts both listeners over the data directory in `config`. When the public URLs are not
 * configured they follow the addresses actually bound (useful with port 0).
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const context = openContext(config);
  if (context.masterKeyCreated) logger.info({ path: context.masterKeyPath }, "generated a new master key for encrypting secrets; back it up");
  const store = await openFsObjectStore({ root: join(config.dataDir, "objects"), fsync: config.fsync });
  const cache = new CredentialLookupCache(context.db, context.keyring);
  cache.start();
  const lastUse = new LastUseRecorder((uses) => {
    try {
      context.credentials.recordLastUse(uses);
    } catch (error) {
      logger.error({ err: error, credentials: uses.size }, "recording credential last use failed");
    }
  });
  lastUse.start();
  const endpoint = new S3Endpoint({
    store,
    directory: cache,
    settings: { region: config.region, maxObjectSize: config.maxObjectSize, maxClockSkewMs: config.maxClockSkewMs, domains: config.s3Domains },
    logger,
    lastUse,
  });
  const s3 = await startS3Server(endpoint, { host: config.s3Listen.host, port: config.s3Listen.port, ...(config.s3Tls ? { tls: config.s3Tls } : {}) }, logger);
  const s3Url = `${config.s3Tls ? "https" : "http"}://${formatAuthority({ host: config.s3Listen.host, port: s3.port })}`;
  if (!process.env.S3GATEWAY_PUBLIC_S3_URL) config.publicS3Url = s3Url;

  // Console revocations clear the cache at once instead of waiting for the next poll.
  const web = createWebApp(context, { logger, onCredentialsChanged: () => cache.clear() });
  const webServer = Bun.serve({
    hostname: config.webListen.host,
    port: config.webListen.port,
    maxRequestBodySize: maxConsoleBodyBytes,
    fetch: (request, server) => web.fetch(request, { server }),
  });
  const webUrl = `http://${formatAuthority({ host: config.webListen.host, port: webServer.port ?? config.webListen.port })}`;
  if (!process.env.S3GATEWAY_PUBLIC_WEB_URL) config.publicWebUrl = webUrl;

  return {
    context,
    s3Url,
    webUrl,
    async stop() {
      await closeServer(s3.server);
      await webServer.stop(true);
      cache.stop();
      lastUse.stop();
      await store.close();
      context.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
