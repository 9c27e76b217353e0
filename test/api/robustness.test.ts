// Auth, garbage bodies at every write endpoint, and concurrent writers on one SQLite file.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { fixedClock } from '../../core/clock';
import { openSqlite } from '../../storage/sqlite';
import { ADMIN_TOKEN, createTestApp, tempDbPath } from '../helpers/app';
import * as schema from '../../storage/schema';

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

function app() {
  const t = createTestApp();
  closers.push(() => t.close());
  return t;
}

describe('authentication', () => {
  it('401 without or with a wrong token, naming the header', async () => {
    const t = app();
    const none = await t.app.request('/api/v1/people');
    expect(none.status).toBe(401);
    expect((await none.json()).error.message).toMatch(/Authorization: Bearer/);
    const wrong = await t.app.request('/api/v1/people', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.message).toMatch(/Authorization/);
    const post = await t.app.request('/api/v1/people/import', {
      method: 'POST',
      body: '[]',
      headers: { 'content-type': 'application/json' },
    });
    expect(post.status).toBe(401);
  });

  it('404 for an unknown X-Polaris-Org', async () => {
    const t = app();
    expect((await t.api('GET', '/api/v1/people', undefined, { 'X-Polaris-Org': 'nope' })).status).toBe(404);
  });
});

const GARBAGE: { name: string; body: BodyInit | undefined; type?: string }[] = [
  { name: 'empty', body: '' },
  { name: 'whitespace', body: '   \n ' },
  { name: 'invalid json', body: '{"name": ' },
  { name: 'trailing comma', body: '{"name":"x",}' },
  { name: 'null', body: 'null' },
  { name: 'number', body: '42' },
  { name: 'string', body: '"hello"' },
  { name: 'array', body: '[1,2,3]' },
  { name: 'array of arrays', body: '[[1],[2]]' },
  { name: 'empty object', body: '{}' },
  {
    name: 'huge numbers',
    body: '{"value":1e400,"target_value":1e400,"start_value":-1e400,"starts_on":1e400,"name":1e400,"title":1e400}',
  },
  {
    name: 'NaN strings',
    body: '{"value":"NaN","target_value":"Infinity","confidence":"NaN","name":"NaN","starts_on":"NaN","ends_on":"NaN","owner_type":"NaN"}',
  },
  {
    name: 'nested junk',
    body: JSON.stringify({
      name: { a: [{ b: null }] },
      title: [[[]]],
      value: { $gt: 1 },
      key_results: [{ __proto__: { x: 1 } }, 'x', null],
      owner_type: ['company'],
      external_id: {},
    }),
  },
  { name: 'prototype pollution', body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}}}' },
  { name: 'deep nesting', body: '['.repeat(5000) + ']'.repeat(5000) },
  { name: 'binary', body: new Uint8Array([0, 255, 254, 1, 2, 0x80, 0xc3, 0x28, 0x7b]) },
  { name: 'binary csv', body: new Uint8Array([0xff, 0xfe, 0, 0, 0x22, 0x22, 0x22]), type: 'text/csv' },
  { name: 'csv with broken quotes', body: 'external_id,name\n"a,b\nc', type: 'text/csv' },
  { name: 'xml', body: '<xml><a>1</a></xml>', type: 'application/xml' },
  { name: 'form', body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
  { name: 'no content type', body: '{"name":"x"}', type: '' },
  { name: 'too large', body: JSON.stringify({ name: 'x'.repeat(11 * 1024 * 1024) }) },
];

async function snapshot(store: ReturnType<typeof createTestApp>['store']) {
  const tables = [
    schema.people,
    schema.identities,
    schema.teams,
    schema.cycles,
    schema.objectives,
    schema.keyResults,
    schema.checkIns,
    schema.auditLog,
  ];
  const out: number[] = [];
  for (const table of tables) out.push((await store.db.select({ n: count() }).from(table))[0].n);
  return out;
}

