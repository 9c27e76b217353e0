// A registry over a list of scheduled jobs, and the two ways to run them: `runDueJobs`
// (from a tick: node-cron on Node, a Cron Trigger in the Worker's scheduled())
// and `runJobNow` (by hand: `npx polaris run-job`). Both go through the same
// idempotent runner, so a job behaves the same on either runtime. The list itself
// is wired in src/jobs.ts, because some jobs (rule evaluation, the approval sweep)
// are app logic that sits above this layer.
import type { Organization } from '../storage/repos/types';
import { organizations } from '../storage/schema';
import { runJobUnit, type RunOptions, type RunResult } from './runner';
import { dueSlot, validateCron, type DueSlot } from './schedule';
import { periodKey, pickTimezone } from '../core/time';
import type { JobDefinition, JobServices, JobUnit } from './types';
import { log } from '../core/log';
import { asCodedError } from '../core/errors';

/** The distinct tick expressions: what node-cron schedules and wrangler.toml declares. */
export function tickExpressions(list: readonly { tick: string }[]): string[] {
  return [...new Set(list.map((j) => j.tick))];
}

/** Stand-in org for installation-wide jobs; their runs are filed under org id `*`. */
const GLOBAL_ORG: Organization = { id: '*', name: 'all organisations', slug: '*', settings: {}, createdAt: '' };

export function orgTimeZone(services: JobServices, org: Organization): string {
  return pickTimezone(org.settings?.timezone, services.config.defaultTimezone, 'Asia/Shanghai');
}

/** An org's schedule for a job: its override in settings.schedules when valid, else the job's default. */
export function scheduleFor(
  job: { name: string; schedule: string },
  org: Organization,
  log?: (m: string) => void,
): string {
  const override = org.settings?.schedules?.[job.name];
  if (!override) return job.schedule;
  try {
    validateCron(override);
    return override;
  } catch (error) {
    log?.(`[${job.name} ${org.slug}] ignoring invalid schedule "${override}": ${(error as Error).message}`);
    return job.schedule;
  }
}

/** A unit outside the org's zone gets its own run: period `2026-W48@America/New_York`. */
function unitPeriod(due: DueSlot, unit: JobUnit): DueSlot {
  return unit.isOrgZone ? due : { ...due, period: `${due.period}@${unit.timeZone}`, messagePeriod: due.period };
}

export interface TickOptions extends RunOptions {
  /** Only jobs woken by this tick expression (the Cron Trigger that fired). */
  cron?: string;
  /** Only these jobs / orgs. */
  jobNames?: string[];
  orgIds?: string[];
}

export interface JobRegistry<S extends JobServices> {
  readonly jobs: readonly JobDefinition<S>[];
  findJob(name: string): JobDefinition<S> | undefined;
  tickExpressions(): string[];
  runDueJobs(services: S, now: Date, options?: TickOptions): Promise<RunResult[]>;
  runJobNow(services: S, name: string, options?: RunOptions & { orgIds?: string[]; now?: Date }): Promise<RunResult[]>;
}

export function createJobRegistry<S extends JobServices>(jobs: readonly JobDefinition<S>[]): JobRegistry<S> {
  const findJob = (name: string) => jobs.find((j) => j.name === name);

  /** Every (job, org, zone) whose latest local slot has passed and has no finished run for its period. */
  async function runDueJobs(services: S, now: Date, options: TickOptions = {}): Promise<RunResult[]> {
    const selected = jobs.filter(
      (j) => (!options.cron || j.tick === options.cron) && (!options.jobNames || options.jobNames.includes(j.name)),
    );
    if (!selected.length) return [];
    const orgs = (await services.store.db.select().from(organizations)).filter(
      (o) => !options.orgIds || options.orgIds.includes(o.id) || options.orgIds.includes(o.slug),
    );
    const results: RunResult[] = [];
    for (const job of selected) {
      if (job.global) {
        const zone = pickTimezone(services.config.defaultTimezone);
        const due = dueSlot({ cron: job.schedule, period: job.period, catchUpMs: job.catchUpMs }, zone, now);
        if (due)
          results.push(
            await safely(job, GLOBAL_ORG, due, () =>
              runJobUnit(services, job, GLOBAL_ORG, { timeZone: zone, isOrgZone: true }, due, zone, options),
            ),
          );
        continue;
      }
      for (const org of orgs) {
        const zone = orgTimeZone(services, org);
        const cron = scheduleFor(job, org, options.log);
        const units = job.units ? await job.units(services, org, zone) : [{ timeZone: zone, isOrgZone: true }];
        for (const unit of units) {
          const due = dueSlot({ cron, period: job.period, catchUpMs: job.catchUpMs }, unit.timeZone, now);
          if (!due) continue;
          const slot = unitPeriod(due, unit);
          results.push(await safely(job, org, slot, () => runJobUnit(services, job, org, unit, slot, zone, options)));
        }
      }
    }
    return results;
  }

  /** Run a job now for every zone of the given orgs (all when none), as if its slot were `now`. */
  async function runJobNow(
    services: S,
    name: string,
    options: RunOptions & { orgIds?: string[]; now?: Date } = {},
  ): Promise<RunResult[]> {
    const job = findJob(name);
    if (!job) throw new Error(`Unknown job "${name}". Jobs: ${jobs.map((j) => j.name).join(', ')}`);
    const now = options.now ?? services.clock.now();
    if (job.global) {
      const zone = pickTimezone(services.config.defaultTimezone);
      return [
        await runJobUnit(
          services,
          job,
          GLOBAL_ORG,
          { timeZone: zone, isOrgZone: true },
          { slot: now, period: periodKey(job.period, now, zone) },
          zone,
          options,
        ),
      ];
    }
    const all = await services.store.db.select().from(organizations);
    const orgs = options.orgIds
      ? all.filter((o) => options.orgIds!.includes(o.id) || options.orgIds!.includes(o.slug))
      : all;
    if (options.orgIds && !orgs.length) throw new Error(`No organisation matches ${options.orgIds.join(', ')}`);
    const results: RunResult[] = [];
    for (const org of orgs) {
      const zone = orgTimeZone(services, org);
      const units = job.units ? await job.units(services, org, zone) : [{ timeZone: zone, isOrgZone: true }];
      for (const unit of units) {
        const slot = unitPeriod({ slot: now, period: periodKey(job.period, now, unit.timeZone) }, unit);
        results.push(await runJobUnit(services, job, org, unit, slot, zone, options));
      }
    }
    return results;
  }

  return { jobs, findJob, tickExpressions: () => tickExpressions(jobs), runDueJobs, runJobNow };
}

/** One org's failure (a bug, a bad row) must not stop the other orgs' jobs. */
async function safely(
  job: { name: string },
  org: Organization,
  due: DueSlot,
  run: () => Promise<RunResult>,
): Promise<RunResult> {
  try {
    return await run();
  } catch (error) {
    log.error(`job ${job.name} for ${org.slug} (${due.period}) failed`, {
      job: job.name,
      org: org.slug,
      period: due.period,
      code: asCodedError(error).code,
      err: error,
    });
    return {
      job: job.name,
      orgId: org.id,
      period: due.period,
      outcome: 'failed',
      stats: {},
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

export type { JobDefinition, RunOptions, RunResult };
