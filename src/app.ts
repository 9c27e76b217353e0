// createPolaris(deps): the whole server — HTTP routes, the inbound dispatcher
// and the outbox — free of runtime imports, so the same code runs on Node
// (src/node.ts) and on Workers (src/worker.ts).
import { Hono } from 'hono';
import { createApi } from './api';
import { ApiError, errorResponse } from './api/errors';
import { chatHandlers } from './chat/router';
import { systemClock } from '../core/clock';
import { createDispatcher } from './inbound/dispatch';
import { createSelfBinder } from './directory/self-bind';
import { Inbox } from './inbound/inbox';
import { OutboxDeliverer } from './outbox/deliver';
import { createAdapters } from './platforms';
import { webhookRoutes } from './webhooks';
import { dashboardRoutes } from './web';
import type { AppDeps, AppEnv, Services } from './services';

export type { AppDeps, AppEnv, Services };

export const VERSION = '0.1.0';

export function createPolaris(input: AppDeps) {
  const clock = input.clock ?? systemClock;
  const defer =
    input.defer ??
    ((work: Promise<unknown>) => {
      work.catch((err) => console.error('[polaris] background task failed', err));
    });
  const adapters = new Map((input.adapters ?? createAdapters(input.config)).map((a) => [a.platform, a] as const));
  const outbox = new OutboxDeliverer({ store: input.store, adapters, clock });
  const dispatch = createDispatcher({
    store: input.store,
    clock,
    config: input.config,
    adapters,
    handlers: input.handlers ?? chatHandlers,
    selfBind: createSelfBinder({ store: input.store, config: input.config, clock }),
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
  };

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', services);
    await next();
  });
  app.get('/healthz', (c) =>
    c.json({
      ok: true,
      version: VERSION,
      storage: input.store.kind,
      platforms: [...adapters.keys()],
      time: clock.now().toISOString(),
    }),
  );
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
