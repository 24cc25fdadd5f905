/**
 * Assembles the MinIO backend from its settings: the upstream client, the object store, the
 * provisioner, and the router that finds (or first provisions) each connector's physical bucket
 * and the credentials to sign with.
 */
import { readFileSync } from "node:fs";
import type { MasterKeyring } from "../../credentials/master-key.ts";
import { readChangeCounter } from "../../db/change-counter.ts";
import type { MetadataDb } from "../../db/database.ts";
import type { BucketLocation } from "../types.ts";
import { MinioAdminClient } from "./admin-client.ts";
import type { MinioSettings } from "./minio-config.ts";
import { MinioObjectStore, type UpstreamRoute, type UpstreamRouter } from "./minio-object-store.ts";
import { MinioProvisioner } from "./provisioner.ts";
import { StorageAccountStore } from "./storage-accounts.ts";
import { UpstreamBuckets } from "./upstream-buckets.ts";
import { UpstreamClient } from "./upstream-client.ts";

export interface MinioBackend {
  store: MinioObjectStore;
  provisioner: MinioProvisioner;
  /** Stops polling for changes and closes upstream connections. */
  close(): Promise<void>;
}

export interface MinioBackendContext {
  db: MetadataDb;
  keyring: MasterKeyring;
  organizations: { connectorsOf(orgId: string): string[]; list(): { id: string }[] };
}

/** How often a server looks for rotated keys written by another process, in milliseconds. */
const changePollIntervalMs = 500;

/** Opens the MinIO backend. No upstream request is made until the first operation. */
export function openMinioBackend(settings: MinioSettings, context: MinioBackendContext, options: { rotationGraceMs?: number } = {}): MinioBackend {
  const client = new UpstreamClient({ url: settings.endpoint, region: settings.region, ...(settings.caFile ? { ca: readFileSync(settings.caFile, "utf8") } : {}) });
  const accounts = new StorageAccountStore(context.db, context.keyring);
  const provisioner = new MinioProvisioner({
    settings,
    accounts,
    buckets: new UpstreamBuckets(client, settings.root),
    admin: settings.serviceAccounts ? new MinioAdminClient(client, settings.root, settings.adminKeyDerivation) : undefined,
    connectorsOf: (orgId) => context.organizations.connectorsOf(orgId),
    orgIds: () => context.organizations.list().map((org) => org.id),
    ...(options.rotationGraceMs !== undefined ? { rotationGraceMs: options.rotationGraceMs } : {}),
  });
  const router = new ProvisioningRouter(settings, accounts, provisioner, context.db);
  router.start();
  const store = new MinioObjectStore(client, router);
  return {
    store,
    provisioner,
    async close() {
      router.stop();
      await store.close();
    },
  };
}

/**
 * Finds each connector's physical bucket and credentials in the metadata database, provisioning
 * the organization first when something is missing, and caches the result until the change
 * counter moves (a key rotation or connector change in this or another process).
 */
class ProvisioningRouter implements UpstreamRouter {
  readonly #routes = new Map<string, UpstreamRoute>();
  #seenCounter: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly settings: MinioSettings,
    private readonly accounts: StorageAccountStore,
    private readonly provisioner: MinioProvisioner,
    private readonly db: MetadataDb,
  ) {
    this.#seenCounter = readChangeCounter(db);
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      const counter = readChangeCounter(this.db);
      if (counter !== this.#seenCounter) {
        this.#seenCounter = counter;
        this.#routes.clear();
      }
    }, changePollIntervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async route(location: BucketLocation): Promise<UpstreamRoute> {
    const cacheKey = `${location.orgId}\u0000${location.bucket}`;
    const cached = this.#routes.get(cacheKey);
    if (cached) return cached;
    let route = this.#lookup(location);
    if (!route) {
      await this.provisioner.ensureOrg(location.orgId);
      route = this.#lookup(location);
    }
    if (!route) throw new Error(`Connector bucket "${location.bucket}" of organization "${location.orgId}" has no physical bucket or credentials after provisioning.`);
    this.#routes.set(cacheKey, route);
    return route;
  }

  #lookup(location: BucketLocation): UpstreamRoute | undefined {
    const bucket = this.accounts.bucket(location.orgId, location.bucket);
    if (!bucket) return undefined;
    if (!this.settings.serviceAccounts) return { bucket: bucket.physicalName, credentials: this.settings.root };
    const credentials = this.accounts.account(location.orgId)?.credentials;
    return credentials ? { bucket: bucket.physicalName, credentials } : undefined;
  }
}
