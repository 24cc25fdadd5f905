/**
 * Provisioning of the MinIO backend. It is idempotent, so it runs at every start and from
 * `s3gateway storage check`. Each organization gets a MinIO user, a canned policy that allows
 * only the organization's current physical buckets, and a service account under that user,
 * which signs the organization's traffic. Each connector bucket gets a physical bucket.
 *
 * With shared root credentials (`serviceAccounts` off) only the buckets are made.
 */
import { randomBytes, randomInt } from "node:crypto";
import { ConflictError } from "../../errors.ts";
import { orgNamePart, physicalBucketName } from "../../tenancy/physical-names.ts";
import type { MinioAdminClient, PolicyDocument } from "./admin-client.ts";
import type { MinioSettings } from "./minio-config.ts";
import type { StorageAccount, StorageAccountStore } from "./storage-accounts.ts";
import type { UpstreamBuckets } from "./upstream-buckets.ts";
import type { UpstreamCredentials } from "./upstream-signing.ts";

/** Report of the changes (repaired drift) that provisioning made for one organization. */
export interface ProvisionReport {
  orgId: string;
  /** One sentence per change, such as `created bucket acme-azure`. */
  changes: string[];
  /** Physical buckets kept from removed connectors, with their data. */
  detached: string[];
}

export interface ProvisionerOptions {
  settings: MinioSettings;
  accounts: StorageAccountStore;
  buckets: UpstreamBuckets;
  /** Absent with shared root credentials. */
  admin: MinioAdminClient | undefined;
  /** Current connector buckets of an organization. */
  connectorsOf(orgId: string): string[];
  /** Every organization id. */
  orgIds(): string[];
  /** Waits between publishing a rotated key and deleting the old one; tests pass a short one. */
  rotationGraceMs?: number;
}

/** Time for running gateways to load a rotated key before the old one is deleted. */
const defaultRotationGraceMs = 5_000;

const bucketActions = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"];
const objectActions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

export class MinioProvisioner {
  readonly #options: ProvisionerOptions;
  readonly #running = new Map<string, Promise<ProvisionReport>>();

  constructor(options: ProvisionerOptions) {
    this.#options = options;
  }

  /** MinIO user and policy name of an organization. */
  static userName(namePart: string): string {
    return `s3gw-${namePart}`;
  }

