/**
 * Opening the metadata database: SQLite through `bun:sqlite`, migrated on open.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema.ts";

export type MetadataDb = BunSQLiteDatabase<typeof schema>;

/** Folder with the SQL migrations that drizzle-kit generates from `schema.ts`. */
const migrationsFolder = join(import.meta.dir, "..", "..", "drizzle");

/**
 * Opens (creating if needed) the SQLite metadata database at `path` and applies pending migrations.
 * Drizzle's query logger stays off because it would print SQL parameters, which include secrets.
 */
export function openMetadataDb(path: string): { db: MetadataDb; sqlite: Database } {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  // The CLI and the server write to the same file; wait for each other's short transactions.
  sqlite.exec("PRAGMA busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  sqlite.exec("INSERT OR IGNORE INTO change_counter (id, value) VALUES (1, 0)");
  return { db, sqlite };
}
