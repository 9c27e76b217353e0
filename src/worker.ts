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
import { SharedRuns } from '../core/shared-runs';
import { openD1 } from '../storage/d1';
import { runDueJobs } from './jobs';
import { configureLogging, log, logOptionsFromEnv } from '../core/log';

export interface WorkerEnv {
  DB: D1Database;
  [key: string]: unknown;
}

// The app is built per request (its background work must go to that request's
// waitUntil), but what is worth keeping lives as long as the isolate: the
// adapters, whose clients cache platform access tokens, the wrong-token throttle, and the inbox and
// outbox drains, so that a burst of pushes runs one drain of each instead of one per push
// (core/shared-runs.ts). (Send rate limits live in the database.)
let isolate:
  | { env: WorkerEnv; config: Config; adapters: PlatformAdapter[]; authThrottle: AuthThrottle; runs: SharedRuns }
  | undefined;

function deps(env: WorkerEnv, ctx: ExecutionContext): AppDeps {
  if (isolate?.env !== env) {
    configureLogging(logOptionsFromEnv(env as Record<string, string | undefined>));
    const config = loadConfig(env);
    isolate = {
      env,
      config,
      adapters: createAdapters(config),
      authThrottle: new AuthThrottle(systemClock),
      runs: new SharedRuns(),
    };
  }
  const { config, adapters, authThrottle, runs } = isolate;
  return { store: openD1(env.DB), config, adapters, authThrottle, runs, defer: (p) => ctx.waitUntil(p) };
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let built: AppDeps;
    try {
      built = deps(env, ctx);
    } catch (error) {
      // A Worker cannot refuse to start: it refuses every request instead, and says why in the log only.
      if (!(error instanceof ConfigError)) throw error;
      log.error(error.message, { err: error });
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
        log: (m) => log.info(m),
      });
      for (const r of results)
        if (r.outcome !== 'already_done')
          log.info(`job ${r.job} ${r.orgId} ${r.period}: ${r.outcome}`, {
            job: r.job,
            org: r.orgId,
            period: r.period,
            stats: r.stats,
          });
      // Events whose handling was cut short, then messages of this run and retries that fell due;
      // what does not fit goes out on the next trigger.
      await services.inbox.drain();
      await services.outbox.drain();
    })();
    ctx.waitUntil(work);
    await work;
  },
};
