// createPolaris(deps): the whole server — HTTP routes, the inbound dispatcher
// and the outbox — free of runtime imports, so the same code runs on Node
// (src/node.ts) and on Workers (src/worker.ts).
import { Hono } from 'hono';
import type { PlatformAdapter } from '../bots/types';
import type { Store } from '../storage/db';
import { createApi } from './api';
import { ApiError, errorResponse } from './api/errors';
import { chatHandlers } from './chat/router';
import type { ChatHandlers } from './chat/context';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { healthReport } from './health';
import { createDispatcher, type Dispatch } from './inbound/dispatch';
import { randomInstance, type Instance } from './instance';
import { Inbox } from './inbound/inbox';
import { OutboxDeliverer } from './outbox/deliver';
import type { RateLimiter } from './outbox/rate-limit';
import { createAdapters } from './platforms';
import { webhookRoutes } from './webhooks';
import { dashboardRoutes } from './web';

export interface AppDeps {
  store: Store;
  config: Config;
  clock?: Clock;
  /** Keep work running after a response: Workers' waitUntil, or a tracked promise on Node. */
  defer?: (work: Promise<unknown>) => void;
  /** Defaults to the adapters for every platform configured in `config`. */
  adapters?: PlatformAdapter[];
  /** Rate-limit state to share with other app instances of this process (see src/worker.ts). */
  rateLimiters?: Map<string, RateLimiter>;
  handlers?: ChatHandlers;
  /** Deliver the outbox right after each event (default true; tests of crash recovery turn it off). */
  deliverImmediately?: boolean;
  /** This process, as job runs record it (src/node/instance.ts on Node; a random id by default). */
  instance?: Instance;
}

export interface Services {
  store: Store;
  config: Config;
  clock: Clock;
  defer: (work: Promise<unknown>) => void;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  outbox: OutboxDeliverer;
  /** Messages acknowledged to their platform, handled in the background. */
  inbox: Inbox;
  dispatch: Dispatch;
  instance: Instance;
}

export interface AppEnv {
  Variables: { deps: Services };
}

export const VERSION = '0.1.0';

export function createPolaris(input: AppDeps) {
  const clock = input.clock ?? systemClock;
  const defer =
    input.defer ??
    ((work: Promise<unknown>) => {
      work.catch((err) => console.error('[polaris] background task failed', err));
    });
  const adapters = new Map((input.adapters ?? createAdapters(input.config)).map((a) => [a.platform, a] as const));
  const outbox = new OutboxDeliverer({ store: input.store, adapters, clock, limiters: input.rateLimiters });
  const dispatch = createDispatcher({
    store: input.store,
    clock,
    config: input.config,
    adapters,
    handlers: input.handlers ?? chatHandlers,
    onOutbound: input.deliverImmediately === false ? undefined : () => defer(outbox.drain()),
  });
  const inbox = new Inbox({ store: input.store, clock, dispatch, log: (m, e) => console.error(`[polaris] ${m}`, e) });
  const services: Services = {
    store: input.store,
    config: input.config,
    clock,
    defer,
    adapters,
    outbox,
    inbox,
    dispatch,
    instance: input.instance ?? randomInstance(),
  };

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', services);
    await next();
  });
  // Liveness and backlog for monitoring (src/health.ts): 503 when the database is unusable.
  app.get('/healthz', async (c) => {
    const health = await healthReport(input.store, clock);
    const ok = health.database === 'ok';
    return c.json(
      {
        ok,
        version: VERSION,
        storage: input.store.kind,
        platforms: [...adapters.keys()],
        time: clock.now().toISOString(),
        ...health,
      },
      ok ? 200 : 503,
    );
  });
  app.route('/webhooks', webhookRoutes(adapters, dispatch, inbox));
  app.route('/api/v1', createApi());
  app.route('/dashboard', dashboardRoutes());

  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    console.error('[polaris] unhandled error', err);
    return c.json({ error: { code: 'internal', message: 'Internal error; nothing was half-applied.' } }, 500);
  });
  return { app, services };
}

export function createApp(input: AppDeps) {
  return createPolaris(input).app;
}

export type PolarisApp = ReturnType<typeof createApp>;
