/**
 * Metadata schema: organizations and their connector buckets, users and memberships,
 * credentials, console sessions and the audit trail. Times are stored as Unix milliseconds.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const organizations = sqliteTable("organizations", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const connectors = sqliteTable(
  "connectors",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    bucket: text("bucket").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.bucket] })],
);

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  /** argon2id PHC string; null for users who only sign in through an identity provider. */
  passwordHash: text("password_hash"),
  isPlatformAdmin: integer("is_platform_admin", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

export const memberships = sqliteTable(
  "memberships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["member", "admin"] }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.orgId] })],
);

export const credentials = sqliteTable(
  "credentials",
  {
    accessKeyId: text("access_key_id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** User who generated the key; null when it was created with the CLI. */
    createdBy: text("created_by"),
    label: text("label"),
    /** AES-256-GCM ciphertext of the secret access key (see credentials/secret-box.ts). */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** Id of the master key that encrypted the secret, so keys can be rotated. */
    secretKeyId: text("secret_key_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    lastUsedFrom: text("last_used_from"),
  },
  (table) => [index("credentials_org_idx").on(table.orgId, table.createdAt)],
);

export const sessions = sqliteTable("sessions", {
  /** SHA-256 of the session cookie value, so a database leak does not leak live sessions. */
  idHash: text("id_hash").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  csrfToken: text("csrf_token").notNull(),
  currentOrgId: text("current_org_id"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

export const setupTokens = sqliteTable("setup_tokens", {
  /** SHA-256 of the one-time token printed at start-up. */
  tokenHash: text("token_hash").primaryKey(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  usedAt: integer("used_at", { mode: "timestamp_ms" }),
});

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    /** `user:<id>`, `cli`, `setup`, `system`, or `anonymous` for failed sign-ins. */
    actor: text("actor").notNull(),
    orgId: text("org_id"),
    action: text("action").notNull(),
    target: text("target"),
    sourceAddress: text("source_address"),
    detail: text("detail", { mode: "json" }).$type<Record<string, string | number | boolean>>(),
  },
  (table) => [index("audit_events_org_at_idx").on(table.orgId, table.at)],
);

/**
 * Single-row counter bumped by every change that cached lookups depend on (credentials,
 * connectors), so that a running server notices changes made by the CLI in another process.
 */
export const changeCounter = sqliteTable("change_counter", {
  id: integer("id").primaryKey(),
  value: integer("value").notNull().default(0),
});
