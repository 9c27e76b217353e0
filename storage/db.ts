// One storage type for both runtimes. Repositories only ever `await` Drizzle
// queries, which works with better-sqlite3 (sync, thenable builders) and D1
// (async). Multi-statement writes go through `atomic()`, the only transaction
// primitive D1 offers (a batch), emulated on better-sqlite3 with a native
// transaction. Reads happen before the batch; conflicts are detected with
// unique keys (see `claims` in schema.ts), which abort the whole batch.
import type { SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema';

export type Schema = typeof schema;
// biome-ignore lint/suspicious/noExplicitAny: one Db type over better-sqlite3's and D1's different run results
export type Db = BaseSQLiteDatabase<'sync' | 'async', any, Schema>;
export type Statement = BatchItem<'sqlite'>;

export interface Store {
  readonly db: Db;
  readonly kind: 'sqlite' | 'd1';
  /** Run every statement or none. */
  atomic(statements: Statement[]): Promise<void>;
  /**
   * Optional (SQLite): runs `work` in one write transaction that commits when it resolves (and rolls
   * back when it throws). Each `atomic()` inside is a savepoint: all or nothing on its own, visible
   * to the reads after it, durable only with the group. An `atomic()` from outside waits for the
   * group's commit, so nothing is acknowledged on the strength of a write that is not yet durable.
   * Why: a commit writes every page it touched to the WAL; events handled one after another touch
   * the same pages (the right edge of each time-ordered index), so one commit for a few events
   * writes those pages once (src/inbound/inbox.ts). D1 has no transaction that spans awaits: its
   * store has no group, and callers do one event per `atomic()`.
   */
  group?<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Optional (SQLite): a raw query's rows, as `db.all(query)` answers them. better-sqlite3 builds
   * each row object property by property, which costs more than SQLite's work on wide rows: 15–36
   * ms for the 5,000 KRs of a 100k-person GET /tree against 8 ms read as arrays and shaped here.
   */
  rows?<T>(query: SQL): T[];
  /**
   * Optional (SQLite): a raw query's first column, without a row object or array per row. A rebuild
   * of a 100k-person cycle reads 101k ids this way: as rows, their arrays and objects were promoted
   * to V8's old space and grew the heap it sized from them (issue 16 goal 5).
   */
  column?<T>(query: SQL): T[];
}

/** True when a write failed because a unique key or primary key already exists. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const message = String((e as { message?: unknown }).message ?? e);
    if (/UNIQUE constraint failed|PRIMARY KEY constraint failed|SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)/i.test(message))
      return true;
  }
  return false;
}

export { schema };

/**
 * A write for the SQLite store's `atomic()`, which runs each statement inside its transaction by
 * calling `run()` (storage/sqlite.ts): for writes that are not Drizzle builders there (a prepared
 * statement with bound values, a raw query). D1's batch takes builders and prepared queries instead.
 */
export function sqliteWrite(run: () => unknown): Statement {
  return { run } as unknown as Statement;
}

/** A raw query's first column, typed by the caller. */
export async function columnValues<T>(store: Store, query: SQL): Promise<T[]> {
  if (store.column) return store.column<T>(query);
  return ((await store.db.values(query)) as unknown[][]).map((row) => row[0] as T);
}

/** A raw query's rows, typed by the caller. */
export async function allRows<T>(store: Store, query: SQL): Promise<T[]> {
  return store.rows ? store.rows<T>(query) : ((await store.db.all(query)) as T[]);
}

/**
 * Runs `load` over `ids` in slices of `size`, each slice as one JSON text (read back with
 * json_each): D1 binds at most 100 parameters, so id lists do not travel one parameter per id.
 */
export async function inIdSlices<T>(
  ids: readonly string[],
  size: number,
  load: (json: string) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await load(JSON.stringify(ids.slice(i, i + size)))));
  return out;
}

/** D1 binds at most 100 parameters to one statement (https://developers.cloudflare.com/d1/platform/limits/). */
const D1_MAX_BOUND_PARAMETERS = 100;

/**
 * `rows` in groups that each fit one multi-row INSERT on D1, for rows that bind `parametersPerRow`
 * values each. One statement for many rows costs Drizzle about what building one per row did.
 */
export function insertGroups<T>(rows: T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / parametersPerRow));
  const groups: T[][] = [];
  for (let i = 0; i < rows.length; i += size) groups.push(rows.slice(i, i + size));
  return groups;
}
