// Node entry: embedded SQLite (migrated on open), the HTTP server, the outbox
// loop, and a graceful shutdown with a bound (SHUTDOWN_BOUND_MS):
// - stop accepting connections, but answer every request already received,
//   including those already written to open keep-alive connections (responses
//   from then on say `Connection: close`);
// - stop claiming: the inbox handles no further events, the outbox claims no
//   further rows (sends in flight finish; rows waiting for a rate-limit slot are
//   released), a job run stops before its next batch and releases its claim;
// - everything left stays in the database for the next start.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { serve } from '@hono/node-server';
import { createPolaris } from './app';
import { assertConfig, ConfigError, configWarnings, loadConfig, type Config } from './config';
import { openSqlite } from '../storage/sqlite';
import { PLAYGROUND_DEFAULT_HOST, playgroundRefusals, preparePlayground, wantsPlayground } from './playground';
import { startScheduler } from '../jobs/node-scheduler';
import { jobRegistry } from './jobs';
import { freePort } from './node/free-port';
import { asCodedError } from '../core/errors';
import { configureLogging, log, logOptionsFromEnv } from '../core/log';
import { nodeInstance } from './node/instance';
import type { Clock } from '../core/clock';
import { nodeCryptoProvider } from './node/crypto';
import { nodeFetch } from './node/http-fetch';
import { useCryptoProvider } from '../bots/common/crypto-provider';

const DRAIN_INTERVAL_MS = 1000;
/** A SIGTERM/SIGINT exits within this bound, whatever is still running. */
export const SHUTDOWN_BOUND_MS = 10_000;
/**
 * After the signal, connections are accepted until none came for ACCEPT_QUIET_MS (at once behind a
 * load balancer that has stopped routing to us), for at most the bound minus two seconds (a
 * platform still pushing, or a backlog an overloaded server has not accepted yet).
 */
const ACCEPT_QUIET_MS = 200;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextPoll = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** Bound on stop() (default SHUTDOWN_BOUND_MS); the graceful part gets all but the last second. */
  shutdownMs?: number;
  /** The app's clock (tests move it to make retries due; default the system clock). */
  clock?: Clock;
}

