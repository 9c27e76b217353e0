// Runs one job for one (org, time-zone unit, period), exactly once in effect.
// - The job_runs row keyed by (job, org, period) is the claim: inserted with
//   `on conflict do nothing`; a finished row means "already done", a running row
//   with a fresh heartbeat means "someone else is on it" (double trigger, overlap,
//   a second Workers instance), a stale or failed one is taken over by a
//   conditional update on the owner and heartbeat it had (only one taker wins).
// - A running run records its owner (`<instance>/<nonce>`) and refreshes its
//   heartbeat every HEARTBEAT_MS while it works. A run whose owner is known to be
//   gone (src/node/instance.ts: same host, dead pid) or that a graceful shutdown
//   released is taken over at once, without waiting for the lease.
// - Fan-out commits each batch's outbox rows together with the cursor and
//   heartbeat in one atomic write; rows have deterministic idempotency keys, so
//   a run resumed after a crash continues after the cursor and even a replayed
//   batch inserts nothing twice.
// - Fan-out runs in time-boxed slices (core/loop.ts): it yields to the event loop
//   after every batch and sizes the next batch so that one batch (building the
//   messages and committing them) fits SLICE_BUDGET_MS. In the server, webhook
//   acknowledgements are answered between batches; run from the CLI beside a
//   server, the write transactions stay short, so the server's own writes (an
//   acknowledgement's inbox commit) wait for the SQLite lock only briefly.
import { and, eq, isNull } from 'drizzle-orm';
import type { Address } from '../bots/types';
import type { Organization } from '../storage/repos/types';
import { jobRuns } from '../storage/schema';
import { jobMessageKey, jobOutboxStatements } from './outbox-rows';
import type { DueSlot } from './schedule';
import type { JobContext, JobDefinition, JobMessage, JobUnit, JobServices } from './types';
import { ErrorCode, PolarisError } from '../core/errors';
import { monotonicMs, nextBatchSize, nextTurn, SLICE_BUDGET_MS, type SliceOptions } from '../core/loop';

/** A run whose heartbeat is older than this is presumed dead and taken over. */
export const DEFAULT_LEASE_MS = 45_000;
/** How often a running run refreshes its heartbeat (well inside the lease). */
export const HEARTBEAT_MS = 10_000;

