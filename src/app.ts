// createPolaris(deps): the whole server — HTTP routes, the inbound dispatcher
// and the outbox — free of runtime imports, so the same code runs on Node
// (src/node.ts) and on Workers (src/worker.ts).
import { Hono, type Context } from 'hono';
import { AuthThrottle, clientAddress, defaultPeerAddress, type PeerAddress } from './auth-throttle';
import type { PlatformAdapter } from '../bots/types';
import type { Store } from '../storage/db';
import { createApi } from './api';
import { BodyTooLargeError, bodyLimit } from './body-limit';
import { ApiError, errorResponse } from './api/errors';
import { chatHandlers } from './chat/router';
import type { ChatHandlers } from './chat/context';
import { systemClock, type Clock } from './clock';
import { assertConfig, type Config } from './config';
import { createDispatcher, type Dispatch } from './inbound/dispatch';
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
  /** Wrong-credential counts to share with other app instances of this process (see src/worker.ts). */
  authThrottle?: AuthThrottle;
  /** The connecting peer's address (default: the Node socket, or Cloudflare's CF-Connecting-IP). */
  peerAddress?: PeerAddress;
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
  /** Wrong admin/ingest tokens per client address (429 past the limit). */
  authThrottle: AuthThrottle;
  /** The client's address for throttling (X-Forwarded-For only from TRUSTED_PROXIES). */
  clientOf(c: Context): string;
}

export interface AppEnv {
  Variables: { deps: Services };
}

export const VERSION = '0.1.0';

export function createPolaris(input: AppDeps) {
  // Whatever built the config (env, tests, the playground), the app never runs fail-open.
  assertConfig(input.config);
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
    authThrottle: input.authThrottle ?? new AuthThrottle(clock),
    clientOf: (c) => clientAddress(c, input.peerAddress ?? defaultPeerAddress, input.config.trustedProxies),
  };

  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', services);
    await next();
  });
  // Every body, every route: capped while it streams (src/body-limit.ts).
  app.use('*', bodyLimit());
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
    // The body cap (src/body-limit.ts) turns this into its 413; nothing to log.
    if (err instanceof BodyTooLargeError)
      return c.json({ error: { code: 'payload_too_large', message: err.message } }, 413);
    console.error('[polaris] unhandled error', err);
    return c.json({ error: { code: 'internal', message: 'Internal error; nothing was half-applied.' } }, 500);
  });
  return { app, services };
}

export function createApp(input: AppDeps) {
  return createPolaris(input).app;
}

export type PolarisApp = ReturnType<typeof createApp>;
