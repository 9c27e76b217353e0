// Node-only: the embedded SQLite store (better-sqlite3), migrated on open.
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from '../core/log';
import type { SQL } from 'drizzle-orm';
import { schema, type Db, type Statement, type Store } from './db';

// Named from the repository root so that it resolves the same from this file and from the bundle
// `npm start` runs (dist/node.mjs, scripts/start.mjs): both sit one folder below the root.
export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../storage/migrations');

export interface SqliteStore extends Store {
  readonly sqlite: Database.Database;
  close(): void;
}

/**
 * Creates the database file readable by its owner only (0600; a new directory 0700) before
 * SQLite opens it: it holds every person's OKRs and platform ids. SQLite gives its -wal and
 * -shm files the main file's permissions. An existing file with looser permissions is left
 * as the operator set it, with a warning.
 */
export function prepareDatabaseFile(path: string, warn: (message: string) => void = (m) => log.warn(m)): void {
  if (path === ':memory:' || path.startsWith('file:')) return;
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) {
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600); // openSync's mode is filtered by the umask; chmod is not
    return;
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077)
    warn(
      `[polaris] ${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it and its -wal/-shm files.`,
    );
}

export function openSqlite(path: string, options: { migrate?: boolean } = {}): SqliteStore {
  prepareDatabaseFile(path);
  const sqlite = new Database(path);
  // WAL lets readers run beside the writer; the busy timeout makes a second
  // process (CLI job, seed script) wait for the lock instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // A 32 MB page cache instead of SQLite's 2 MB: at 100k people one GET /tree reads ~3,000 pages
  // (objectives, their KRs, stored roll-ups), which the default cache re-read from the OS on every
  // request (81 ms p50 against 48 ms). Pages are allocated as they are read, so a small org's server
  // does not grow by it.
  sqlite.pragma('cache_size = -32768');
  sqlite.pragma('foreign_keys = ON');
  cachePreparedStatements(sqlite);
  const db = drizzle(sqlite, { schema });
  const dialect = (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect;
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  const runAll = sqlite.transaction((statements: Statement[]) => {
    // Sync builders execute with .run(); the cast is because BatchItem is typed for async drivers.
    for (const s of statements) (s as unknown as { run(): unknown }).run();
  });
  // The open group (Store.group): its token, carried by the async context of its work, and its end.
  // A token rather than a flag: work started inside a group (the outbox woken by a reply) keeps the
  // context after the group ends, and must not count as inside the next one.
  const insideGroup = new AsyncLocalStorage<object>();
  let openGroup: object | undefined;
  let groupEnd: Promise<void> | undefined;
  return {
    db: db as unknown as Db,
    kind: 'sqlite',
    sqlite,
    async atomic(statements) {
      // A writer outside the open group (a push being stored before its 200, an API write) waits for
      // the group to commit: its write would otherwise join the group's transaction, and be reported
      // done before it is durable. Inside the group, better-sqlite3 runs it as a savepoint.
      while (groupEnd && insideGroup.getStore() !== openGroup) await groupEnd;
      if (statements.length) runAll.immediate(statements);
    },
    async group(work) {
      if (openGroup && insideGroup.getStore() === openGroup) return work();
      while (groupEnd) await groupEnd;
      const token = {};
      openGroup = token;
      let end!: () => void;
      groupEnd = new Promise((resolve) => {
        end = resolve;
      });
      try {
        sqlite.exec('BEGIN IMMEDIATE');
        const result = await insideGroup.run(token, work);
        sqlite.exec('COMMIT');
        return result;
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw error;
      } finally {
        openGroup = undefined;
        groupEnd = undefined;
        end();
      }
    },
    rows<T>(query: SQL): T[] {
      const { sql: text, params } = dialect.sqlToQuery(query);
      const statement = sqlite.prepare(text);
      const arrays = statement.raw(true).all(...params) as unknown[][];
      return arrays.length ? (arrays.map(rowShaper(statement, arrays[0].length)) as T[]) : [];
    },
    column<T>(query: SQL): T[] {
      const { sql: text, params } = dialect.sqlToQuery(query);
      // The statement cache resets pluck on the next prepare of this text (cachePreparedStatements).
      return sqlite
        .prepare(text)
        .pluck(true)
        .all(...params) as T[];
    },
    close: () => sqlite.close(),
  };
}

/**
 * A function making a statement's raw row (an array) into the object better-sqlite3 would have
 * made: the same keys in the same order, a later column of the same name winning. One literal per
 * statement, so every row gets one hidden class, built at once instead of key by key. Made again
 * when the rows' width changes: SQLite re-prepares a cached `SELECT *` after its table gained a
 * column, and the statement's columns are read after the rows, once that has happened.
 */
const shapers = new WeakMap<Database.Statement, { width: number; shape: (row: unknown[]) => unknown }>();
function rowShaper(statement: Database.Statement, width: number): (row: unknown[]) => unknown {
  const known = shapers.get(statement);
  if (known?.width === width) return known.shape;
  const names = statement.columns().map((c) => c.name);
  const last = new Map(names.map((name, i) => [name, i]));
  const fields = [...last].map(([name, i]) => `${JSON.stringify(name)}: r[${i}]`);
  // Column names come from this repository's SQL; JSON.stringify quotes them as property keys.
  const shape = new Function('r', `return { ${fields.join(', ')} };`) as (row: unknown[]) => unknown;
  shapers.set(statement, { width, shape });
  return shape;
}

/**
 * Drizzle asks better-sqlite3 to compile every query again each time it runs
 * (~15% of a webhook's CPU in bench/webhook.ts). Statements are reusable, so
 * keep the most recent ones per SQL text, reset to plain mode since Drizzle
 * switches some to raw mode.
 */
function cachePreparedStatements(sqlite: Database.Database, capacity = 500) {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
      if (statement.reader) statement.raw(false).pluck(false).expand(false);
    } else {
      statement = prepare(source);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, statement);
    return statement;
  }) as typeof sqlite.prepare;
}
