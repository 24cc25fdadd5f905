/**
 * Memberships and roles that an operator assigns with the CLI, for local accounts and for users of
 * identity providers alike. A user of an identity provider is named by issuer and subject, and
 * may be granted access before the first sign-in. An e-mail names a user only when exactly one
 * user has it.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { recordAudit } from "../db/audit.ts";
import type { MetadataDb } from "../db/database.ts";
import { memberships, organizations, users } from "../db/schema.ts";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import type { OrgRole, User } from "./users.ts";

/** An e-mail, or the issuer and subject of an identity provider's user. */
export type UserReference = { email: string } | { issuer: string; subject: string };

export interface UserListing {
  id: string;
  email: string;
  /** Null for a local account. */
  issuer: string | null;
  subject: string | null;
  isPlatformAdmin: boolean;
  memberships: { orgId: string; role: OrgRole; source: "operator" | "provider" }[];
}

export class UserGrants {
  constructor(
    private readonly db: MetadataDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Makes the user a member (or with `orgAdmin`, an admin) of each organization, and a platform
   * admin with `platformAdmin`. The memberships become the operator's: sign-ins no longer
   * change or remove them. A user named by issuer and subject is created when missing.
   * @throws {NotFoundError} for an unknown organization or e-mail.
   * @throws {InvalidInputError} when an e-mail matches several users.
   */
  grant(reference: UserReference, grant: { orgIds: string[]; orgAdmin: boolean; platformAdmin: boolean }, actor: string): User {
    const role: OrgRole = grant.orgAdmin ? "admin" : "member";
    return this.db.transaction((tx) => {
      this.assertOrganizationsExist(tx, grant.orgIds);
      const user = this.findOrCreate(tx, reference, actor);
      for (const orgId of new Set(grant.orgIds)) {
        const existing = tx.select().from(memberships).where(and(eq(memberships.userId, user.id), eq(memberships.orgId, orgId))).get();
        if (existing) {
          tx.update(memberships).set({ role, source: "operator" }).where(and(eq(memberships.userId, user.id), eq(memberships.orgId, orgId))).run();
        } else {
          tx.insert(memberships).values({ userId: user.id, orgId, role, source: "operator" }).run();
        }
        recordAudit(tx, { actor, action: existing ? "membership.role_changed" : "membership.added", orgId, target: user.email, detail: { role } }, this.now());
      }
      if (grant.platformAdmin && !user.isPlatformAdmin) {
        tx.update(users).set({ isPlatformAdmin: true }).where(eq(users.id, user.id)).run();
        recordAudit(tx, { actor, action: "user.platform_admin_changed", target: user.email, detail: { platformAdmin: true } }, this.now());
        return { ...user, isPlatformAdmin: true };
      }
      return user;
    });
  }

  /**
   * Removes the user from each organization, and with `platformAdmin` takes that role away.
   * @throws {NotFoundError} for an unknown user, or a membership the user does not have.
   */
  revoke(reference: UserReference, revocation: { orgIds: string[]; platformAdmin: boolean }, actor: string): User {
    return this.db.transaction((tx) => {
      const user = this.find(tx, reference);
      if (!user) throw new NotFoundError(`No user matches ${describe(reference)}: list users with "s3gateway user list".`);
      for (const orgId of new Set(revocation.orgIds)) {
        const removed = tx.delete(memberships).where(and(eq(memberships.userId, user.id), eq(memberships.orgId, orgId))).returning().all();
        if (removed.length === 0) throw new NotFoundError(`User ${user.email} is not a member of organization "${orgId}".`);
        recordAudit(tx, { actor, action: "membership.removed", orgId, target: user.email }, this.now());
      }
      if (revocation.platformAdmin && user.isPlatformAdmin) {
        tx.update(users).set({ isPlatformAdmin: false }).where(eq(users.id, user.id)).run();
        recordAudit(tx, { actor, action: "user.platform_admin_changed", target: user.email, detail: { platformAdmin: false } }, this.now());
        return { ...user, isPlatformAdmin: false };
      }
      return user;
    });
  }

  /** Lists every user with their memberships, ordered by e-mail. */
  list(): UserListing[] {
    const rows = this.db.select().from(users).orderBy(asc(users.email), asc(users.id)).all();
    const all = this.db.select().from(memberships).orderBy(asc(memberships.orgId)).all();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      issuer: row.issuer,
      subject: row.subject,
      isPlatformAdmin: row.isPlatformAdmin,
      memberships: all.filter((m) => m.userId === row.id).map((m) => ({ orgId: m.orgId, role: m.role, source: m.source })),
    }));
  }

  private assertOrganizationsExist(tx: Pick<MetadataDb, "select">, orgIds: string[]): void {
    if (orgIds.length === 0) return;
    const found = new Set(tx.select({ id: organizations.id }).from(organizations).where(inArray(organizations.id, orgIds)).all().map((row) => row.id));
    const missing = orgIds.find((orgId) => !found.has(orgId));
    if (missing !== undefined) {
      throw new NotFoundError(`Organization "${missing}" does not exist: create it first with "s3gateway org create ${missing} --name NAME".`);
    }
  }

  private find(tx: Pick<MetadataDb, "select">, reference: UserReference): User | undefined {
    if ("issuer" in reference) {
      const row = tx.select().from(users).where(and(eq(users.issuer, reference.issuer), eq(users.subject, reference.subject))).get();
      return row ? { id: row.id, email: row.email, isPlatformAdmin: row.isPlatformAdmin } : undefined;
    }
    const rows = tx.select().from(users).where(eq(users.email, reference.email.trim().toLowerCase())).all();
    if (rows.length > 1) {
      throw new InvalidInputError(
        `${rows.length} users have the e-mail "${reference.email}": name the user with --issuer and --subject instead (see "s3gateway user list").`,
      );
    }
    const row = rows[0];
    return row ? { id: row.id, email: row.email, isPlatformAdmin: row.isPlatformAdmin } : undefined;
  }

  private findOrCreate(tx: Pick<MetadataDb, "select" | "insert">, reference: UserReference, actor: string): User {
    const existing = this.find(tx, reference);
    if (existing) return existing;
    if (!("issuer" in reference)) {
      throw new NotFoundError(
        `No user has the e-mail "${reference.email}". Add a local account with "s3gateway user add", or name a user of an identity provider with --issuer and --subject.`,
      );
    }
    // The console shows the subject in place of the e-mail until the first sign-in brings one.
    const user: User = { id: crypto.randomUUID(), email: reference.subject, isPlatformAdmin: false };
    tx.insert(users)
      .values({ ...user, passwordHash: null, createdAt: this.now(), issuer: reference.issuer, subject: reference.subject })
      .run();
    recordAudit(tx, { actor, action: "user.created", target: reference.subject, detail: { issuer: reference.issuer, subject: reference.subject } }, this.now());
    return user;
  }
}

function describe(reference: UserReference): string {
  return "issuer" in reference ? `issuer "${reference.issuer}" and subject "${reference.subject}"` : `e-mail "${reference.email}"`;
}
