/**
 * `s3gateway serve`: opens the data directory and runs the S3 listener and the console listener.
 */
import type { Server } from "node:http";
import { formatAuthority, type GatewayConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { openContext, type GatewayContext } from "./context.ts";
import { LastUseRecorder } from "./credentials/last-use.ts";
import { CredentialLookupCache } from "./credentials/lookup-cache.ts";
import { RejectedRequestLog } from "./credentials/rejection-log.ts";
import { FailureThrottle } from "./credentials/throttle.ts";
import { BearerTokenValidator } from "./identity/oidc/bearer-tokens.ts";
import { loadIdentityProviders, type IdentityProviders } from "./identity/oidc/identity-providers.ts";
import { ProviderAccounts } from "./identity/oidc/provider-accounts.ts";
import type { Logger } from "./log/logger.ts";
import { S3Endpoint } from "./s3/endpoint.ts";
import { startS3Server } from "./s3/http-server.ts";
import { openStorage, repairStorage } from "./storage/open-storage.ts";
import { createWebApp } from "./web/app.ts";

export interface RunningGateway {
  context: GatewayContext;
  identityProviders: IdentityProviders;
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
  // Checked before anything opens, so a provider the gateway cannot use stops it with the cause.
  const identityProviders = await loadIdentityProviders(config.oidcConfigPath, logger);
  const context = openContext(config);
  if (context.masterKeyCreated) logger.info({ path: context.masterKeyPath }, "generated a new master key for encrypting secrets; back it up");
  const storage = await openStorage(config, context);
  const store = storage.store;
  if (storage.provisioner) repairStorage(storage.provisioner, logger);
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
  const rejections = new RejectedRequestLog(context.db, (error, pairs) => logger.error({ err: error, pairs }, "recording rejected S3 requests failed"));
  rejections.start();
  const endpoint = new S3Endpoint({
    store,
    directory: cache,
    settings: { region: config.region, maxObjectSize: config.maxObjectSize, maxClockSkewMs: config.maxClockSkewMs, domains: config.s3Domains },
    logger,
    lastUse,
    throttle: new FailureThrottle(),
    rejections,
  });
  const s3 = await startS3Server(endpoint, { host: config.s3Listen.host, port: config.s3Listen.port, ...(config.s3Tls ? { tls: config.s3Tls } : {}) }, logger);
  const s3Url = `${config.s3Tls ? "https" : "http"}://${formatAuthority({ host: config.s3Listen.host, port: s3.port })}`;
  if (!process.env.S3GATEWAY_PUBLIC_S3_URL) config.publicS3Url = s3Url;

  // The API accepts the providers' access tokens as bearer tokens. Without providers it accepts only the session cookie.
  const providers = identityProviders.list();
  const accounts = new ProviderAccounts(context);
  const bearer = providers.length > 0 ? new BearerTokenValidator(providers, (issuer, subject) => accounts.findUserId(issuer, subject), logger) : undefined;
  // Console revocations clear the cache at once instead of waiting for the next poll.
  const web = createWebApp(context, {
    logger,
    onCredentialsChanged: () => cache.clear(),
    identityProviders,
    ...(bearer ? { apiBearerAuthenticator: bearer.authenticate } : {}),
  });
  let webServer: ReturnType<typeof Bun.serve>;
  try {
    webServer = Bun.serve({
      hostname: config.webListen.host,
      port: config.webListen.port,
      maxRequestBodySize: maxConsoleBodyBytes,
      fetch: (request, server) => web.fetch(request, { server }),
    });
  } catch (error) {
    await closeServer(s3.server);
    const address = formatAuthority(config.webListen);
    throw new ConfigError(`Cannot listen on ${address} for the console (${(error as Error).message}): stop the program using it, or pick another port with --web-addr.`);
  }
  const webUrl = `http://${formatAuthority({ host: config.webListen.host, port: webServer.port ?? config.webListen.port })}`;
  if (!process.env.S3GATEWAY_PUBLIC_WEB_URL) config.publicWebUrl = webUrl;

  return {
    context,
    identityProviders,
    s3Url,
    webUrl,
    async stop() {
      await closeServer(s3.server);
      await webServer.stop(true);
      cache.stop();
      lastUse.stop();
      rejections.stop();
      await storage.close();
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
