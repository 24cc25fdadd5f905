/**
 * The storage parts of the command line: `storage check`, `org rotate-storage-key`, and the
 * provisioning that `org create`, `connector add` and `connector remove` do with the MinIO
 * backend. With the filesystem backend there is nothing to provision.
 */
import type { GatewayContext } from "../context.ts";
import { GatewayError, InvalidInputError } from "../errors.ts";
import { AdminApiError } from "./minio/admin-client.ts";
import { UpstreamError } from "./minio/minio-object-store.ts";
import type { ProvisionReport } from "./minio/provisioner.ts";
import { openProvisioner } from "./open-storage.ts";

/** Provisioning failed after the metadata change was made. */
export class StorageProvisioningError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("storage_provisioning_failed", message, options);
  }
}

type Context = Pick<GatewayContext, "config" | "db" | "keyring" | "organizations">;

async function withProvisioner<T>(context: Context, action: (provisioner: NonNullable<ReturnType<typeof openProvisioner>>["provisioner"]) => Promise<T>): Promise<T | undefined> {
  const opened = openProvisioner(context.config, context);
  if (!opened) return undefined;
  try {
    return await action(opened.provisioner);
  } finally {
    await opened.close();
  }
}

/** Describes an upstream failure without secrets: the call, status and code. */
function describeFailure(error: unknown): string {
  if (error instanceof AdminApiError || error instanceof UpstreamError) return error.message;
  if (error instanceof GatewayError) return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `connection failed (${code})` : String((error as Error).message ?? error);
}

/**
 * Checks that every listed connector bucket gets a valid, unused physical bucket name, before
 * anything is written.
 * @throws {InvalidInputError} or {ConflictError} naming the bucket.
 */
export async function checkPhysicalNames(context: Context, orgId: string, buckets: readonly string[]): Promise<void> {
  await withProvisioner(context, async (provisioner) => {
    for (const bucket of buckets) provisioner.planBucket(orgId, bucket);
  });
}

/**
 * Provisions an organization after a change to its connectors.
 * @throws {StorageProvisioningError} explaining that the metadata change was kept and how to repair.
 */
export async function provisionOrg(context: Context, orgId: string, change: string): Promise<void> {
  try {
    await withProvisioner(context, (provisioner) => provisioner.ensureOrg(orgId));
  } catch (error) {
    throw new StorageProvisioningError(
      `${change}, but provisioning its MinIO storage failed: ${describeFailure(error)} Run "s3gateway storage check" once MinIO is reachable; the server also repairs it at start.`,
      { cause: error },
    );
  }
}

/**
 * Finishes `connector remove`: narrows the organization's MinIO policy and, with `deleteData`,
 * deletes the physical bucket and its objects.
 * @returns the sentence to print.
 */
export async function finishConnectorRemoval(context: Context, orgId: string, bucket: string, deleteData: boolean): Promise<string> {
  if (context.config.storage.backend !== "minio") {
    if (deleteData) {
      // TODO: delete a removed connector's objects from the filesystem store; it needs a bucket-wide delete that is safe while a server has the store open.
      throw new InvalidInputError(`Removed connector bucket ${bucket} from ${orgId}, but --delete-data works only with S3GATEWAY_STORAGE=minio: the objects are kept.`);
    }
    return `Removed connector bucket ${bucket} from ${orgId}; its objects are kept`;
  }
  const result = await withProvisioner(context, async (provisioner) => {
    if (deleteData) return provisioner.deleteConnectorData(orgId, bucket);
    await provisioner.ensureOrg(orgId);
    return undefined;
  }).catch((error: unknown) => {
    throw new StorageProvisioningError(`Removed connector bucket ${bucket} from ${orgId}, but updating its MinIO storage failed: ${describeFailure(error)} Run "s3gateway storage check" once MinIO is reachable.`, { cause: error });
  });
  if (!deleteData) return `Removed connector bucket ${bucket} from ${orgId}; its objects are kept in MinIO and return if the connector is added again`;
  if (!result) return `Removed connector bucket ${bucket} from ${orgId}; it had no MinIO bucket, so no data was deleted`;
  return `Removed connector bucket ${bucket} from ${orgId} and deleted its MinIO bucket with ${result.deleted} objects`;
}

/**
 * Runs `storage check`: provisions every organization, verifying each service account, and
 * prints what was repaired.
 * @returns the process exit code: 0 when every organization is in order now, 1 otherwise.
 */
export async function runStorageCheck(context: Context, json: boolean, out: (text: string) => void): Promise<number> {
  const result = await withProvisioner(context, (provisioner) => provisioner.checkAll({ verifyServiceAccount: true }));
  if (!result) {
    out(json ? JSON.stringify({ backend: "filesystem", organizations: [] }) : "Storage backend is filesystem: there is nothing to provision.");
    return 0;
  }
  if (json) {
    out(
      JSON.stringify({
        backend: "minio",
        organizations: result.reports.map((report) => ({ org: report.orgId, repaired: report.changes, detached_buckets: report.detached })),
        failures: result.failures.map((failure) => ({ org: failure.orgId, error: describeFailure(failure.error) })),
      }),
    );
  } else {
    for (const report of result.reports) out(describeReport(report));
    for (const failure of result.failures) out(`${failure.orgId}: FAILED: ${describeFailure(failure.error)}`);
    out(`Checked ${result.reports.length + result.failures.length} organizations: ${result.reports.filter((report) => report.changes.length > 0).length} repaired, ${result.failures.length} failed.`);
  }
  return result.failures.length === 0 ? 0 : 1;
}

function describeReport(report: ProvisionReport): string {
  const lines = [report.changes.length === 0 ? `${report.orgId}: in order` : `${report.orgId}: repaired`];
  for (const change of report.changes) lines.push(`  ${change}`);
  for (const bucket of report.detached) lines.push(`  kept bucket ${bucket} of a removed connector (delete it with "connector remove --delete-data" after adding the connector back)`);
  return lines.join("\n");
}

/**
 * Runs `org rotate-storage-key`: replaces the organization's MinIO service account.
 * @throws {InvalidInputError} with the filesystem backend.
 */
export async function rotateStorageKey(context: Context, orgId: string): Promise<string> {
  context.organizations.get(orgId);
  const accessKeyId = await withProvisioner(context, (provisioner) => provisioner.rotateServiceAccount(orgId));
  if (accessKeyId === undefined) throw new InvalidInputError("org rotate-storage-key needs S3GATEWAY_STORAGE=minio: the filesystem backend has no storage keys.");
  return `Rotated the MinIO service account of ${orgId}; the new access key is ${accessKeyId}, and the old one was deleted`;
}
