// Runs one job for one (org, time-zone unit, period), exactly once in effect.
// - The job_runs row keyed by (job, org, period) is the claim: inserted with
//   `on conflict do nothing`; a finished row means "already done", a running row
//   with a fresh heartbeat means "someone else is on it" (double trigger, overlap,
//   a second Workers instance), a stale or failed one is taken over by a
//   conditional update on the heartbeat it had (only one taker wins).
// - Fan-out commits each batch's outbox rows together with the cursor and
//   heartbeat in one atomic write; rows have deterministic idempotency keys, so
//   a run resumed after a crash continues after the cursor and even a replayed
//   batch inserts nothing twice.
import { and, eq } from 'drizzle-orm';
import type { Organization } from '../storage/repos/types';
import { jobRuns } from '../storage/schema';
import { jobMessageKey, jobOutboxStatement } from './outbox-rows';
import type { DueSlot } from './schedule';
import type { JobContext, JobDefinition, JobMessage, JobUnit, JobServices } from './types';

/** A run whose heartbeat is older than this is presumed dead and taken over. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface RunOptions {
  dryRun?: boolean;
  /** Run a period that already finished again (`--force`); a running one is still left alone. */
  force?: boolean;
  leaseMs?: number;
  log?: (message: string) => void;
  /** Dry runs hand every message here instead of writing it. */
  onMessage?: (message: JobMessage) => void;
  /** Called after each committed batch (progress output; tests use it to crash mid-run). */
  afterBatch?: (progress: {
    job: string;
    orgId: string;
    period: string;
    done: number;
    total: number;
  }) => void | Promise<void>;
}

export type RunOutcome = 'done' | 'already_done' | 'busy' | 'failed' | 'dry_run';

export interface RunResult {
  job: string;
  orgId: string;
  period: string;
  outcome: RunOutcome;
  stats: Record<string, number>;
  resumedFrom?: string | null;
  error?: string;
}

class LostLease extends Error {}

interface Claim {
  cursor: string | null;
  heartbeat: string;
  stats: Record<string, number>;
}

const runKey = (job: string, orgId: string, period: string) =>
  and(eq(jobRuns.job, job), eq(jobRuns.orgId, orgId), eq(jobRuns.period, period));

async function claimRun(
  services: JobServices,
  job: string,
  orgId: string,
  period: string,
  leaseMs: number,
  force = false,
): Promise<Claim | 'already_done' | 'busy'> {
  const { db } = services.store;
  const now = services.clock.now();
  const nowIso = now.toISOString();
  const inserted = await db
    .insert(jobRuns)
    .values({ job, orgId, period, status: 'running', startedAt: nowIso, heartbeatAt: nowIso, stats: {} })
    .onConflictDoNothing()
    .returning({ job: jobRuns.job });
  if (inserted.length) return { cursor: null, heartbeat: nowIso, stats: {} };

  const [row] = await db
    .select()
    .from(jobRuns)
    .where(runKey(job, orgId, period))
    .limit(1);
  if (!row) return 'busy';
  if (row.status === 'done' && !force) return 'already_done';
  const lastBeat = Date.parse(row.heartbeatAt ?? row.startedAt);
  if (row.status === 'running' && now.getTime() - lastBeat < leaseMs) return 'busy';
  // Stale, failed or (forced) done: take over, but only if nobody else did since we looked.
  const taken = await db
    .update(jobRuns)
    .set({
      status: 'running',
      heartbeatAt: nowIso,
      ...(row.status === 'done' ? { cursor: null, finishedAt: null } : {}),
    })
    .where(
      and(
        runKey(job, orgId, period),
        eq(jobRuns.status, row.status),
        eq(jobRuns.heartbeatAt, row.heartbeatAt ?? row.startedAt),
      ),
    )
    .returning({ job: jobRuns.job });
  if (!taken.length) return 'busy';
  // A forced re-run starts over; its messages keep their deterministic ids, so what the first
  // run enqueued is not enqueued twice.
  if (row.status === 'done') return { cursor: null, heartbeat: nowIso, stats: {} };
  return { cursor: row.cursor, heartbeat: nowIso, stats: (row.stats ?? {}) as Record<string, number> };
}

