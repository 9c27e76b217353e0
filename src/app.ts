// createPolaris(deps): the whole server — HTTP routes, the inbound dispatcher
// and the outbox — free of runtime imports, so the same code runs on Node
// (src/node.ts) and on Workers (src/worker.ts).
import { Hono } from 'hono';
import { createApi } from './api';
import { AuthThrottle, clientAddress, defaultPeerAddress } from './auth-throttle';
import { BodyTooLargeError, bodyLimit } from './body-limit';
import { assertConfig } from './config';
import { ApiError, errorJson, errorResponse } from './api/errors';
import { t } from '../core/i18n';
import { chatHandlers } from './chat/router';
import { systemClock } from '../core/clock';
import { randomInstance } from '../core/instance';
import { healthReport } from './health';
import { mountFavicon } from './favicon';
import { createDispatcher } from './inbound/dispatch';
import { createSelfBinder } from './directory/self-bind';
import { createDirectoryChanges } from './directory/changes';
import { Inbox } from './inbound/inbox';
import { OutboxDeliverer } from './outbox/deliver';
import { WebhookDeliverer } from './outbound-webhooks/deliver';
import { createAdapters } from './platforms';
import { webhookRoutes } from './webhooks';
import { dashboardRoutes } from './web';
import { asCodedError, PolarisError } from '../core/errors';
import { log } from '../core/log';
import type { AppDeps, AppEnv, Services } from './services';

export type { AppDeps, AppEnv, Services };

export const VERSION = '0.1.0';

export function createPolaris(input: AppDeps) {
  // Whatever built the config (env, tests, the playground), the app never runs fail-open.
  assertConfig(input.config);
  const clock = input.clock ?? systemClock;
  const defer =
    input.defer ??
    ((work: Promise<unknown>) => {
      work.catch((err) => log.error('background task failed', { code: asCodedError(err).code, err }));
    });
  const adapters = new Map(
    (input.adapters ?? createAdapters(input.config, { fetch: input.platformFetch })).map(
      (a) => [a.platform, a] as const,
    ),
  );
  // Outbound webhooks are the outbox's 'webhook' channel; a pause notice to admins kicks the chat outbox.
  const webhooks = new WebhookDeliverer({ store: input.store, clock, adapters, onNotice: () => defer(outbox.drain()) });
  const outbox = new OutboxDeliverer({ store: input.store, adapters, clock, webhooks, runs: input.runs });
  const dispatch = createDispatcher({
    store: input.store,
    clock,
    config: input.config,
    adapters,
    handlers: input.handlers ?? chatHandlers,
    selfBind: createSelfBinder({ store: input.store, config: input.config, clock }),
    onOutbound: input.deliverImmediately === false ? undefined : () => defer(outbox.drain()),
  });
  const inbox = new Inbox({
    store: input.store,
    clock,
    dispatch,
    log: (m, e) => log.error(m, { err: e }),
    runs: input.runs,
  });
  const services: Services = {
    store: input.store,
    config: input.config,
    clock,
    defer,
    adapters,
    addressable: new Set(input.addressablePlatforms ?? adapters.keys()),
    outbox,
    webhooks,
    inbox,
    dispatch,
    instance: input.instance ?? randomInstance(),
    authThrottle: input.authThrottle ?? new AuthThrottle(clock),
    clientOf: (c) => clientAddress(c, input.peerAddress ?? defaultPeerAddress, input.config.trustedProxies),
    source: input.connectorSource,
  };
  services.directoryChanges = createDirectoryChanges({
    store: input.store,
    config: input.config,
    clock,
    defer,
    kick: input.deliverImmediately === false ? undefined : () => defer(outbox.drain()),
  });

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', services);
    await next();
  });
  // Every body, every route: capped while it streams (src/body-limit.ts).
  app.use('*', bodyLimit());
  // Liveness and backlog for monitoring (src/health.ts): 503 when the database is unusable.
  mountFavicon(app);
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

  app.notFound((c) => {
    const params = { method: c.req.method, path: c.req.path };
    return errorJson(c, 404, {
      code: 'not_found',
      message: t('en', 'apiError.noRoute', params),
      zh: t('zh-CN', 'apiError.noRoute', params),
    });
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    // The body cap (src/body-limit.ts) turns this into its 413; nothing to log.
    if (err instanceof BodyTooLargeError) return errorJson(c, 413, { code: 'payload_too_large', message: err.message });
    const coded = asCodedError(err);
    log.error(`unhandled error on ${c.req.method} ${c.req.path}`, { code: coded.code, err });
    // A Polaris error's message is written for the reader (a known misconfiguration says its fix);
    // anything else may hold internals and is not shown.
    const message =
      err instanceof PolarisError && err.code !== 'internal'
        ? err.message
        : 'Internal error; nothing was half-applied.';
    return errorJson(c, 500, { code: err instanceof PolarisError ? err.code : 'internal', message });
  });
  return { app, services };
}

export function createApp(input: AppDeps) {
  return createPolaris(input).app;
}

export type PolarisApp = ReturnType<typeof createApp>;