export interface RunOptions {
  dryRun?: boolean;
  /** Run a period that already finished again (`--force`); a running one is still left alone. */
  force?: boolean;
  leaseMs?: number;
  /** Heartbeat interval while a run works (default HEARTBEAT_MS). */
  heartbeatMs?: number;
  /** Aborted on shutdown: the run stops before its next batch and releases its claim. */
  signal?: AbortSignal;
  /** Slice budget and clock of the fan-out's time-boxed batches (tests inject a clock). */
  slices?: SliceOptions;
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

export type RunOutcome = 'done' | 'already_done' | 'busy' | 'failed' | 'dry_run' | 'interrupted';

export interface RunResult {
  job: string;
  orgId: string;
  period: string;
  outcome: RunOutcome;
  stats: Record<string, number>;
  resumedFrom?: string | null;
  /** The owner a run was taken over from, when it was. */
  tookOverFrom?: string | null;
  error?: string;
}

class LostLease extends PolarisError {
  override readonly name = 'LostLease';
  constructor(message: string) {
    super(ErrorCode.LeaseLost, message);
  }
}
class Interrupted extends Error {}

interface Claim {
  cursor: string | null;
  owner: string;
  stats: Record<string, number>;
  tookOverFrom?: string | null;
}

/** Null-safe equality, for conditional updates on a value that may be null. */
const is = (column: typeof jobRuns.owner | typeof jobRuns.heartbeatAt, value: string | null) =>
  value === null ? isNull(column) : eq(column, value);

const instanceOf = (owner: string) => owner.slice(0, owner.lastIndexOf('/'));

/** The outbox id of a job message: (job, org, period, recipient, topic) and nothing else. */
export function jobMessageId(job: string, orgId: string, period: string, to: Address, topic?: string) {
  return jobMessageKey(job, orgId, period, `${to.platform}:${to.kind}:${to.id}${topic ? `|${topic}` : ''}`);
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
  const owner = `${services.instance.id}/${crypto.randomUUID().slice(0, 8)}`;
  const inserted = await db
    .insert(jobRuns)
    .values({ job, orgId, period, status: 'running', startedAt: nowIso, heartbeatAt: nowIso, owner, stats: {} })
    .onConflictDoNothing()
    .returning({ job: jobRuns.job });
  if (inserted.length) return { cursor: null, owner, stats: {} };

  const [row] = await db
    .select()
    .from(jobRuns)
    .where(runKey(job, orgId, period))
    .limit(1);
  if (!row) return 'busy';
  if (row.status === 'done' && !force) return 'already_done';
  if (row.status === 'running') {
    // Released by a graceful shutdown, or owned by a process known to be dead: no need to wait.
    const released = !row.owner && !row.heartbeatAt;
    const ownerGone = !!row.owner && !!services.instance.isGone?.(instanceOf(row.owner));
    const lastBeat = Date.parse(row.heartbeatAt ?? row.startedAt);
    if (!released && !ownerGone && now.getTime() - lastBeat < leaseMs) return 'busy';
  }
  // Stale, abandoned, failed or (forced) done: take over, but only if nobody else did since we looked.
  const taken = await db
    .update(jobRuns)
    .set({
      status: 'running',
      heartbeatAt: nowIso,
      owner,
      ...(row.status === 'done' ? { cursor: null, finishedAt: null } : {}),
    })
    .where(
      and(
        runKey(job, orgId, period),
        eq(jobRuns.status, row.status),
        is(jobRuns.owner, row.owner),
        is(jobRuns.heartbeatAt, row.heartbeatAt),
      ),
    )
    .returning({ job: jobRuns.job });
  if (!taken.length) return 'busy';
  // A forced re-run starts over; its messages keep their deterministic ids, so what the first
  // run enqueued is not enqueued twice.
  if (row.status === 'done') return { cursor: null, owner, stats: {} };
  return {
    cursor: row.cursor,
    owner,
    stats: (row.stats ?? {}) as Record<string, number>,
    tookOverFrom: row.owner ?? (row.status === 'running' ? 'released' : row.status),
  };
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
    claim = { cursor: null, owner: '', stats: {} };
  } else {
    if (options.signal?.aborted) return { ...base, outcome: 'interrupted', stats: {} };
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
    if (claim.tookOverFrom) log(`took over from ${claim.tookOverFrom}`);
    if (claim.cursor) log(`resuming after ${claim.cursor}`);
  }
  const resumedFrom = claim.cursor;
  const tookOverFrom = claim.tookOverFrom;
  const stats: Record<string, number> = { ...claim.stats };
  const mine = () => and(runKey(job.name, org.id, period), eq(jobRuns.owner, claim.owner));
  // Messages are keyed by the job's period, not the time-zone unit's run key, so a team that
  // moves to another zone mid-week cannot get the same week's digest twice.
  const messagePeriod = due.messagePeriod ?? period;

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
      const now = options.slices?.now ?? monotonicMs;
      const budgetMs = options.slices?.budgetMs ?? SLICE_BUDGET_MS;
      const sorted = [...new Set(items)].sort();
      let index = claim.cursor ? sorted.findIndex((k) => k > claim.cursor!) : 0;
      if (index < 0) index = sorted.length;
      // The job's batch size is the most a batch takes. The first batch is one item and each next
      // one at most doubles, so no batch, not even the first, holds the loop far past the budget.
      let size = 1;
      while (index < sorted.length) {
        if (options.signal?.aborted) throw new Interrupted('stopped by shutdown');
        const batch = sorted.slice(index, index + size);
        const started = now();
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
        const took = now() - started;
        await options.afterBatch?.({ ...base, done, total: sorted.length });
        index = done;
        size = nextBatchSize(batch.length, took, budgetMs, batchSize);
        // better-sqlite3 resolves every await as a microtask: without this the whole fan-out
        // (seconds for a large org) would hold the event loop that answers webhooks.
        await nextTurn();
      }
    },
  };

  async function commitBatch(lastItem: string, messages: JobMessage[]) {
    const [row] = await store.db
      .select({ owner: jobRuns.owner, status: jobRuns.status })
      .from(jobRuns)
      .where(runKey(job.name, org.id, period))
      .limit(1);
    if (!row || row.owner !== claim.owner || row.status !== 'running')
      throw new LostLease('another runner took this job run over');
    const now = clock.now();
    // Keys first: a Drizzle builder is thenable, so it must never be returned from an async function (that would run it).
    const ids = await Promise.all(
      messages.map((message) => jobMessageId(job.name, org.id, messagePeriod, message.to, message.topic)),
    );
    const statements = jobOutboxStatements(
      store,
      messages.map((message, i) => ({ id: ids[i], orgId: org.id, message, now })),
    );
    statements.push(
      store.db.update(jobRuns).set({ cursor: lastItem, heartbeatAt: now.toISOString(), stats }).where(mine()),
    );
    await store.atomic(statements);
    claim.cursor = lastItem;
  }

  // Between batches, a timer keeps the heartbeat fresh so that a live run is never taken over.
  const heartbeat = options.dryRun
    ? undefined
    : setInterval(() => {
        store.db
          .update(jobRuns)
          .set({ heartbeatAt: clock.now().toISOString() })
          .where(and(mine(), eq(jobRuns.status, 'running')))
          .then(
            () => {},
            (error: unknown) => log(`heartbeat failed: ${error instanceof Error ? error.message : error}`),
          );
      }, options.heartbeatMs ?? HEARTBEAT_MS);
  (heartbeat as { unref?: () => void } | undefined)?.unref?.();

  try {
    await job.run(ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof LostLease) {
      log(message);
      return { ...base, outcome: 'busy', stats, resumedFrom, tookOverFrom };
    }
    if (error instanceof Interrupted) {
      // Hand the run back: the next start (or another instance) takes it over at once and resumes after the cursor.
      await store.db.update(jobRuns).set({ owner: null, heartbeatAt: null, stats }).where(mine());
      log(`interrupted after ${claim.cursor ?? 'nothing'}; released for the next start`);
      return { ...base, outcome: 'interrupted', stats, resumedFrom, tookOverFrom };
    }
    log(`failed: ${message}`);
    if (!options.dryRun) {
      await store.db
        .update(jobRuns)
        .set({ status: 'failed', stats: { ...stats, error: message } as Record<string, unknown> })
        .where(mine());
    }
    return { ...base, outcome: 'failed', stats, resumedFrom, tookOverFrom, error: message };
  } finally {
    clearInterval(heartbeat);
  }
  if (options.dryRun) return { ...base, outcome: 'dry_run', stats };
  await store.db.update(jobRuns).set({ status: 'done', finishedAt: clock.now().toISOString(), stats }).where(mine());
  return { ...base, outcome: 'done', stats, resumedFrom, tookOverFrom };
}
