// Hot queries built once per database and reused. Drizzle builds a query's SQL text from its
// builder objects every time it runs, and on the webhook path that costs several times what
// SQLite takes to run it (a person's identity join: ~400 µs built each time, ~60 µs prepared,
// on the bench machine). A prepared query takes its changing values through `sql.placeholder`
// and is built the first time a database asks for it (better-sqlite3 and D1 both prepare).
//
//   const dueEvent = preparedQuery((db) =>
//     db.select({ id: t.id }).from(t).where(eq(t.key, sql.placeholder('key'))).prepare());
//   const rows = await dueEvent(store.db).all({ key });
//
// Placeholders cannot stand for a list (`IN (?)` binds one value): pass a JSON array and
// match with `IN (SELECT value FROM json_each(?))`, or keep the builder for such a query.
import { is, Param, Placeholder, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { sqliteWrite, type Db, type Statement, type Store } from './db';

/** `build(db)` once per database: the same prepared query each time it is asked for. */
export function preparedQuery<T>(build: (db: Db) => T): (db: Db) => T {
  const byDb = new WeakMap<Db, T>();
  return (db) => {
    let query = byDb.get(db);
    if (query === undefined) {
      query = build(db);
      byDb.set(db, query);
    }
    return query;
  };
}

/**
 * A placeholder where Drizzle's types want a value (update `set`, insert `values`). It does take
 * one there: the builder wraps it in a parameter with the column's encoder (JSON columns are
 * stringified), filled when the prepared query runs.
 */
export function valueSlot<T>(name: string): T {
  return sql.placeholder(name) as unknown as T;
}

/**
 * `column IN (the list)` for a prepared query: the list is bound as one JSON array (pass
 * `JSON.stringify(ids)` for placeholder `name`), since a placeholder binds one value.
 */
export function inJsonList(column: SQLWrapper, name: string): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${sql.placeholder(name)}))`;
}

/** A prepared statement of raw SQL (with `sql.placeholder`s), answering its rows as objects. */
export interface PreparedSql<Row> {
  all(values: Record<string, unknown>): Row[] | Promise<Row[]>;
  run(values: Record<string, unknown>): unknown;
}

/**
 * Raw SQL prepared once per database, for statements the builders cannot express (an
 * `INSERT … SELECT … WHERE` without a table to select from). Drizzle prepares only builders
 * publicly; this asks the database's session the way `db.all(sql)` does, once instead of per call.
 */
export function preparedSql<Row>(db: Db, query: SQL): PreparedSql<Row> {
  const { session, dialect } = db as unknown as {
    session: { prepareQuery(q: unknown, fields: undefined, method: 'all' | 'run', arrayMode: boolean): unknown };
    dialect: { sqlToQuery(s: SQL): unknown };
  };
  return session.prepareQuery(dialect.sqlToQuery(query), undefined, 'all', false) as PreparedSql<Row>;
}

/** A builder of one write that `preparedWrite` can prepare (an insert, update or delete). */
type PreparableWrite = Statement & { prepare(): unknown };
/** Drizzle's prepared query as far as preparedWrite uses it (drizzle-orm/sqlite-core/session). */
interface PreparedWriteQuery {
  query: { params: unknown[] };
  run(values: Record<string, unknown>): unknown;
}

/**
 * A write for `atomic()` defined once, with its changing values named: `value('id')`.
 * - SQLite: the statement is prepared once per database and each call binds its values. Drizzle
 *   otherwise builds a builder's SQL text on every run, and the writes of a handled chat event
 *   (its dedupe claim, check-in, KR, audit row, reply, inbox row) spent about a tenth of the
 *   event's CPU being built.
 * - D1 (whose batch takes builders only): the builder with the values filled in.
 *
 * A value the builder gives to a column encoder (JSON columns) is encoded the same way on both;
 * null stays SQL NULL on both (Drizzle's placeholder filling would encode it, e.g. as the JSON
 * text 'null').
 */
export function preparedWrite<V extends Record<string, unknown>>(
  build: (db: Db, value: <K extends keyof V & string>(name: K) => V[K]) => PreparableWrite,
): (store: Store, values: V) => Statement {
  const prepared = preparedQuery((db) => {
    const query = build(db, (name) => valueSlot(name)).prepare() as PreparedWriteQuery;
    for (const p of query.query.params)
      if (is(p, Param) && is(p.value, Placeholder)) {
        const encoder = p.encoder;
        // This Param belongs to this one prepared query (built above), so changing it affects nothing else.
        if (encoder)
          (p as { encoder: typeof encoder }).encoder = {
            mapToDriverValue: (v: unknown) => (v === null ? null : encoder.mapToDriverValue(v)),
          };
      }
    return query;
  });
  return (store, values) => {
    if (store.kind !== 'sqlite') return build(store.db, (name) => values[name]);
    const query = prepared(store.db);
    return sqliteWrite(() => query.run(values));
  };
}
