// Test harness: a real SQLite file (migrated exactly as on Node start) and the
// app wired to it, driven through app.request().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppDeps } from '../../src/app';
import { loadConfig } from '../../src/config';
import { fixedClock } from '../../core/clock';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { afterEach } from 'vitest';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export function tempDbPath(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'polaris-test-'));
  return { path: join(dir, 'polaris.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Opens a fresh migrated SQLite store per call; each is closed and its file removed after the test
 * that opened it. Call once at the top of a test file.
 */
export function tempStores(): () => SqliteStore {
  const open: { store: SqliteStore; cleanup(): void }[] = [];
  afterEach(() => {
    for (const { store, cleanup } of open.splice(0)) {
      store.close();
      cleanup();
    }
  });
  return () => {
    const db = tempDbPath();
    const store = openSqlite(db.path);
    open.push({ store, cleanup: db.cleanup });
    return store;
  };
}

export function createTestApp(options: { env?: Record<string, string>; now?: string; deps?: Partial<AppDeps> } = {}) {
  const db = tempDbPath();
  const store = openSqlite(db.path);
  const clock = fixedClock(options.now ?? '2026-11-27T02:00:00Z');
  const config = loadConfig({ ADMIN_TOKEN, ...options.env });
  const pending: Promise<unknown>[] = [];
  const app = createApp({
    store,
    config,
    clock,
    defer: (p) => {
      pending.push(p);
    },
    ...options.deps,
  });
  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  return {
    app,
    store,
    clock,
    config,
    /** Waits for work the app deferred past its responses. */
    async settle() {
      while (pending.length) await pending.shift();
    },
    api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const init: RequestInit = { method, headers: { ...auth, ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
        if (!headers['content-type']) (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      return app.request(path, init);
    },
    close() {
      store.close();
      db.cleanup();
    },
  };
}
