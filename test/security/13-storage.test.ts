// Item 13 of the security review: the SQLite file is private to its owner, `?q=%00` no
// longer matches everyone, and CSV output cannot smuggle spreadsheet formulas.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ADMIN_TOKEN, tempDbPath } from '../helpers/app';
import { openSqlite } from '../../storage/sqlite';
import { loadDemo } from '../../storage/seed/demo';
import { csvField, neutraliseCell, toCsv } from '../../src/api/csv';

describe('polaris.db permissions', () => {
  it('creates the database file with mode 0600 whatever the umask', () => {
    const db = tempDbPath();
    const old = process.umask(0o022);
    try {
      const store = openSqlite(db.path);
      store.close();
      expect(statSync(db.path).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
      db.cleanup();
    }
  });
});

describe('people search with control characters', () => {
  let h: ReturnType<typeof createTestApp>;
  beforeAll(async () => {
    h = createTestApp();
    await loadDemo(h.store, { now: h.clock.now() });
  });
  afterAll(() => h.close());

  it('refuses ?q=%00 on the API instead of listing everyone', async () => {
    const res = await h.api('GET', '/api/v1/people?q=%00', undefined, { 'x-polaris-org': 'demo' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/control characters/);
  });

  it('a normal search still finds by name', async () => {
    const res = await h.api('GET', `/api/v1/people?q=${encodeURIComponent('XH0001')}`, undefined, {
      'x-polaris-org': 'demo',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items.length).toBe(1);
  });

  it('the dashboard search finds nobody for %00 (and for a%00)', async () => {
    for (const q of ['%00', 'a%00', '%00%25']) {
      const res = await h.app.request(`/dashboard/data/search?q=${q}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { people: unknown[] }).people).toEqual([]);
    }
  });
});

describe('CSV formula neutralisation', () => {
  it('prefixes every formula-like text cell with an apostrophe', () => {
    for (const evil of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\r=1', '=HYPERLINK("https://evil.example")'])
      expect(neutraliseCell(evil).startsWith("'")).toBe(true);
    expect(neutraliseCell('家访次数')).toBe('家访次数');
    expect(neutraliseCell('a=b')).toBe('a=b');
  });

  it('builds rows that stay text in a spreadsheet, quoting where needed, numbers untouched', () => {
    const csv = toCsv(['name', 'note', 'value'], [['=cmd|" /C calc"!A0', '-5 老师, "ok"', -5]]);
    expect(csv).toBe('name,note,value\r\n"\'=cmd|"" /C calc""!A0","\'-5 老师, ""ok""",-5\r\n');
    expect(csvField(null)).toBe('');
  });
});
