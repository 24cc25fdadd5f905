/**
 * Opens the configured storage backend: the filesystem store under the data directory, or the
 * MinIO backend with its provisioner.
 */
import { join } from "node:path";
import type { GatewayConfig } from "../config.ts";
import type { GatewayContext } from "../context.ts";
import { openFsObjectStore } from "./fs/fs-object-store.ts";
import { openMinioBackend } from "./minio/minio-backend.ts";
import type { MinioProvisioner } from "./minio/provisioner.ts";
import type { ObjectStore } from "./types.ts";
import type { Logger } from "../log/logger.ts";

export interface OpenedStorage {
  store: ObjectStore;
  /** Present for the MinIO backend. */
  provisioner: MinioProvisioner | undefined;
  close(): Promise<void>;
}

/**
 * Opens the backend `config.storage` names. The filesystem store cleans up after a crash while
 * opening, so only `serve` may open it; the CLI opens only the MinIO backend (see
 * {@link openProvisioner}).
 */
export async function openStorage(config: GatewayConfig, context: Pick<GatewayContext, "db" | "keyring" | "organizations">): Promise<OpenedStorage> {
  if (config.storage.backend === "minio") {
    const backend = openMinioBackend(config.storage.minio, context);
    return { store: backend.store, provisioner: backend.provisioner, close: () => backend.close() };
  }
  const store = await openFsObjectStore({ root: join(config.dataDir, "objects"), fsync: config.fsync });
  return { store, provisioner: undefined, close: () => store.close() };
}

/** Opens the MinIO provisioner for a CLI command, or returns undefined with the filesystem backend. */
export function openProvisioner(
  config: GatewayConfig,
  context: Pick<GatewayContext, "db" | "keyring" | "organizations">,
): { provisioner: MinioProvisioner; close(): Promise<void> } | undefined {
  if (config.storage.backend !== "minio") return undefined;
  const backend = openMinioBackend(config.storage.minio, context);
  return { provisioner: backend.provisioner, close: () => backend.close() };
}

/**
 * Runs start-up provisioning in the background: every organization's buckets, user, policy and
 * service account are checked and repaired. Failures are logged; requests still provision the
 * organization they need on first use.
 */
export function repairStorage(provisioner: MinioProvisioner, logger: Logger): void {
  provisioner.checkAll().then(
    ({ reports, failures }) => {
      for (const report of reports) {
        if (report.changes.length > 0) logger.info({ org: report.orgId, changes: report.changes }, "repaired storage provisioning");
      }
      for (const failure of failures) logger.error({ org: failure.orgId, err: failure.error }, "storage provisioning failed; run s3gateway storage check");
    },
    (error: unknown) => logger.error({ err: error }, "storage provisioning failed; run s3gateway storage check"),
  );
}
