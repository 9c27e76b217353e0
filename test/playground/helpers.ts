// Starts the Node server the way `npm start` does with no configuration (so it
// runs as the playground), on a free port with a fresh SQLite file.
import { startNode } from '../../src/node';
import { tempDbPath } from '../helpers/app';

export async function startPlayground(options: { dbPath?: string; env?: Record<string, string> } = {}) {
  const db = options.dbPath ? { path: options.dbPath, cleanup: () => {} } : tempDbPath();
  const server = await startNode({
    env: { ...options.env },
    config: { port: 0, databasePath: db.path },
    quiet: true,
    scheduler: false,
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    server,
    base,
    dbPath: db.path,
    get(path: string) {
      return fetch(`${base}${path}`);
    },
    post(path: string, body: unknown) {
      return fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    async stop(keepDb = false) {
      await server.stop();
      if (!keepDb) db.cleanup();
    },
  };
}

export type RunningPlayground = Awaited<ReturnType<typeof startPlayground>>;

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
