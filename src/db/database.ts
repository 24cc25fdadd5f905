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
  useImmediateTransactions(db);
  migrate(db, { migrationsFolder });
  sqlite.exec("INSERT OR IGNORE INTO change_counter (id, value) VALUES (1, 0)");
  return { db, sqlite };
}

/**
 * Makes every transaction take the write lock at BEGIN. Drizzle starts deferred transactions,
 * and a deferred transaction that reads and then writes fails at once with "database is locked"
 * when another process (the CLI, another server) committed in between, because SQLite cannot
 * retry it through the busy timeout. An immediate transaction waits for the lock instead.
 */
function useImmediateTransactions(db: MetadataDb): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((work, config) => transaction(work, { behavior: "immediate", ...config })) as MetadataDb["transaction"];
}
