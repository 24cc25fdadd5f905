/**
 * Server-side console sessions. The browser keeps a random session token in a cookie. The
 * database stores only the token's SHA-256, the user, the per-session CSRF token and the
 * organization the user works in.
 */
import { randomBytes } from "node:crypto";
import { eq, lte, or } from "drizzle-orm";
import type { MetadataDb } from "../db/database.ts";
import { sessions } from "../db/schema.ts";
import { hashToken } from "./users.ts";

/** A session that is still valid. */
export interface ConsoleSession {
  /** SHA-256 (hex) of the cookie value; the primary key. */
  idHash: string;
  userId: string;
  /** Token that every state-changing request of this session must carry. */
  csrfToken: string;
  currentOrgId: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute end of the session, however active it is. */
  expiresAt: Date;
}

export interface SessionTimeouts {
  /** A session unused for this long ends, in milliseconds. */
  idleTimeoutMs: number;
  /** A session ends this long after sign-in, in milliseconds. */
  absoluteTimeoutMs: number;
}

export const defaultSessionTimeouts: SessionTimeouts = {
  idleTimeoutMs: 8 * 3_600_000,
  absoluteTimeoutMs: 24 * 3_600_000,
};

/**
 * `lastSeenAt` is written at most once per this interval, so that page loads and htmx requests
 * do not each cost a database write. The idle timeout can therefore end a session up to this
 * much earlier than exactly `idleTimeoutMs` after the last request.
 */
const lastSeenWriteIntervalMs = 60_000;

export class SessionService {
  constructor(
    private readonly db: MetadataDb,
    private readonly timeouts: SessionTimeouts = defaultSessionTimeouts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Starts a new session for a user who has just signed in, and removes sessions that have
   * timed out.
   * @returns the cookie value, which is not stored anywhere, and the session.
   */
  start(userId: string, currentOrgId: string | null): { token: string; session: ConsoleSession } {
    this.deleteExpired();
    const token = randomBytes(32).toString("base64url");
    const createdAt = this.now();
    const session: ConsoleSession = {
      idHash: hashToken(token),
      userId,
      csrfToken: randomBytes(32).toString("base64url"),
      currentOrgId,
      createdAt,
      lastSeenAt: createdAt,
      expiresAt: new Date(createdAt.getTime() + this.timeouts.absoluteTimeoutMs),
    };
    this.db.insert(sessions).values(session).run();
    return { token, session };
  }

  /**
   * Finds the session for a cookie value and records the activity. A session past its idle or
   * absolute timeout is deleted.
   * @returns the session, or undefined when the token is unknown or the session timed out.
   */
  resume(token: string): ConsoleSession | undefined {
    const idHash = hashToken(token);
    const row = this.db.select().from(sessions).where(eq(sessions.idHash, idHash)).get();
    if (!row) return undefined;

    const now = this.now();
    const idleSince = now.getTime() - row.lastSeenAt.getTime();
    if (row.expiresAt.getTime() <= now.getTime() || idleSince >= this.timeouts.idleTimeoutMs) {
      this.db.delete(sessions).where(eq(sessions.idHash, idHash)).run();
      return undefined;
    }

    if (idleSince >= lastSeenWriteIntervalMs) {
      this.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash)).run();
      return { ...row, lastSeenAt: now };
    }
    return row;
  }

  /** Stores the organization the user works in for the rest of the session. */
  setCurrentOrg(session: ConsoleSession, orgId: string): void {
    this.db.update(sessions).set({ currentOrgId: orgId }).where(eq(sessions.idHash, session.idHash)).run();
  }

  /** Ends a session; does nothing when it has already ended. */
  end(session: Pick<ConsoleSession, "idHash">): void {
    this.db.delete(sessions).where(eq(sessions.idHash, session.idHash)).run();
  }

  /** Ends the session of a cookie value, if there is one. */
  endByToken(token: string): void {
    this.end({ idHash: hashToken(token) });
  }

  /** Deletes every session past its idle or absolute timeout. */
  deleteExpired(): void {
    const now = this.now().getTime();
    this.db
      .delete(sessions)
      .where(or(lte(sessions.expiresAt, new Date(now)), lte(sessions.lastSeenAt, new Date(now - this.timeouts.idleTimeoutMs))))
      .run();
  }
}