export async function startNode(options: StartOptions = {}) {
  // node:crypto for signatures and decryption: a fraction of WebCrypto's CPU per push on Node.
  useCryptoProvider(nodeCryptoProvider);
  const env = options.env ?? process.env;
  configureLogging(logOptionsFromEnv(env));
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
      .catch((err) => log.error('background task failed', { code: asCodedError(err).code, err }))
      .finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };
  const manual = options.outbox === 'manual';
  const { app, services } = createPolaris({
    store,
    config,
    defer,
    deliverImmediately: !manual,
    instance: nodeInstance(),
    clock: options.clock,
    // node:http for platform calls: a fraction of the built-in fetch's CPU per delivered message.
    platformFetch: nodeFetch,
  });
  const say = (msg: string) => {
    if (!options.quiet) log.info(msg);
  };
  for (const warning of configWarnings(config)) log.warn(warning);
  if (playground) {
    playground.mount(app);
    if (await playground.seed(services.clock.now())) say('empty database: loaded the demo org (星火教育集团)');
  }

  // Events acknowledged before a crash or restart are handled now, and messages stored before
  // it go out; after that, every second, whatever fell due (retries, backoffs).
  const tick = () => defer(services.inbox.drain().then(() => (manual ? undefined : services.outbox.drain())));
  tick();
  const drainTimer = setInterval(tick, DRAIN_INTERVAL_MS);
  drainTimer.unref();

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    // HOST unset: every interface for a configured server (it receives webhooks), loopback for the playground.
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
      say(
        `listening on ${config.host ?? 'all interfaces'} port ${info.port} (SQLite at ${config.databasePath}; platforms: ${[...services.adapters.keys()].join(', ') || 'none configured'})`,
      );
      if (playground) for (const line of playground.exposure(`http://localhost:${info.port}`)) say(line);
      if (playground && !loaded.adminToken)
        say(
          `dashboard: http://localhost:${info.port}/dashboard/login with the admin token generated for this run: ${config.adminToken} (set ADMIN_TOKEN to choose your own)`,
        );
      resolve(s);
    });
    // A taken port is a start-up failure the caller sees (and the CLI prints), not an uncaught exception.
    s.once('error', (error: NodeJS.ErrnoException) => {
      clearInterval(drainTimer);
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${config.port} is already in use: stop the other server or set PORT to a free port`)
          : error,
      );
    });
  });
  // Platform set-up that must precede their pushes (DingTalk HTTP mode registers its card callback URL).
  for (const adapter of services.adapters.values())
    if (adapter.start)
      defer(
        adapter.start().catch((error: unknown) => {
          log.error(
            `${adapter.platform}: start-up registration failed, will retry before the first card: ${(error as Error).message}`,
            { platform: adapter.platform, code: asCodedError(error).code },
          );
        }),
      );
  // DingTalk Stream mode: a long-lived websocket instead of webhooks (Node only).
  const stream =
    config.dingtalk?.mode === 'stream'
      ? await (await import('../bots/dingtalk/stream')).startDingtalkStream({
          config: config.dingtalk,
          dispatch: services.dispatch,
          onState: (s) => say(`dingtalk stream: ${s}`),
          onDirectoryChange: (change) => services.directoryChanges?.changed(change),
        })
      : undefined;

  // Digests, reminders, the adjustment sweep and rule evaluation, on node-cron (src/jobs.ts).
  const scheduler =
    options.scheduler === false
      ? undefined
      : startScheduler(services, jobRegistry, { log: options.quiet ? () => {} : say });

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  // Responses in progress, so that a shutdown can tell their clients not to reuse the connection.
  const http = server as Server;
  const open = new Set<ServerResponse>();
  let draining = false;
  let connections = 0;
  http.on('connection', () => connections++);
  http.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close');
    open.add(res);
    res.on('close', () => open.delete(res));
  });

  const bound = options.shutdownMs ?? SHUTDOWN_BOUND_MS;
  let stopping: Promise<{ clean: boolean; ms: number }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const started = Date.now();
      draining = true;
      for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
      clearInterval(drainTimer);
      // Background work stops claiming now; what it holds finishes (or is released) below.
      const background = Promise.allSettled([
        stream?.close(),
        scheduler?.stop(),
        services.inbox.stop(),
        services.outbox.stop(),
      ]);
      let idleSweep: ReturnType<typeof setInterval> | undefined;
      const httpDone = (async () => {
        // Requests already on their way are still taken (each answered with `Connection: close`):
        // connections the kernel has queued are accepted until none came for ACCEPT_QUIET_MS (at
        // most until two seconds before the bound), and requests written to open keep-alive
        // connections are read.
        // Each decision is taken after a poll phase (setImmediate), never from a timer callback
        // that runs before the poll phase when the event loop has been busy.
        const windowEnd = started + Math.max(ACCEPT_QUIET_MS, bound - 2000);
        let seen = connections;
        let quietSince = Date.now();
        for (;;) {
          await sleep(ACCEPT_QUIET_MS / 4);
          await nextPoll();
          if (connections !== seen) {
            seen = connections;
            quietSince = Date.now();
          }
          if (Date.now() - quietSince >= ACCEPT_QUIET_MS || Date.now() >= windowEnd) break;
        }
        // Stop listening without http.Server.close()'s closeIdleConnections(): an "idle"
        // connection may hold a request that has not been read yet.
        say(
          `shutdown: listener closed after ${Date.now() - started} ms (${connections} connections, ${open.size} requests open)`,
        );
        const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(http, () => resolve()));
        const closeIdle = () => setImmediate(() => http.closeIdleConnections());
        closeIdle();
        idleSweep = setInterval(closeIdle, 50);
        await closed;
      })();
      void background.then(() => say(`shutdown: background stopped after ${Date.now() - started} ms`));
      void httpDone.then(() => say(`shutdown: connections closed after ${Date.now() - started} ms`));
      const finished = Promise.all([background, httpDone]).then(() => Promise.allSettled([...inflight]));
      const graceful = Math.max(ACCEPT_QUIET_MS * 2, bound - 1000);
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const clean = await Promise.race([
        finished.then(() => true),
        new Promise<false>((resolve) => (deadline = setTimeout(() => resolve(false), graceful))),
      ]);
      clearTimeout(deadline);
      clearInterval(idleSweep);
      if (!clean) {
        http.closeAllConnections();
        const released = await services.outbox.releaseClaimed().catch(() => 0);
        say(
          `shutdown: still busy after ${graceful} ms; released ${released} outbox rows in flight, leaving the rest to the next start`,
        );
      }
      playground?.close();
      store.close();
      const ms = Date.now() - started;
      say(`stopped in ${ms} ms`);
      return { clean, ms };
    })());
  return { app, services, store, config, server, port, playground, scheduler, url: `http://localhost:${port}`, stop };
}

/** The server as a command: start, and shut down cleanly on SIGINT/SIGTERM (npm start, scripts/start.mjs). */
export async function runMain(): Promise<void> {
  const running = await startNode().catch((error: unknown) => {
    // A configuration that cannot run safely: say which variable to fix, without a stack trace.
    if (error instanceof ConfigError) {
      log.error(`cannot start: ${error.message}`, { code: error.code });
      process.exit(1);
    }
    throw error;
  });
  let signals = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (++signals > 1) {
        log.error(`${sig} again: exiting now`);
        process.exit(1);
      }
      log.info(`${sig}: shutting down (within ${SHUTDOWN_BOUND_MS / 1000} s)`);
      // Whatever happens in stop(), the process is gone by the bound.
      setTimeout(() => {
        log.error('shutdown bound reached: exiting');
        process.exit(1);
      }, SHUTDOWN_BOUND_MS).unref();
      void running.stop().then(
        () => process.exit(0),
        (error) => {
          log.error('shutdown failed', { err: error });
          process.exit(1);
        },
      );
    });
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) await runMain();
