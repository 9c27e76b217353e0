// Node only: node-cron wakes the registry on each job's tick expression (every
// 15 minutes by default), runs what is due and drains the outbox. The
// decision of what is due lives in ./registry.ts, shared with Workers.
// - On start, a tick runs at once: it catches up a slot missed while the process
//   was down and takes over runs that a dead process left `running` (see
//   ./runner.ts: owner and heartbeat).
// - A run another live-looking process holds ("busy") is looked at again once its
//   lease could have lapsed, not only at the next 15-minute tick, so a run whose
//   process died on another host resumes within about a lease.
// - stop() makes the current run stop before its next batch and release its
//   claim, so shutdown does not wait for a whole fan-out.
import cron, { type ScheduledTask } from 'node-cron';
import type { JobRegistry, RunResult } from './registry';
import { DEFAULT_LEASE_MS } from './runner';
import type { JobServices } from './types';
import { log } from '../core/log';

export interface SchedulerOptions {
  /** Log lines (default: the logger at info; pass () => {} to silence). */
  log?: (message: string) => void;
  /** Run a tick right away on start (catches up a slot missed while the process was down). Default true. */
  runOnStart?: boolean;
  onResults?: (results: RunResult[]) => void;
  /** Lease of a job run (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
  /** Wait before looking again at a run another process holds (default: the lease plus a second). */
  retryBusyMs?: number;
}

export function startScheduler<S extends JobServices>(
  services: S,
  registry: JobRegistry<S>,
  options: SchedulerOptions = {},
): { stop(): Promise<void>; tick(expression?: string): Promise<RunResult[]> } {
  const say = options.log ?? ((m: string) => log.info(m));
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const stopping = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  let retry: ReturnType<typeof setTimeout> | undefined;

  const tick = (expression?: string): Promise<RunResult[]> => {
    // Ticks queue behind each other in this process; other processes are kept out by job_runs.
    const next = running.then(async () => {
      if (stopping.signal.aborted) return [];
      const results = await registry.runDueJobs(services, services.clock.now(), {
        cron: expression,
        log: say,
        leaseMs,
        signal: stopping.signal,
      });
      for (const r of results)
        if (r.outcome !== 'already_done')
          say(`job ${r.job} ${r.orgId} ${r.period}: ${r.outcome} ${JSON.stringify(r.stats)}`);
      options.onResults?.(results);
      if (results.some((r) => r.outcome === 'done')) services.defer(services.outbox.drain());
      if (results.some((r) => r.outcome === 'busy') && !retry && !stopping.signal.aborted) {
        retry = setTimeout(
          () => {
            retry = undefined;
            void tick().catch(() => {});
          },
          options.retryBusyMs ?? leaseMs + 1000,
        );
        retry.unref();
      }
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
      stopping.abort();
      clearTimeout(retry);
      await Promise.all(tasks.map((t) => t.destroy()));
      await running;
    },
  };
}
