// Node only: node-cron wakes the registry on each job's tick expression (every
// 15 minutes by default), runs what is due and drains the outbox. The
// decision of what is due lives in ./registry.ts, shared with Workers.
import cron, { type ScheduledTask } from 'node-cron';
import type { JobRegistry, RunResult } from './registry';
import type { JobServices } from './types';
import { log } from '../core/log';

export interface SchedulerOptions {
  /** Log lines (default: the logger at info; pass () => {} to silence). */
  log?: (message: string) => void;
  /** Run a tick right away on start (catches up a slot missed while the process was down). Default true. */
  runOnStart?: boolean;
  onResults?: (results: RunResult[]) => void;
}

export function startScheduler<S extends JobServices>(
  services: S,
  registry: JobRegistry<S>,
  options: SchedulerOptions = {},
): { stop(): Promise<void>; tick(expression?: string): Promise<RunResult[]> } {
  const say = options.log ?? ((m: string) => log.info(m));
  let running: Promise<unknown> = Promise.resolve();

  const tick = (expression?: string): Promise<RunResult[]> => {
    // Ticks queue behind each other in this process; other processes are kept out by job_runs.
    const next = running.then(async () => {
      const results = await registry.runDueJobs(services, services.clock.now(), { cron: expression, log: say });
      for (const r of results)
        if (r.outcome !== 'already_done')
          say(`job ${r.job} ${r.orgId} ${r.period}: ${r.outcome} ${JSON.stringify(r.stats)}`);
      options.onResults?.(results);
      if (results.some((r) => r.outcome === 'done')) services.defer(services.outbox.drain());
      return results;
    });
    running = next.catch((error) => log.error('scheduler tick failed', { err: error }));
    return next;
  };

  const tasks: ScheduledTask[] = registry.tickExpressions().map((expression) =>
    cron.schedule(
      expression,
      () => {
        void tick(expression).catch(() => {});
      },
      { name: `polaris:${expression}`, noOverlap: true },
    ),
  );
  if (options.runOnStart !== false) void tick().catch(() => {});

  return {
    tick,
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
      await running;
    },
  };
}
