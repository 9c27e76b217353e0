// Node entry: embedded SQLite (migrated on open), the HTTP server, the outbox
// loop, and graceful shutdown that finishes in-flight work before closing.
import { serve } from '@hono/node-server';
import { createPolaris } from './app';
import { loadConfig, type Config } from './config';
import { openSqlite } from '../storage/sqlite';

const OUTBOX_INTERVAL_MS = 1000;

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Override parts of the config derived from env (tests, playground). */
  config?: Partial<Config>;
  quiet?: boolean;
}

export async function startNode(options: StartOptions = {}) {
  const config = { ...loadConfig(options.env ?? process.env), ...options.config };
  const store = openSqlite(config.databasePath);
  const inflight = new Set<Promise<unknown>>();
  const defer = (work: Promise<unknown>) => {
    const tracked = work.catch((err) => console.error('[polaris] background task failed', err)).finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };
  const { app, services } = createPolaris({ store, config, defer });
  const log = (msg: string) => { if (!options.quiet) console.log(`[polaris] ${msg}`); };

  // Messages stored before a crash or restart go out now; retries as they fall due.
  const tick = () => defer(services.outbox.drain());
  tick();
  const outboxTimer = setInterval(tick, OUTBOX_INTERVAL_MS);
  outboxTimer.unref();

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port }, (info) => {
      log(`listening on http://localhost:${info.port} (SQLite at ${config.databasePath}; platforms: ${[...services.adapters.keys()].join(', ') || 'none configured'})`);
      resolve(s);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    clearInterval(outboxTimer);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([...inflight]);
    store.close();
  })());
  return { app, services, store, config, server, port, url: `http://localhost:${port}`, stop };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const running = await startNode();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => { void running.stop().then(() => process.exit(0)); });
  }
}
