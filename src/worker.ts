// Cloudflare Workers entry: the same app on D1. `scheduled()` serves the Cron
// Triggers in wrangler.toml: it runs the jobs woken by the trigger that fired
// (jobs/registry.ts, the same code node-cron runs on Node) and drains the inbox and the outbox.
import type { D1Database, ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { createApp, createPolaris } from './app';
import { loadConfig } from './config';
import { openD1 } from '../storage/d1';
import { runDueJobs } from '../jobs/registry';

export interface WorkerEnv {
  DB: D1Database;
  [key: string]: unknown;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const app = createApp({ store: openD1(env.DB), config: loadConfig(env), defer: (p) => ctx.waitUntil(p) });
    return app.fetch(request, env, ctx as never);
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { services } = createPolaris({ store: openD1(env.DB), config: loadConfig(env), defer: (p) => ctx.waitUntil(p) });
    const work = (async () => {
      const results = await runDueJobs(services, new Date(controller.scheduledTime), { cron: controller.cron, log: (m) => console.log(`[polaris] ${m}`) });
      for (const r of results) if (r.outcome !== 'already_done') console.log(`[polaris] job ${r.job} ${r.orgId} ${r.period}: ${r.outcome}`, r.stats);
      // Events whose handling was cut short, then messages of this run and retries that fell due;
      // what does not fit goes out on the next trigger.
      await services.inbox.drain();
      await services.outbox.drain();
    })();
    ctx.waitUntil(work);
    await work;
  },
};
