// Cloudflare Workers entry: the same app on D1.
import type { D1Database, ExecutionContext } from '@cloudflare/workers-types';
import { createApp } from './app';
import { loadConfig } from './config';
import { openD1 } from '../storage/d1';

export interface WorkerEnv {
  DB: D1Database;
  [key: string]: unknown;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const app = createApp({ store: openD1(env.DB), config: loadConfig(env), defer: (p) => ctx.waitUntil(p) });
    return app.fetch(request, env, ctx as never);
  },
};