export async function runJobUnit<S extends JobServices>(
  services: S,
  job: JobDefinition<S>,
  org: Organization,
  unit: JobUnit,
  due: DueSlot,
  orgTimeZone: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const { store, clock } = services;
  const period = due.period;
  const log = (message: string) => options.log?.(`[${job.name} ${org.slug} ${period}] ${message}`);
  const base = { job: job.name, orgId: org.id, period };

  let claim: Claim;
  if (options.dryRun) {
    claim = { cursor: null, heartbeat: '', stats: {} };
  } else {
    const claimed = await claimRun(
      services,
      job.name,
      org.id,
      period,
      options.leaseMs ?? DEFAULT_LEASE_MS,
      options.force,
    );
    if (claimed === 'already_done' || claimed === 'busy') return { ...base, outcome: claimed, stats: {} };
    claim = claimed;
    if (claim.cursor) log(`resuming after ${claim.cursor}`);
  }
  const resumedFrom = claim.cursor;
  const stats: Record<string, number> = { ...claim.stats };

  const ctx: JobContext<S> = {
    services,
    org,
    unit,
    orgTimeZone,
    slot: due.slot,
    period,
    now: clock.now(),
    dryRun: !!options.dryRun,
    log,
    stats,
    async fanOut(items, process, fanOptions = {}) {
      const batchSize = Math.max(1, fanOptions.batchSize ?? 50);
      const sorted = [...new Set(items)].sort();
      let index = claim.cursor ? sorted.findIndex((k) => k > claim.cursor!) : 0;
      if (index < 0) index = sorted.length;
      for (; index < sorted.length; index += batchSize) {
        const batch = sorted.slice(index, index + batchSize);
        const messages = await process(batch);
        const done = index + batch.length;
        stats.messages = (stats.messages ?? 0) + messages.length;
        stats.items = (stats.items ?? 0) + batch.length;
        if (options.dryRun) {
          for (const m of messages) options.onMessage?.(m);
        } else {
          await commitBatch(batch.at(-1)!, messages);
        }
        log(`${done}/${sorted.length} (${stats.messages} messages)`);
        await options.afterBatch?.({ ...base, done, total: sorted.length });
      }
    },
  };

  async function commitBatch(lastItem: string, messages: JobMessage[]) {
    const [row] = await store.db
      .select({ heartbeatAt: jobRuns.heartbeatAt, status: jobRuns.status })
      .from(jobRuns)
      .where(runKey(job.name, org.id, period))
      .limit(1);
    if (!row || row.heartbeatAt !== claim.heartbeat || row.status !== 'running')
      throw new LostLease('another runner took this job run over');
    const now = clock.now();
    const beat = now.toISOString() === claim.heartbeat ? claim.heartbeat : now.toISOString();
    // Keys first: a Drizzle builder is thenable, so it must never be returned from an async function (that would run it).
    const ids = await Promise.all(messages.map((message) => jobMessageKey(job.name, org.id, period, message.key)));
    const statements = messages.map((message, i) =>
      jobOutboxStatement(store, { id: ids[i], orgId: org.id, message, now }),
    );
    statements.push(
      store.db
        .update(jobRuns)
        .set({ cursor: lastItem, heartbeatAt: beat, stats })
        .where(runKey(job.name, org.id, period)),
    );
    await store.atomic(statements);
    claim.cursor = lastItem;
    claim.heartbeat = beat;
  }

  try {
    await job.run(ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof LostLease) {
      log(message);
      return { ...base, outcome: 'busy', stats, resumedFrom };
    }
    log(`failed: ${message}`);
    if (!options.dryRun) {
      await store.db
        .update(jobRuns)
        .set({ status: 'failed', stats: { ...stats, error: message } as Record<string, unknown> })
        .where(and(runKey(job.name, org.id, period), eq(jobRuns.heartbeatAt, claim.heartbeat)));
    }
    return { ...base, outcome: 'failed', stats, resumedFrom, error: message };
  }
  if (options.dryRun) return { ...base, outcome: 'dry_run', stats };
  await store.db
    .update(jobRuns)
    .set({ status: 'done', finishedAt: clock.now().toISOString(), stats })
    .where(and(runKey(job.name, org.id, period), eq(jobRuns.heartbeatAt, claim.heartbeat)));
  return { ...base, outcome: 'done', stats, resumedFrom };
}
