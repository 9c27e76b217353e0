// Cloudflare Workers entry: the same app on D1. `scheduled()` serves the Cron
// Triggers in wrangler.toml: it runs the jobs woken by the trigger that fired
// (src/jobs.ts, the same code node-cron runs on Node) and drains the inbox and the outbox.
import type { D1Database, ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import type { PlatformAdapter } from '../bots/types';
import { createApp, createPolaris, type AppDeps } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createAdapters } from './platforms';
import { AuthThrottle } from './auth-throttle';
import { systemClock } from '../core/clock';
import { openD1 } from '../storage/d1';
import { runDueJobs } from './jobs';

export interface WorkerEnv {
  DB: D1Database;
  [key: string]: unknown;
}

// The app is built per request (its background work must go to that request's
// waitUntil), but what is worth keeping lives as long as the isolate: the
// adapters, whose clients cache platform access tokens, and the wrong-token throttle. (Send rate limits live in the database.)
let isolate: { env: WorkerEnv; config: Config; adapters: PlatformAdapter[]; authThrottle: AuthThrottle } | undefined;

function deps(env: WorkerEnv, ctx: ExecutionContext): AppDeps {
  if (isolate?.env !== env) {
    const config = loadConfig(env);
    isolate = { env, config, adapters: createAdapters(config), authThrottle: new AuthThrottle(systemClock) };
  }
  const { config, adapters, authThrottle } = isolate;
  return { store: openD1(env.DB), config, adapters, authThrottle, defer: (p) => ctx.waitUntil(p) };
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let built: AppDeps;
    try {
      built = deps(env, ctx);
    } catch (error) {
      // A Worker cannot refuse to start: it refuses every request instead, and says why in the log only.
      if (!(error instanceof ConfigError)) throw error;
      console.error(`[polaris] ${error.message}`);
      return Response.json(
        { error: { code: 'misconfigured', message: 'The server is not configured safely; see its log.' } },
        { status: 503 },
      );
    }
    return createApp(built).fetch(request, env, ctx as never);
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { services } = createPolaris(deps(env, ctx));
    const work = (async () => {
      const results = await runDueJobs(services, new Date(controller.scheduledTime), {
        cron: controller.cron,
        log: (m) => console.log(`[polaris] ${m}`),
      });
      for (const r of results)
        if (r.outcome !== 'already_done')
          console.log(`[polaris] job ${r.job} ${r.orgId} ${r.period}: ${r.outcome}`, r.stats);
      // Events whose handling was cut short, then messages of this run and retries that fell due;
      // what does not fit goes out on the next trigger.
      await services.inbox.drain();
      await services.outbox.drain();
    })();
    ctx.waitUntil(work);
    await work;
  },
};
