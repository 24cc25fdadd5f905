/**
 * Local accounts: users with an argon2id password hash, their organization memberships and roles,
 * and the one-time setup token that lets the first administrator create an account.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { recordAudit } from "../db/audit.ts";
import type { MetadataDb } from "../db/database.ts";
import { memberships, organizations, setupTokens, users } from "../db/schema.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";

export type OrgRole = "member" | "admin";

export interface User {
  id: string;
  email: string;
  isPlatformAdmin: boolean;
}

export interface Membership {
  orgId: string;
  orgName: string;
  role: OrgRole;
}

/** Shortest password accepted for a local account. */
export const minPasswordLength = 12;

const emailPattern = /^[^\s@]+@[^\s@]+$/;

/** Hash that a failed lookup is checked against, so an unknown e-mail costs as much as a wrong password. */
const decoyHash = Bun.password.hash(randomBytes(16).toString("hex"), { algorithm: "argon2id" });

export class UserService {
  constructor(
    private readonly db: MetadataDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  count(): number {
    return this.db.select({ count: sql<number>`count(*)` }).from(users).get()?.count ?? 0;
  }

  /**
   * Checks everything about a new account except its password, so a CLI can fail before prompting.
   * @throws {InvalidInputError} for a malformed e-mail or an unknown organization.
   * @throws {ConflictError} when the e-mail is taken.
   */
  assertCanAdd(input: { email: string; orgIds: string[] }): void {
    const email = normalizeEmail(input.email);
    for (const orgId of input.orgIds) {
      if (!this.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, orgId)).get()) {
        throw new InvalidInputError(`Organization "${orgId}" does not exist: create it first with "s3gateway org create ${orgId} --name NAME".`);
      }
    }
    if (this.db.select({ id: users.id }).from(users).where(isLocalAccount(email)).get()) {
      throw new ConflictError(`A user with e-mail "${email}" already exists.`);
    }
  }

  /**
   * Creates a local account, hashing the password with argon2id.
   * @throws {InvalidInputError} for a malformed e-mail, a short password or an unknown organization.
   * @throws {ConflictError} when the e-mail is taken.
   */
  async add(
    input: { email: string; password: string; orgIds: string[]; orgAdmin: boolean; platformAdmin: boolean },
    actor: string,
    options: { onlyIfNoUsers?: boolean } = {},
  ): Promise<User> {
    const email = normalizeEmail(input.email);
    if (input.password.length < minPasswordLength) {
      throw new InvalidInputError(`The password is too short: use at least ${minPasswordLength} characters.`);
    }
    const passwordHash = await Bun.password.hash(input.password, { algorithm: "argon2id" });
    const id = crypto.randomUUID();
    const createdAt = this.now();
    this.db.transaction((tx) => {
      // Re-checked inside the transaction so two concurrent setups cannot both create an administrator.
      if (options.onlyIfNoUsers && (tx.select({ count: sql<number>`count(*)` }).from(users).get()?.count ?? 0) > 0) {
        throw new InvalidInputError("This setup link is already used: an account exists. Sign in, or add users with \"s3gateway user add\".");
      }
      for (const orgId of input.orgIds) {
        if (!tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, orgId)).get()) {
          throw new InvalidInputError(`Organization "${orgId}" does not exist: create it first with "s3gateway org create ${orgId} --name NAME".`);
        }
      }
      if (tx.select({ id: users.id }).from(users).where(isLocalAccount(email)).get()) {
        throw new ConflictError(`A user with e-mail "${email}" already exists.`);
      }
      tx.insert(users).values({ id, email, passwordHash, isPlatformAdmin: input.platformAdmin, createdAt }).run();
      for (const orgId of new Set(input.orgIds)) {
        tx.insert(memberships).values({ userId: id, orgId, role: input.orgAdmin ? "admin" : "member" }).run();
      }
      recordAudit(tx, { actor, action: "user.created", target: email, detail: { orgs: input.orgIds.join(","), platformAdmin: input.platformAdmin } }, createdAt);
    });
    return { id, email, isPlatformAdmin: input.platformAdmin };
  }

  /**
   * Checks an e-mail and password. Takes about as long for an unknown e-mail as for a wrong
   * password, so the response time does not reveal which accounts exist.
   * @returns the user, or undefined when the e-mail or password is wrong.
   */
  async verifyPassword(email: string, password: string): Promise<User | undefined> {
    const row = this.db.select().from(users).where(isLocalAccount(email.trim().toLowerCase())).get();
    if (!row?.passwordHash) {
      await Bun.password.verify(password, await decoyHash);
      return undefined;
    }
    if (!(await Bun.password.verify(password, row.passwordHash))) return undefined;
    return { id: row.id, email: row.email, isPlatformAdmin: row.isPlatformAdmin };
  }

  /** @throws {NotFoundError} when no user has this id. */
  get(userId: string): User {
    const row = this.db.select().from(users).where(eq(users.id, userId)).get();
    if (!row) throw new NotFoundError(`User "${userId}" does not exist.`);
    return { id: row.id, email: row.email, isPlatformAdmin: row.isPlatformAdmin };
  }

  /** Lists the organizations a user belongs to; platform admins belong to every organization as admin. */
  memberships(userId: string): Membership[] {
    const user = this.get(userId);
    if (user.isPlatformAdmin) {
      const own = new Map(
        this.db.select().from(memberships).where(eq(memberships.userId, userId)).all().map((m) => [m.orgId, m.role] as const),
      );
      return this.db
        .select()
        .from(organizations)
        .orderBy(asc(organizations.id))
        .all()
        .map((org) => ({ orgId: org.id, orgName: org.name, role: own.get(org.id) ?? "admin" }));
    }
    return this.db
      .select({ orgId: memberships.orgId, orgName: organizations.name, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(memberships.orgId, organizations.id))
      .where(eq(memberships.userId, userId))
      .orderBy(asc(memberships.orgId))
      .all();
  }

  /**
   * Creates a one-time token for the first-administrator setup page. Only the token's hash is
   * stored. Valid for `ttlMs`, and only while no user exists.
   */
  createSetupToken(ttlMs = 86_400_000): string {
    const token = randomBytes(24).toString("base64url");
    const createdAt = this.now();
    this.db.insert(setupTokens).values({ tokenHash: hashToken(token), createdAt, expiresAt: new Date(createdAt.getTime() + ttlMs) }).run();
    return token;
  }

  /** Checks that `token` is an unused, unexpired setup token and that no user exists yet. */
  isSetupTokenValid(token: string): boolean {
    return this.count() === 0 && this.findSetupToken(token) !== undefined;
  }

  /**
   * Creates the first platform administrator with a setup token and marks the token used.
   * @throws {InvalidInputError} when the token is unknown, used or expired, or a user already exists.
   */
  async completeSetup(token: string, email: string, password: string): Promise<User> {
    if (!this.isSetupTokenValid(token)) {
      throw new InvalidInputError("This setup link is invalid, expired or already used: restart the server to print a new one, or add a user with \"s3gateway user add\".");
    }
    const user = await this.add({ email, password, orgIds: [], orgAdmin: false, platformAdmin: true }, "setup", { onlyIfNoUsers: true });
    this.db.update(setupTokens).set({ usedAt: this.now() }).where(eq(setupTokens.tokenHash, hashToken(token))).run();
    return user;
  }

  private findSetupToken(token: string): { tokenHash: string } | undefined {
    const candidate = Buffer.from(hashToken(token), "hex");
    const rows = this.db
      .select({ tokenHash: setupTokens.tokenHash })
      .from(setupTokens)
      .where(and(isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, this.now())))
      .all();
    return rows.find((row) => timingSafeEqual(Buffer.from(row.tokenHash, "hex"), candidate));
  }
}

/**
 * Trims and lowercases an e-mail address.
 * @throws {InvalidInputError} when it is not of the form name@example.com.
 */
function normalizeEmail(text: string): string {
  const email = text.trim().toLowerCase();
  if (!emailPattern.test(email) || email.length > 254) {
    throw new InvalidInputError(`Invalid e-mail address "${text}": use the form name@example.com.`);
  }
  return email;
}

/**
 * Matches the local account with this e-mail. Users of identity providers are left out: they may
 * share an e-mail with a local account or with each other, and are never found by e-mail.
 */
function isLocalAccount(email: string) {
  return and(eq(users.email, email), isNull(users.issuer));
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
