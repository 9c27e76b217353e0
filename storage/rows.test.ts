// Store.rows (SQLite): a raw query's rows read as arrays and shaped in JS must be exactly what
// better-sqlite3's own row objects are, since every repository reading through allRows relies on it.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempStores } from '../test/helpers/app';
import { allRows, columnValues } from './db';
import { organizations } from './schema';

const store = tempStores();

describe('allRows on SQLite', () => {
  it('answers what better-sqlite3 answers: keys, their order, types, nulls, blobs and repeated names', async () => {
    const s = store();
    s.sqlite.exec(`INSERT INTO organizations (id, name, slug) VALUES ('o1', '组织"一"', 'o1'), ('o2', 'Org 2', 'o2')`);
    const queries = [
      sql`SELECT id, name AS "the name", slug, 1.5 AS half, NULL AS empty, x'00ff' AS bytes, 42 AS "7" FROM organizations ORDER BY id`,
      sql`SELECT id AS a, name AS b, slug AS a FROM organizations WHERE id = ${'o2'}`,
      sql`SELECT count(*), max(id) FROM organizations`,
      sql`SELECT id FROM organizations WHERE id IN (SELECT value FROM json_each(${JSON.stringify(['o1', 'missing'])}))`,
      sql`SELECT id FROM organizations WHERE id = ${'none'}`,
      sql`SELECT id AS "__proto__", name AS "constructor" FROM organizations ORDER BY id`,
    ];
    for (const q of queries) {
      const expected = s.db.all(q) as Record<string, unknown>[];
      const got = await allRows<Record<string, unknown>>(s, q);
      expect(got).toEqual(expected);
      expect(got.map((r) => Object.keys(r))).toEqual(expected.map((r) => Object.keys(r)));
      // A column named __proto__ is no own key in either, and leaves the prototype alone.
      expect(got.map((r) => Object.getPrototypeOf(r))).toEqual(expected.map((r) => Object.getPrototypeOf(r)));
    }
    expect((await allRows<{ a: string }>(s, queries[1]))[0].a).toBe('o2'); // the later `a` wins, as in better-sqlite3
  });

  it('leaves a statement it shares with a builder as the builder expects it', async () => {
    const s = store();
    s.sqlite.exec(`INSERT INTO organizations (id, name, slug) VALUES ('o1', 'One', 'o1')`);
    const text = s.db.select({ id: organizations.id }).from(organizations).toSQL().sql;
    // The same SQL text read raw (arrays) by the builder, then as objects here, then by the builder.
    expect(await s.db.select({ id: organizations.id }).from(organizations)).toEqual([{ id: 'o1' }]);
    expect(await allRows(s, sql.raw(text))).toEqual([{ id: 'o1' }]);
    expect(s.db.all(sql.raw(text))).toEqual([{ id: 'o1' }]);
    expect(await s.db.select({ id: organizations.id }).from(organizations)).toEqual([{ id: 'o1' }]);
  });

  it('follows a table that gained a column after its statement was cached', async () => {
    const s = store();
    s.sqlite.exec(`CREATE TABLE widened (a TEXT); INSERT INTO widened VALUES ('x')`);
    const all = sql`SELECT * FROM widened`;
    expect(await allRows(s, all)).toEqual([{ a: 'x' }]);
    s.sqlite.exec(`ALTER TABLE widened ADD COLUMN b INTEGER DEFAULT 7`);
    expect(s.db.all(all)).toEqual([{ a: 'x', b: 7 }]);
    expect(await allRows(s, all)).toEqual([{ a: 'x', b: 7 }]);
  });
});

describe('columnValues', () => {
  const queries = [
    sql`SELECT id FROM organizations ORDER BY id`,
    sql`SELECT name, id FROM organizations WHERE id = ${'o2'}`,
    sql`SELECT count(*) FROM organizations`,
    sql`SELECT NULL AS empty FROM organizations ORDER BY id`,
    sql`SELECT id FROM organizations WHERE id = ${'none'}`,
  ];

  it("answers each row's first column, on SQLite and through Drizzle (D1) alike", async () => {
    const s = store();
    s.sqlite.exec(`INSERT INTO organizations (id, name, slug) VALUES ('o1', '组织一', 'o1'), ('o2', 'Org 2', 'o2')`);
    const throughDrizzle = { ...s, column: undefined };
    const expected = [['o1', 'o2'], ['Org 2'], [2], [null, null], []];
    for (const [i, q] of queries.entries()) {
      expect(await columnValues(s, q)).toEqual(expected[i]);
      expect(await columnValues(throughDrizzle, q)).toEqual(expected[i]);
    }
  });

  it('leaves a statement it shares with other readers answering rows again', async () => {
    const s = store();
    s.sqlite.exec(`INSERT INTO organizations (id, name, slug) VALUES ('o1', 'One', 'o1')`);
    const text = s.db.select({ id: organizations.id }).from(organizations).toSQL().sql;
    expect(await columnValues(s, sql.raw(text))).toEqual(['o1']);
    expect(await allRows(s, sql.raw(text))).toEqual([{ id: 'o1' }]);
    expect(s.db.all(sql.raw(text))).toEqual([{ id: 'o1' }]);
    expect(await s.db.select({ id: organizations.id }).from(organizations)).toEqual([{ id: 'o1' }]);
    expect(await columnValues(s, sql.raw(text))).toEqual(['o1']);
  });
});
