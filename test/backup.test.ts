// `npx polaris backup <file>` while the database is being written, then the
// documented restore: the copy opens, passes integrity_check, holds every row
// committed before the backup started, and a server starts on it.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backup } from '../src/cli';
import { newId } from '../storage/ids';
import { organizations, people } from '../storage/schema';
import { openSqlite } from '../storage/sqlite';
import { startNode } from '../src/node';
import { tempDbPath } from './helpers/app';

const BIN = join(import.meta.dirname, '..', 'bin', 'polaris.mjs');

function polaris(args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

// Spawns the CLI (tsx) several times, which can exceed the default 20 s on a loaded machine.
describe('polaris backup', { timeout: 120_000 }, () => {
  it('copies the database consistently while it is written, and the copy restores', async () => {
    const db = tempDbPath();
    cleanups.push(db.cleanup);
    const store = openSqlite(db.path);
    cleanups.push(() => store.close());
    const orgId = newId('org');
    await store.db.insert(organizations).values({ id: orgId, name: 'Acme', slug: 'acme' });
    // Enough rows that the copy takes many pages.
    const before = 3000;
    store.sqlite.transaction(() => {
      for (let i = 0; i < before; i++)
        store.sqlite
          .prepare('INSERT INTO people (id, org_id, external_id, name) VALUES (?, ?, ?, ?)')
          .run(newId('p'), orgId, `e${i}`, `person ${i} ${'x'.repeat(200)}`);
    })();

    // A writer keeps committing while the backup runs (the server's traffic).
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await store.db.insert(people).values({ id: newId('p'), orgId, externalId: `w${written}`, name: 'w' });
        written++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const target = join(db.path, '..', 'backup.db');
    const result = await polaris(['backup', target], { DATABASE_PATH: db.path });
    writing = false;
    await writer;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('integrity ok');
    expect(written).toBeGreaterThan(0);

    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = (copy.prepare('SELECT count(*) AS n FROM people').get() as { n: number }).n;
    const writes = (copy.prepare("SELECT count(*) AS n FROM people WHERE external_id LIKE 'w%'").get() as { n: number })
      .n;
    // Every row from before, and a consistent prefix of the concurrent writes (w0 … w<n-1>, no gaps).
    expect(rows).toBe(before + writes);
    if (writes)
      expect(
        (copy.prepare(`SELECT count(*) AS n FROM people WHERE external_id = 'w${writes - 1}'`).get() as { n: number })
          .n,
      ).toBe(1);
    copy.close();
    expect(existsSync(`${target}-wal`)).toBe(false);

    // Never overwrites (the CLI's function, in process: the same code without another tsx start).
    expect(await backup(target, db.path)).toBe(1);

    // Restore as documented: copy the file into place (no -wal/-shm beside it) and start the server on it.
    const restored = tempDbPath();
    cleanups.push(restored.cleanup);
    copyFileSync(target, restored.path);
    const server = await startNode({
      env: {},
      config: { port: 0, databasePath: restored.path },
      quiet: true,
      outbox: 'manual',
      scheduler: false,
      playground: false,
    });
    try {
      const health = await (await fetch(`${server.url}/healthz`)).json();
      expect(health).toMatchObject({ ok: true, database: 'ok' });
      expect((await server.store.db.select().from(people)).length).toBe(before + writes);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('refuses an existing target, a missing database or no target name, and writes nothing', async () => {
    const db = tempDbPath();
    cleanups.push(db.cleanup);
    const target = join(db.path, '..', 'never.db');
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    try {
      expect(await backup(target, db.path)).toBe(1);
      expect(existsSync(target)).toBe(false);
      expect(await backup(undefined, db.path)).toBe(1);
      writeFileSync(target, 'something precious');
      openSqlite(db.path).close();
      expect(await backup(target, db.path)).toBe(1);
      expect(readFileSync(target, 'utf8')).toBe('something precious');
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toContain('no database at');
    expect(errors[1]).toContain('name the file to write');
    expect(errors[2]).toContain('already exists');
  });
});
