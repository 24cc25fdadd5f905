/**
 * Metadata schema: organizations and their connector buckets, users and memberships,
 * credentials, console sessions and the audit trail. Times are stored as Unix milliseconds.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /**
     * E-mail address, unique among local accounts. For a user of an identity provider it is shown
     * only, never used to find the user, and contains the `preferred_username` or subject when the
     * token has no e-mail.
     */
    email: text("email").notNull(),
    /** argon2id PHC string; null for users who only sign in through an identity provider. */
    passwordHash: text("password_hash"),
    isPlatformAdmin: integer("is_platform_admin", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** Issuer of the identity provider the user signs in with; null for local accounts. */
    issuer: text("issuer"),
    /** The provider's `sub` claim; together with `issuer` it identifies the user. */
    subject: text("subject"),
  },
  (table) => [
    uniqueIndex("users_issuer_subject_unique").on(table.issuer, table.subject),
    uniqueIndex("users_local_email_unique").on(table.email).where(sql`issuer IS NULL`),
  ],
);

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
    /**
     * Origin of the membership. `operator` means assigned with the CLI or the setup page.
     * `provider` means taken from the claims of the user's identity provider, so each sign-in
     * refreshes it.
     */
    source: text("source", { enum: ["operator", "provider"] }).notNull().default("operator"),
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
    /** Lifetime the key was created with, in milliseconds; each renewal extends it by this much. */
    lifetimeMs: integer("lifetime_ms").notNull().default(86_400_000),
    /** What the key may do with objects: read-write, read-only or write-only (upload only). */
    access: text("access", { enum: ["read-write", "read-only", "write-only"] }).notNull().default("read-write"),
    /** Connector buckets the key is limited to; null means every bucket of the organization. */
    scopeBuckets: text("scope_buckets", { mode: "json" }).$type<string[]>(),
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

/**
 * Each organization's account at the S3 upstream of the MinIO storage backend: the bucket name
 * part derived from its id, and the MinIO service account that signs its traffic. Rows stay
 * when an organization goes away, because the upstream still holds its buckets and account.
 */
export const storageAccounts = sqliteTable("storage_accounts", {
  orgId: text("org_id").primaryKey(),
  /** Part of every physical bucket name of the organization; unique, so names never collide. */
  namePart: text("name_part").notNull().unique(),
  /** Service account access key; null when the gateway signs with the root credentials. */
  accessKeyId: text("access_key_id"),
  /** AES-256-GCM ciphertext of the service account secret (see credentials/secret-box.ts). */
  secretCiphertext: text("secret_ciphertext"),
  secretKeyId: text("secret_key_id"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  rotatedAt: integer("rotated_at", { mode: "timestamp_ms" }),
});

/**
 * Physical upstream bucket of each connector bucket ever provisioned. A row outlives its
 * connector, so a connector that is removed and added again finds its data in the same bucket.
 */
export const storageBuckets = sqliteTable(
  "storage_buckets",
  {
    orgId: text("org_id").notNull(),
    bucket: text("bucket").notNull(),
    physicalName: text("physical_name").notNull().unique(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.orgId, table.bucket] })],
);

/**
 * Authorization requests sent to an identity provider whose callback has not arrived yet. A row is
 * deleted when its callback arrives, so a `state` value works once, and only in the browser that
 * started it.
 */
export const oidcLoginAttempts = sqliteTable("oidc_login_attempts", {
  /** SHA-256 of the `state` parameter. */
  stateHash: text("state_hash").primaryKey(),
  /** SHA-256 of the browser-binding cookie of the browser that started the sign-in. */
  browserHash: text("browser_hash").notNull(),
  providerId: text("provider_id").notNull(),
  nonce: text("nonce").notNull(),
  codeVerifier: text("code_verifier").notNull(),
  /** Organization requested with Auth0's `organization` parameter when switching; null otherwise. */
  organization: text("organization"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
});

/** Data of a console session started through an identity provider, beyond `sessions`. */
export const oidcSessions = sqliteTable("oidc_sessions", {
  sessionIdHash: text("session_id_hash")
    .primaryKey()
    .references(() => sessions.idHash, { onDelete: "cascade" }),
  providerId: text("provider_id").notNull(),
  /** Organizations the provider confirmed during this session, for the Auth0 mapping. */
  verifiedOrgIds: text("verified_org_ids", { mode: "json" }).$type<string[]>().notNull(),
  /** AES-256-GCM ciphertext of the ID token, kept only for `id_token_hint` at sign-out. */
  idTokenCiphertext: text("id_token_ciphertext"),
  idTokenKeyId: text("id_token_key_id"),
});