  /**
   * Returns the physical bucket name a connector bucket has or would get, without creating it.
   * @throws {InvalidInputError} when the name breaks S3's bucket naming rules.
   * @throws {ConflictError} when the name already belongs to another connector.
   */
  planBucket(orgId: string, bucket: string): string {
    const existing = this.#options.accounts.bucket(orgId, bucket);
    if (existing) return existing.physicalName;
    const namePart = this.#options.accounts.account(orgId)?.namePart ?? orgNamePart(orgId);
    const name = physicalBucketName(this.#options.settings.bucketTemplate, namePart, bucket);
    const owner = this.#options.accounts.physicalNameOwner(name);
    if (owner && (owner.orgId !== orgId || owner.bucket !== bucket)) {
      throw new ConflictError(`Physical bucket "${name}" already belongs to connector "${owner.bucket}" of organization "${owner.orgId}": change S3GATEWAY_MINIO_BUCKET_TEMPLATE or the connector name.`);
    }
    return name;
  }

  /**
   * Brings one organization's upstream state in line with its connectors. Concurrent calls for
   * the same organization share one run.
   */
  ensureOrg(orgId: string, options: { verifyServiceAccount?: boolean } = {}): Promise<ProvisionReport> {
    const running = this.#running.get(orgId);
    if (running) return running;
    const run = this.#provision(orgId, options.verifyServiceAccount === true).finally(() => this.#running.delete(orgId));
    this.#running.set(orgId, run);
    return run;
  }

  /**
   * Provisions every organization and reports what was repaired. A failure for one organization
   * is reported and the others still run.
   */
  async checkAll(options: { verifyServiceAccount?: boolean } = {}): Promise<{ reports: ProvisionReport[]; failures: { orgId: string; error: unknown }[] }> {
    const reports: ProvisionReport[] = [];
    const failures: { orgId: string; error: unknown }[] = [];
    for (const orgId of this.#options.orgIds()) {
      try {
        reports.push(await this.ensureOrg(orgId, options));
      } catch (error) {
        failures.push({ orgId, error });
      }
    }
    return { reports, failures };
  }

  /**
   * Replaces an organization's service account: creates a new one, stores it, waits for running
   * gateways to load it, then deletes the old one.
   * @returns the new access key id.
   */
  async rotateServiceAccount(orgId: string): Promise<string> {
    const admin = this.#requireAdmin("rotate the storage key");
    await this.ensureOrg(orgId);
    const account = this.#options.accounts.account(orgId);
    if (!account) throw new Error(`Organization "${orgId}" has no storage account after provisioning.`);
    const previous = account.credentials;
    const fresh = await this.#createServiceAccount(admin, account);
    await Bun.sleep(this.#options.rotationGraceMs ?? defaultRotationGraceMs);
    if (previous) await admin.deleteServiceAccount(previous.accessKeyId);
    return fresh.accessKeyId;
  }

  /**
   * Deletes a removed connector's physical bucket with every object in it, then narrows the
   * organization's policy.
   * @returns the physical bucket name and the number of objects deleted, or undefined when the
   *   connector never had a physical bucket.
   */
  async deleteConnectorData(orgId: string, bucket: string): Promise<{ physicalName: string; deleted: number } | undefined> {
    const row = this.#options.accounts.bucket(orgId, bucket);
    if (!row) return undefined;
    const deleted = await this.#options.buckets.destroy(row.physicalName);
    this.#options.accounts.deleteBucket(orgId, bucket);
    await this.ensureOrg(orgId);
    return { physicalName: row.physicalName, deleted };
  }

  async #provision(orgId: string, verifyServiceAccount: boolean): Promise<ProvisionReport> {
    const report: ProvisionReport = { orgId, changes: [], detached: [] };
    const account = this.#ensureAccount(orgId, report);
    const connectors = new Set(this.#options.connectorsOf(orgId));
    const physical: string[] = [];
    for (const bucket of [...connectors].sort()) {
      const name = this.planBucket(orgId, bucket);
      if (!(await this.#options.buckets.exists(name))) {
        await this.#options.buckets.create(name);
        report.changes.push(`created bucket ${name} for connector ${bucket}`);
      }
      this.#options.accounts.saveBucket(orgId, bucket, name);
      physical.push(name);
    }
    for (const row of this.#options.accounts.bucketsOf(orgId)) {
      if (!connectors.has(row.bucket)) report.detached.push(row.physicalName);
    }
    if (this.#options.admin) await this.#ensureIdentity(this.#options.admin, account, physical, verifyServiceAccount, report);
    return report;
  }

  #ensureAccount(orgId: string, report: ProvisionReport): StorageAccount {
    const existing = this.#options.accounts.account(orgId);
    if (existing) return existing;
    const namePart = orgNamePart(orgId);
    const owner = this.#options.accounts.namePartOwner(namePart);
    if (owner !== undefined && owner !== orgId) {
      throw new ConflictError(`Organizations "${owner}" and "${orgId}" map to the same bucket name part "${namePart}": rename one of them.`);
    }
    this.#options.accounts.createAccount(orgId, namePart);
    report.changes.push(`assigned bucket name part ${namePart}`);
    return { orgId, namePart, credentials: undefined };
  }

  async #ensureIdentity(admin: MinioAdminClient, account: StorageAccount, physical: readonly string[], verify: boolean, report: ProvisionReport): Promise<void> {
    const user = MinioProvisioner.userName(account.namePart);
    if (!(await admin.userExists(user))) {
      // The user's own secret is never used: the gateway signs with its service account.
      await admin.addUser(user, randomSecret());
      report.changes.push(`created MinIO user ${user}`);
    }
    const desired = policyFor(physical);
    const current = await admin.getPolicy(user);
    if (current === undefined || !samePolicy(current, desired)) {
      await admin.putPolicy(user, desired);
      report.changes.push(current === undefined ? `created policy ${user}` : `replaced policy ${user}, which did not match the connectors`);
    }
    const attached = await admin.userPolicies(user);
    if (!attached || attached.length !== 1 || attached[0] !== user) {
      await admin.setUserPolicy(user, user);
      report.changes.push(`attached policy ${user} to user ${user}`);
    }
    if (!(await this.#serviceAccountValid(admin, account.credentials, user, verify))) {
      await this.#createServiceAccount(admin, account);
      report.changes.push(`created service account for ${user}`);
    }
  }

  async #serviceAccountValid(admin: MinioAdminClient, credentials: UpstreamCredentials | undefined, user: string, verify: boolean): Promise<boolean> {
    if (!credentials) return false;
    const info = await admin.serviceAccountInfo(credentials.accessKeyId, verify);
    if (!info) return false;
    return !verify || (info.parentUser === user && info.accountStatus === "on");
  }

  async #createServiceAccount(admin: MinioAdminClient, account: StorageAccount): Promise<UpstreamCredentials> {
    const credentials = { accessKeyId: randomAccessKey(), secretAccessKey: randomSecret() };
    const description = `S3 Gateway traffic of organization ${account.orgId}`.slice(0, 256);
    await admin.addServiceAccount(MinioProvisioner.userName(account.namePart), credentials.accessKeyId, credentials.secretAccessKey, description);
    this.#options.accounts.saveCredentials(account.orgId, credentials);
    return credentials;
  }

  #requireAdmin(action: string): MinioAdminClient {
    if (!this.#options.admin) {
      throw new ConflictError(`Cannot ${action}: S3GATEWAY_MINIO_UNSAFE_SHARED_CREDENTIALS is true, so organizations have no service accounts.`);
    }
    return this.#options.admin;
  }
}

