/**
 * The change counter lets every process that caches credentials or connectors notice a change
 * made by another process (the CLI, another server) by polling one integer.
 */
import { eq, sql } from "drizzle-orm";
import type { MetadataDb } from "./database.ts";
import { changeCounter } from "./schema.ts";

/** Increments the counter; call inside the transaction that makes the change. */
export function bumpChangeCounter(db: Pick<MetadataDb, "update">): void {
  db.update(changeCounter).set({ value: sql`${changeCounter.value} + 1` }).where(eq(changeCounter.id, 1)).run();
}

export function readChangeCounter(db: MetadataDb): number {
  return db.select({ value: changeCounter.value }).from(changeCounter).where(eq(changeCounter.id, 1)).get()?.value ?? 0;
}