describe('garbage bodies', () => {
  it('every write endpoint answers 4xx and changes nothing', async () => {
    const t = app();
    await t.api('POST', '/api/v1/people/import', [{ external_id: 'A', name: 'A', team: 'T' }]);
    const person = (await (await t.api('GET', '/api/v1/people')).json()).items[0];
    const cycle = await (
      await t.api('POST', '/api/v1/cycles', { name: 'Q', starts_on: '2026-10-01', ends_on: '2026-12-31' })
    ).json();
    const obj = await (
      await t.api('POST', '/api/v1/objectives', {
        title: 'o',
        owner_type: 'company',
        key_results: [{ title: 'k', target_value: 5 }],
      })
    ).json();
    expect(cycle.id && obj.id).toBeTruthy();
    const endpoints: [string, string][] = [
      ['POST', '/api/v1/people/import'],
      ['PATCH', `/api/v1/people/${person.id}`],
      ['POST', '/api/v1/teams'],
      ['POST', '/api/v1/cycles'],
      ['POST', '/api/v1/objectives'],
      ['PATCH', `/api/v1/objectives/${obj.id}`],
      ['POST', `/api/v1/key-results/${obj.key_results[0].id}/check-ins`],
    ];
    const before = await snapshot(t.store);
    const failures: string[] = [];
    for (const [method, path] of endpoints) {
      for (const g of GARBAGE) {
        const headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_TOKEN}` };
        const type = g.type ?? 'application/json';
        if (type) headers['content-type'] = type;
        const res = await t.app.request(path, { method, headers, body: g.body });
        // An empty object is a valid PATCH ("change nothing"); everything else must be refused.
        const emptyPatch = method === 'PATCH' && g.name === 'empty object';
        if (emptyPatch ? res.status !== 200 : res.status < 400 || res.status >= 500)
          failures.push(`${method} ${path} <- ${g.name}: ${res.status}`);
        const json = await res.json();
        if (!emptyPatch && !json.error?.code) failures.push(`${method} ${path} <- ${g.name}: no error shape`);
      }
    }
    expect(failures).toEqual([]);
    const after = await snapshot(t.store);
    // Only the two empty PATCHes wrote (an audit entry each).
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)).toBe(before.at(-1)! + 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('concurrency on one SQLite file', () => {
  // A real second process: better-sqlite3 is synchronous, so two instances in
  // one thread would never contend for the write lock. WAL + busy_timeout must.
  function runWriter(dbPath: string, mode: 'checkins' | 'import', arg: string): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const script = fileURLToPath(new URL('./support/writer.ts', import.meta.url));
      execFile(
        process.execPath,
        ['--import', 'tsx', script, dbPath, ADMIN_TOKEN, mode, arg],
        { timeout: 60_000 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`${err.message}\n${stderr}`));
          else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
        },
      );
    });
  }

  it('two processes importing and checking in on the same file both succeed', async () => {
    const db = tempDbPath();
    const store = openSqlite(db.path);
    closers.push(() => {
      store.close();
      db.cleanup();
    });
    const app = createApp({ store, config: loadConfig({ ADMIN_TOKEN }), clock: fixedClock('2026-11-27T02:00:00Z') });
    const call = (method: string, path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          Authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'X-Polaris-Org': 'default',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // The first call without X-Polaris-Org creates the "default" org both processes then name.
    expect((await app.request('/api/v1/people', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(
      200,
    );
    await call('POST', '/api/v1/cycles', { name: 'Q', starts_on: '2026-10-01', ends_on: '2026-12-31' });
    const obj = await (
      await call('POST', '/api/v1/objectives', {
        title: 'o',
        owner_type: 'company',
        key_results: [{ title: 'k', target_value: 100 }],
      })
    ).json();
    const krId = obj.key_results[0].id;

    let otherDone = false;
    const other = Promise.all([runWriter(db.path, 'checkins', krId), runWriter(db.path, 'import', 'b')]).finally(() => {
      otherDone = true;
    });
    const mine: number[] = [];
    const rows = Array.from({ length: 2000 }, (_, i) => ({ external_id: `a${i}`, name: `a${i}`, team: 'a-team' }));
    // Keep writing until the other processes are done, so the writes overlap.
    let round = 0;
    for (; !otherDone || round < 30; round++) {
      // Within the KR's 0→100 range: far larger values would ask for confirmation (422).
      mine.push((await call('POST', `/api/v1/key-results/${krId}/check-ins`, { value: round % 100 })).status);
      if (round % 10 === 0) mine.push((await call('POST', '/api/v1/people/import', rows)).status);
      await new Promise((r) => setTimeout(r, 10));
    }
    const [checkinStatuses, importStatuses] = await other;
    expect(checkinStatuses).toEqual(Array(40).fill(201));
    expect(importStatuses).toEqual([200, 200, 200]);
    expect(mine.every((s) => s === 200 || s === 201)).toBe(true);
    const [people] = await store.db.select({ n: count() }).from(schema.people);
    expect(people.n).toBe(4000);
    const [checkIns] = await store.db.select({ n: count() }).from(schema.checkIns);
    expect(checkIns.n).toBe(40 + round);
  });
});
