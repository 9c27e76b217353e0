// Store.group on SQLite (storage/sqlite.ts): one write transaction around several atomic() calls,
// each a savepoint, durable together; a writer outside the group waits for its commit.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDbPath } from '../test/helpers/app';
import { organizations } from './schema';
import { isUniqueViolation } from './db';
import { openSqlite, type SqliteStore } from './sqlite';

let store: SqliteStore;
let other: Database.Database;
let cleanup: () => void;
afterEach(() => {
  other?.close();
  store?.close();
  cleanup?.();
});

function open() {
  const db = tempDbPath();
  cleanup = db.cleanup;
  store = openSqlite(db.path);
  // A second connection, as another process sees the file: only committed writes.
  other = new Database(db.path, { readonly: true });
  return store;
}

const org = (id: string) => store.db.insert(organizations).values({ id, name: id, slug: id, settings: {} });
const committed = () =>
  (other.prepare('SELECT id FROM organizations ORDER BY id').all() as { id: string }[]).map((r) => r.id);
const visible = async () =>
  (await store.db.select({ id: organizations.id }).from(organizations)).map((r) => r.id).sort();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Store.group (SQLite)', () => {
  it('commits the writes of every atomic() inside it at its end, each visible to the reads after it meanwhile', async () => {
    open();
    const seen = await store.group!(async () => {
      await store.atomic([org('a')]);
      await store.atomic([org('b')]);
      return { inside: await visible(), outside: committed() };
    });
    expect(seen).toEqual({ inside: ['a', 'b'], outside: [] });
    expect(committed()).toEqual(['a', 'b']);
  });

  it('keeps an atomic() inside all or nothing on its own: a failed one leaves the others of the group', async () => {
    open();
    await store.group!(async () => {
      await store.atomic([org('a')]);
      const failed = await store.atomic([org('c'), org('a')]).catch((error: unknown) => error);
      expect(isUniqueViolation(failed)).toBe(true);
      await store.atomic([org('d')]);
    });
    expect(committed()).toEqual(['a', 'd']);
  });

  it('rolls every write of the group back when its work throws', async () => {
    open();
    await expect(
      store.group!(async () => {
        await store.atomic([org('a')]);
        throw new Error('handler bug');
      }),
    ).rejects.toThrow('handler bug');
    expect(committed()).toEqual([]);
    expect(store.sqlite.inTransaction).toBe(false);
    await store.atomic([org('b')]);
    expect(committed()).toEqual(['b']);
  });

  it('makes a writer outside the group wait for its commit, even while the group waits on I/O', async () => {
    open();
    const order: string[] = [];
    const group = store.group!(async () => {
      await store.atomic([org('a')]);
      await sleep(30); // the loop turns: an acknowledgement's write arrives meanwhile
      order.push('group work done');
    });
    const outside = (async () => {
      await sleep(5);
      await store.atomic([org('z')]);
      order.push(`outside stored; committed then: ${committed().join(',')}`);
    })();
    await Promise.all([group, outside]);
    expect(order).toEqual(['group work done', 'outside stored; committed then: a,z']);
  });

  it('does not count work started inside one group as inside the next', async () => {
    open();
    let release!: () => void;
    const later = new Promise<void>((resolve) => {
      release = resolve;
    });
    let detached: Promise<string> | undefined;
    await store.group!(async () => {
      await store.atomic([org('a')]);
      // Started inside the group (as a reply wakes the outbox), writing after the group ended.
      detached = (async () => {
        await later;
        await store.atomic([org('late')]);
        return committed().join(',');
      })();
    });
    let second = false;
    const next = store.group!(async () => {
      await store.atomic([org('b')]);
      release();
      await sleep(30);
      second = true;
    });
    const seenByDetached = await detached!;
    expect(second).toBe(true);
    expect(seenByDetached).toBe('a,b,late');
    await next;
  });
});
