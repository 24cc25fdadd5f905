/**
 * The metadata rows of the MinIO backend: each organization's bucket name part and service
 * account (secret encrypted under the master keyring), and the physical bucket of each connector.
 */
import { and, eq } from "drizzle-orm";
import { bumpChangeCounter } from "../../db/change-counter.ts";
import type { MetadataDb } from "../../db/database.ts";
import { storageAccounts, storageBuckets } from "../../db/schema.ts";
import type { MasterKeyring } from "../../credentials/master-key.ts";
import { decryptSecret, encryptSecret } from "../../credentials/secret-box.ts";
import type { UpstreamCredentials } from "./upstream-signing.ts";

export interface StorageAccount {
  orgId: string;
  namePart: string;
  /** Undefined until a service account exists, and always with shared root credentials. */
  credentials: UpstreamCredentials | undefined;
}

export interface StorageBucket {
  orgId: string;
  bucket: string;
  physicalName: string;
}

export class StorageAccountStore {
  constructor(
    private readonly db: MetadataDb,
    private readonly keyring: MasterKeyring,
    private readonly now: () => Date = () => new Date(),
  ) {}

  account(orgId: string): StorageAccount | undefined {
    const row = this.db.select().from(storageAccounts).where(eq(storageAccounts.orgId, orgId)).get();
    if (!row) return undefined;
    const hasSecret = row.accessKeyId !== null && row.secretCiphertext !== null && row.secretKeyId !== null;
    return {
      orgId: row.orgId,
      namePart: row.namePart,
      credentials: hasSecret
        ? { accessKeyId: row.accessKeyId ?? "", secretAccessKey: decryptSecret(this.keyring, row.accessKeyId ?? "", row.secretKeyId ?? "", row.secretCiphertext ?? "") }
        : undefined,
    };
  }

  /** Returns the organization that owns a name part, if any. */
  namePartOwner(namePart: string): string | undefined {
    return this.db.select({ orgId: storageAccounts.orgId }).from(storageAccounts).where(eq(storageAccounts.namePart, namePart)).get()?.orgId;
  }

  createAccount(orgId: string, namePart: string): void {
    this.db.insert(storageAccounts).values({ orgId, namePart, createdAt: this.now() }).onConflictDoNothing().run();
  }

  /** Stores new service account credentials and bumps the change counter, so running servers reload them. */
  saveCredentials(orgId: string, credentials: UpstreamCredentials): void {
    const { keyId, ciphertext } = encryptSecret(this.keyring, credentials.accessKeyId, credentials.secretAccessKey);
    this.db.transaction((tx) => {
      tx.update(storageAccounts)
        .set({ accessKeyId: credentials.accessKeyId, secretCiphertext: ciphertext, secretKeyId: keyId, rotatedAt: this.now() })
        .where(eq(storageAccounts.orgId, orgId))
        .run();
      bumpChangeCounter(tx);
    });
  }

  bucket(orgId: string, bucket: string): StorageBucket | undefined {
    return this.db.select().from(storageBuckets).where(and(eq(storageBuckets.orgId, orgId), eq(storageBuckets.bucket, bucket))).get();
  }

  /** Returns the connector that owns a physical bucket name, if any. */
  physicalNameOwner(physicalName: string): StorageBucket | undefined {
    return this.db.select().from(storageBuckets).where(eq(storageBuckets.physicalName, physicalName)).get();
  }

  bucketsOf(orgId: string): StorageBucket[] {
    return this.db.select().from(storageBuckets).where(eq(storageBuckets.orgId, orgId)).all();
  }

  saveBucket(orgId: string, bucket: string, physicalName: string): void {
    this.db.insert(storageBuckets).values({ orgId, bucket, physicalName, createdAt: this.now() }).onConflictDoNothing().run();
  }

  deleteBucket(orgId: string, bucket: string): void {
    this.db.delete(storageBuckets).where(and(eq(storageBuckets.orgId, orgId), eq(storageBuckets.bucket, bucket))).run();
  }
}
