// createApp(deps): the whole HTTP surface, free of runtime imports so the same
// app runs on Node (src/node.ts) and on Workers (src/worker.ts).
import { Hono } from 'hono';
import type { Config } from './config';
import type { Store } from '../storage/db';
import { systemClock, type Clock } from './clock';
import { ApiError, errorResponse } from './api/errors';
import { createApi } from './api';

export interface AppDeps {
  store: Store;
  config: Config;
  clock?: Clock;
  /** Keep work running after a response: Workers' waitUntil, or a tracked promise on Node. */
  defer?: (work: Promise<unknown>) => void;
}

export interface AppEnv {
  Variables: { deps: Required<AppDeps> };
}

export const VERSION = '0.1.0';

export function createApp(input: AppDeps) {
  const deps: Required<AppDeps> = {
    clock: systemClock,
    defer: (work) => { work.catch((err) => console.error('[polaris] background task failed', err)); },
    ...input,
  };
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });

  app.get('/healthz', async (c) => {
    return c.json({ ok: true, version: VERSION, storage: deps.store.kind, time: deps.clock.now().toISOString() });
  });

  app.route('/api/v1', createApi());

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    console.error('[polaris] unhandled error', err);
    return c.json({ error: { code: 'internal', message: 'Internal error; the request changed nothing it could not finish.' } }, 500);
  });
  return app;
}

export type PolarisApp = ReturnType<typeof createApp>;
