// GET /healthz: is the database usable, and is work piling up? One SQL
// statement of indexed counts (inbox_due, outbox_platform_due, outbox_pending_age), so
// monitoring can poll it often; it reports counts and ages only, never org data.
import { sql } from 'drizzle-orm';
import { allRows, type Store } from '../storage/db';
import type { Clock } from '../core/clock';
import { PLATFORMS } from '../bots/types';

/**
 * Every outbox channel, as constants: outbox_platform_due (pending rows only) is searched per
 * channel, so the due count names them all. Without INDEXED BY the planner, which has no statistics,
 * preferred outbox_pending_age and read every pending row to test its time.
 */
const OUTBOX_CHANNEL_LIST = sql.raw([...PLATFORMS, 'webhook'].map((channel) => `'${channel}'`).join(', '));

export interface QueueHealth {
  /** Waiting to be handled (inbox) or delivered (outbox), including rows waiting for a retry. */
  pending: number;
  /** Given up after their attempts; see the logs (and, for the outbox, last_error). */
  failed: number;
  /** Age in seconds of the oldest pending row, or null when nothing is pending. */
  oldest_pending_age_s: number | null;
}

export interface HealthReport {
  database: 'ok' | 'error';
  inbox?: QueueHealth;
  outbox?: QueueHealth & { due: number };
  jobs?: { running: number; failed: number };
}

interface Row {
  inbox_pending: number;
  inbox_failed: number;
  inbox_oldest: string | null;
  outbox_pending: number;
  outbox_due: number;
  outbox_failed: number;
  outbox_oldest: string | null;
  jobs_running: number;
  jobs_failed: number;
}

/** One statement; every sub-select is an index search (test/api/healthz.test.ts checks the plan). */
export function healthQuery(nowIso: string) {
  return sql`
      SELECT
        (SELECT count(*) FROM inbox WHERE status = 'pending') AS inbox_pending,
        (SELECT count(*) FROM inbox WHERE status = 'failed') AS inbox_failed,
        (SELECT received_at FROM inbox WHERE status = 'pending' ORDER BY id LIMIT 1) AS inbox_oldest,
        (SELECT count(*) FROM outbox WHERE status = 'pending') AS outbox_pending,
        (SELECT count(*) FROM outbox INDEXED BY outbox_platform_due
          WHERE platform IN (${OUTBOX_CHANNEL_LIST}) AND status = 'pending' AND next_attempt_at <= ${nowIso}) AS outbox_due,
        (SELECT count(*) FROM outbox WHERE status = 'failed') AS outbox_failed,
        (SELECT min(created_at) FROM outbox WHERE status = 'pending') AS outbox_oldest,
        (SELECT count(*) FROM job_runs WHERE status = 'running') AS jobs_running,
        (SELECT count(*) FROM job_runs WHERE status = 'failed') AS jobs_failed
    `;
}

export async function healthReport(store: Store, clock: Clock): Promise<HealthReport> {
  const now = clock.now();
  let row: Row | undefined;
  try {
    [row] = await allRows<Row>(store, healthQuery(now.toISOString()));
  } catch {
    return { database: 'error' };
  }
  if (!row) return { database: 'error' };
  const age = (at: string | null) => (at ? Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000)) : null);
  return {
    database: 'ok',
    inbox: {
      pending: Number(row.inbox_pending),
      failed: Number(row.inbox_failed),
      oldest_pending_age_s: age(row.inbox_oldest),
    },
    outbox: {
      pending: Number(row.outbox_pending),
      due: Number(row.outbox_due),
      failed: Number(row.outbox_failed),
      oldest_pending_age_s: age(row.outbox_oldest),
    },
    jobs: { running: Number(row.jobs_running), failed: Number(row.jobs_failed) },
  };
}
