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
  /** 'manual': nothing delivers the outbox by itself (tests of crash recovery drive it). */
  outbox?: 'auto' | 'manual';
}

export async function startNode(options: StartOptions = {}) {
  const config = { ...loadConfig(options.env ?? process.env), ...options.config };
  const store = openSqlite(config.databasePath);
  const inflight = new Set<Promise<unknown>>();
  const defer = (work: Promise<unknown>) => {
    const tracked = work.catch((err) => console.error('[polaris] background task failed', err)).finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };
  const manual = options.outbox === 'manual';
  const { app, services } = createPolaris({ store, config, defer, deliverImmediately: !manual });
  const log = (msg: string) => { if (!options.quiet) console.log(`[polaris] ${msg}`); };

  // Messages stored before a crash or restart go out now; retries as they fall due.
  const tick = () => defer(services.outbox.drain());
  if (!manual) tick();
  const outboxTimer = setInterval(() => { if (!manual) tick(); }, OUTBOX_INTERVAL_MS);
  outboxTimer.unref();

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port }, (info) => {
      log(`listening on http://localhost:${info.port} (SQLite at ${config.databasePath}; platforms: ${[...services.adapters.keys()].join(', ') || 'none configured'})`);
      resolve(s);
    });
  });
  // DingTalk Stream mode: a long-lived websocket instead of webhooks (Node only).
  const stream = config.dingtalk?.mode === 'stream'
    ? await (await import('../bots/dingtalk/stream')).startDingtalkStream({ config: config.dingtalk, dispatch: services.dispatch, onState: (s) => log(`dingtalk stream: ${s}`) })
    : undefined;

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    clearInterval(outboxTimer);
    await stream?.close();
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
