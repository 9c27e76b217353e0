// Node entry: embedded SQLite (migrated on open), the HTTP server, the outbox
// loop, and graceful shutdown that finishes in-flight work before closing.
import { serve } from '@hono/node-server';
import { createPolaris } from './app';
import { assertConfig, ConfigError, configWarnings, loadConfig, type Config } from './config';
import { openSqlite } from '../storage/sqlite';
import { PLAYGROUND_DEFAULT_HOST, playgroundRefusals, preparePlayground, wantsPlayground } from './playground';
import { startScheduler } from '../jobs/node-scheduler';
import { jobRegistry } from './jobs';
import { freePort } from './node/free-port';

const DRAIN_INTERVAL_MS = 1000;

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Override parts of the config derived from env (tests, playground). */
  config?: Partial<Config>;
  quiet?: boolean;
  /** 'manual': nothing delivers the outbox by itself (tests of crash recovery drive it). */
  outbox?: 'auto' | 'manual';
  /** false: no scheduled jobs (tests that drive jobs by hand). */
  scheduler?: boolean;
  /** false: never run as the playground, even when no platform is configured. */
  playground?: boolean;
}

export async function startNode(options: StartOptions = {}) {
  const env = options.env ?? process.env;
  // A configuration that would accept unauthenticated input or guessable tokens stops here (ConfigError).
  const loaded = assertConfig({ ...loadConfig(env), ...options.config });
  const store = openSqlite(loaded.databasePath);
  // No platform credentials: the playground (src/playground) emulates all three platforms in this process.
  const wanted = options.playground !== false && wantsPlayground(loaded, env);
  if (wanted) {
    const refusals = await playgroundRefusals({ store, host: loaded.host ?? PLAYGROUND_DEFAULT_HOST, env });
    if (refusals.length) {
      store.close();
      throw new ConfigError(refusals);
    }
  }
  const playground = wanted
    ? preparePlayground({ config: { ...loaded, port: loaded.port || (await freePort()) }, store, env })
    : undefined;
  const config = playground?.config ?? loaded;
  const inflight = new Set<Promise<unknown>>();
  const defer = (work: Promise<unknown>) => {
    const tracked = work
      .catch((err) => console.error('[polaris] background task failed', err))
      .finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };
  const manual = options.outbox === 'manual';
  const { app, services } = createPolaris({ store, config, defer, deliverImmediately: !manual });
  const log = (msg: string) => {
    if (!options.quiet) console.log(`[polaris] ${msg}`);
  };
  for (const warning of configWarnings(config)) console.warn(`[polaris] ${warning}`);
  if (playground) {
    playground.mount(app);
    if (await playground.seed(services.clock.now())) log('empty database: loaded the demo org (星火教育集团)');
  }

  // Events acknowledged before a crash or restart are handled now, and messages stored before
  // it go out; after that, every second, whatever fell due (retries, backoffs).
  const tick = () => defer(services.inbox.drain().then(() => (manual ? undefined : services.outbox.drain())));
  tick();
  const drainTimer = setInterval(tick, DRAIN_INTERVAL_MS);
  drainTimer.unref();

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    // HOST unset: every interface for a configured server (it receives webhooks), loopback for the playground.
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      log(
        `listening on ${config.host ?? 'all interfaces'} port ${info.port} (SQLite at ${config.databasePath}; platforms: ${[...services.adapters.keys()].join(', ') || 'none configured'})`,
      );
      if (playground) for (const line of playground.exposure(`http://localhost:${info.port}`)) log(line);
      if (playground && !loaded.adminToken)
        log(
          `dashboard: http://localhost:${info.port}/dashboard/login with the admin token generated for this run: ${config.adminToken} (set ADMIN_TOKEN to choose your own)`,
        );
      resolve(s);
    });
  });
  // Platform set-up that must precede their pushes (DingTalk HTTP mode registers its card callback URL).
  for (const adapter of services.adapters.values())
    if (adapter.start)
      defer(
        adapter.start().catch((error: unknown) => {
          console.error(
            `[polaris] ${adapter.platform}: start-up registration failed, will retry before the first card: ${(error as Error).message}`,
          );
        }),
      );
  // DingTalk Stream mode: a long-lived websocket instead of webhooks (Node only).
  const stream =
    config.dingtalk?.mode === 'stream'
      ? await (await import('../bots/dingtalk/stream')).startDingtalkStream({
          config: config.dingtalk,
          dispatch: services.dispatch,
          onState: (s) => log(`dingtalk stream: ${s}`),
        })
      : undefined;

  // Digests, reminders, the adjustment sweep and rule evaluation, on node-cron (src/jobs.ts).
  const scheduler =
    options.scheduler === false
      ? undefined
      : startScheduler(services, jobRegistry, { log: options.quiet ? () => {} : log });

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(drainTimer);
      await stream?.close();
      await scheduler?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive clients would otherwise hold the server open; requests in flight still finish.
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      await closed;
      await Promise.allSettled([...inflight]);
      playground?.close();
      store.close();
    })());
  return { app, services, store, config, server, port, playground, scheduler, url: `http://localhost:${port}`, stop };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const running = await startNode().catch((error: unknown) => {
    // A configuration that cannot run safely: say which variable to fix, without a stack trace.
    if (error instanceof ConfigError) {
      console.error(`[polaris] cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      void running.stop().then(() => process.exit(0));
    });
  }
}
