// Daily (03:30 local, TZ_DEFAULT): delete what is only kept for deduplication,
// delivery and audit once it is old enough to be useless for both. Defaults
// (days), long enough for every platform's retry window and a quarter's audit:
//   outbox            sent or failed rows, 30 days after they were created (pending rows are never deleted)
//   processed_events  30 days (Lark, WeCom and DingTalk retry a push for hours, not weeks)
//   inbox             failed rows, 30 days (pending ones are still to be handled)
//   rule_firings      resolved firings, 180 days after they resolved (and their alert_notices)
//   job_runs          finished or failed runs, 90 days (a run is only ever caught up within a day)
// Override with RETENTION_DAYS (e.g. `outbox=60,firings=365`). Deletes go in chunks
// of 5,000 rows so one run never holds a long write lock (or exceeds a D1 limit).
import { and, eq, inArray, isNotNull, lt, ne, or } from 'drizzle-orm';
import type { Store } from '../storage/db';
import { alertNotices, inbox, jobRuns, outbox, processedEvents, ruleFirings } from '../storage/schema';
import type { JobDefinition } from './types';

export const RETENTION_DEFAULTS = {
  outbox: 30,
  processedEvents: 30,
  inbox: 30,
  firings: 180,
  jobRuns: 90,
} as const;

export type RetentionDays = Record<keyof typeof RETENTION_DEFAULTS, number>;

const DAY_MS = 86_400_000;
const CHUNK = 5_000;

/** `outbox=60,firings=365` → the defaults with those replaced; unknown or bad entries are refused. */
export function parseRetention(spec: string | undefined): RetentionDays {
  const out: RetentionDays = { ...RETENTION_DEFAULTS };
  if (!spec?.trim()) return out;
  for (const part of spec.split(',')) {
    const [key, value] = part.split('=').map((x) => x.trim());
    const days = Number(value);
    if (!(key in out) || !Number.isInteger(days) || days < 1)
      throw new Error(`RETENTION_DAYS: "${part}" is not <table>=<days ≥ 1>; tables: ${Object.keys(out).join(', ')}`);
    out[key as keyof RetentionDays] = days;
  }
  return out;
}

async function inChunks(remove: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await remove();
    total += n;
    if (n < CHUNK) return total;
  }
}

export async function pruneOld(store: Store, now: Date, days: RetentionDays): Promise<Record<string, number>> {
  const before = (d: number) => new Date(now.getTime() - d * DAY_MS).toISOString();
  const { db } = store;
  const outboxRows = await inChunks(async () => {
    const ids = db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(ne(outbox.status, 'pending'), lt(outbox.createdAt, before(days.outbox))))
      .limit(CHUNK);
    return (await db.delete(outbox).where(inArray(outbox.id, ids)).returning({ id: outbox.id })).length;
  });
  const events = await inChunks(async () => {
    const old = db
      .select({ eventId: processedEvents.eventId })
      .from(processedEvents)
      .where(lt(processedEvents.receivedAt, before(days.processedEvents)))
      .limit(CHUNK);
    return (
      await db
        .delete(processedEvents)
        .where(and(inArray(processedEvents.eventId, old), lt(processedEvents.receivedAt, before(days.processedEvents))))
        .returning({ id: processedEvents.eventId })
    ).length;
  });
  const inboxRows = await inChunks(async () => {
    const ids = db
      .select({ id: inbox.id })
      .from(inbox)
      .where(and(eq(inbox.status, 'failed'), lt(inbox.receivedAt, before(days.inbox))))
      .limit(CHUNK);
    return (await db.delete(inbox).where(inArray(inbox.id, ids)).returning({ id: inbox.id })).length;
  });
  const firings = await inChunks(async () => {
    const rows = await db
      .select({ id: ruleFirings.id })
      .from(ruleFirings)
      .where(
        and(
          eq(ruleFirings.state, 'resolved'),
          isNotNull(ruleFirings.resolvedAt),
          lt(ruleFirings.resolvedAt, before(days.firings)),
        ),
      )
      .limit(CHUNK);
    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      await store.atomic([
        db.delete(alertNotices).where(inArray(alertNotices.firingId, chunk)),
        db.delete(ruleFirings).where(inArray(ruleFirings.id, chunk)),
      ]);
    }
    return ids.length;
  });
  const runs = (
    await db
      .delete(jobRuns)
      .where(
        and(or(eq(jobRuns.status, 'done'), eq(jobRuns.status, 'failed')), lt(jobRuns.startedAt, before(days.jobRuns))),
      )
      .returning({ job: jobRuns.job })
  ).length;
  return { outbox: outboxRows, processedEvents: events, inbox: inboxRows, firings, jobRuns: runs };
}

export const retention: JobDefinition = {
  name: 'retention',
  description: 'Delete old sent messages, dedupe records, failed inbox rows, resolved firings and job runs',
  schedule: '30 3 * * *',
  tick: '*/15 * * * *',
  period: 'day',
  catchUpMs: 24 * 3_600_000,
  global: true,
  async run(ctx) {
    const days = parseRetention(ctx.services.config.retentionDays);
    if (ctx.dryRun) {
      ctx.log(`dry run: would delete rows older than ${JSON.stringify(days)} days`);
      return;
    }
    Object.assign(ctx.stats, await pruneOld(ctx.services.store, ctx.now, days));
  },
};
