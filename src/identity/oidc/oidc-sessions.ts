/**
 * The part of a console session that only sessions started through an identity provider have.
 * It records the provider and the organizations it confirmed during the session. When the
 * provider's sign-out needs it, it also keeps the ID token, encrypted under the master keyring.
 * The row goes when its session ends, through the foreign key.
 */
import { eq } from "drizzle-orm";
import { decryptSecret, encryptSecret } from "../../credentials/secret-box.ts";
import type { MasterKeyring } from "../../credentials/master-key.ts";
import type { MetadataDb } from "../../db/database.ts";
import { oidcSessions } from "../../db/schema.ts";

export interface OidcSessionRecord {
  providerId: string;
  verifiedOrgIds: string[];
  /** Present only when the provider is configured with `logoutIdTokenHint`. */
  idToken: string | undefined;
}

export class OidcSessionStore {
  constructor(
    private readonly db: MetadataDb,
    private readonly keyring: MasterKeyring,
  ) {}

  save(sessionIdHash: string, record: OidcSessionRecord): void {
    const encrypted = record.idToken === undefined ? undefined : encryptSecret(this.keyring, associatedData(sessionIdHash), record.idToken);
    this.db
      .insert(oidcSessions)
      .values({
        sessionIdHash,
        providerId: record.providerId,
        verifiedOrgIds: record.verifiedOrgIds,
        idTokenCiphertext: encrypted?.ciphertext ?? null,
        idTokenKeyId: encrypted?.keyId ?? null,
      })
      .run();
  }

  /**
   * Returns the record of a session, or undefined for a session of a local account. An ID token
   * that can no longer be decrypted (for example after the master key was replaced) is left out,
   * so sign-out then proceeds without `id_token_hint`.
   */
  get(sessionIdHash: string): OidcSessionRecord | undefined {
    const row = this.db.select().from(oidcSessions).where(eq(oidcSessions.sessionIdHash, sessionIdHash)).get();
    if (!row) return undefined;
    let idToken: string | undefined;
    if (row.idTokenCiphertext !== null && row.idTokenKeyId !== null) {
      try {
        idToken = decryptSecret(this.keyring, associatedData(sessionIdHash), row.idTokenKeyId, row.idTokenCiphertext);
      } catch {
        idToken = undefined;
      }
    }
    return { providerId: row.providerId, verifiedOrgIds: row.verifiedOrgIds, idToken };
  }
}

/** Binds a stored ID token to its session row, so a ciphertext cannot be moved to another one. */
function associatedData(sessionIdHash: string): string {
  return `oidc-session:${sessionIdHash}`;
}