/** Builds the policy that allows an organization's objects in exactly these buckets, and nothing else. */
export function policyFor(physicalBuckets: readonly string[]): PolicyDocument {
  if (physicalBuckets.length === 0) {
    return { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["s3:*"], Resource: ["arn:aws:s3:::*"] }] };
  }
  const sorted = [...physicalBuckets].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: bucketActions, Resource: sorted.map((name) => `arn:aws:s3:::${name}`) },
      { Effect: "Allow", Action: objectActions, Resource: sorted.map((name) => `arn:aws:s3:::${name}/*`) },
    ],
  };
}

/** Compares policies by meaning: statement order, array order and absent `Sid`s do not matter. */
function samePolicy(current: unknown, desired: PolicyDocument): boolean {
  const normalize = (document: unknown): string[] => {
    const statements = (document as { Statement?: unknown }).Statement;
    if (!Array.isArray(statements)) return [];
    return statements
      .map((statement: { Effect?: unknown; Action?: unknown; Resource?: unknown }) => {
        const list = (value: unknown): string => {
          if (Array.isArray(value)) return value.map(String).sort().join(",");
          return value === undefined ? "" : String(value);
        };
        return `${String(statement.Effect)}|${list(statement.Action)}|${list(statement.Resource)}`;
      })
      .sort();
  };
  return JSON.stringify(normalize(current)) === JSON.stringify(normalize(desired));
}

const accessKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Generates a 20-character access key, the length MinIO generates itself. */
function randomAccessKey(): string {
  let key = "GWSA";
  while (key.length < 20) key += accessKeyAlphabet[randomInt(accessKeyAlphabet.length)];
  return key;
}

/** Generates a 40-character secret of letters and digits (about 238 bits). */
function randomSecret(): string {
  return randomBytes(45).toString("base64").replace(/[^A-Za-z0-9]/g, "").padEnd(40, "0").slice(0, 40);
}
