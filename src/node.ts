// Node entry: embedded SQLite, migrations on start, HTTP server.
import { serve } from '@hono/node-server';
import { loadConfig } from './config';
import { createApp } from './app';
import { openSqlite } from '../storage/sqlite';

export async function startNode(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(env);
  const store = openSqlite(config.databasePath);
  const app = createApp({ store, config });
  const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
    console.log(`[polaris] listening on http://localhost:${info.port} (SQLite at ${config.databasePath})`);
  });
  const stop = () => {
    server.close();
    store.close();
  };
  return { app, store, config, server, stop };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/node.ts')) {
  const running = await startNode();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { running.stop(); process.exit(0); });
}
