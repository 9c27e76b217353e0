// Daily at 09:00 (org-local): the performance review's schedule (docs/review.md).
//   1. Starts the review of a cycle `review_auto_start_days` before its `ends_on` (off by default).
//   2. From two days before `self_due`, reminds people who have not assessed themselves; these
//      reminders share the weekly cap of check-in reminders (`reminder_cap_per_week`): they are
//      outbox rows with the same subject `reminder:<personId>:<week>`, counted the same way.
//   3. From `self_due`, sends each manager whose team card has not gone out yet (not every report
//      finished) the team calibration card.
//   4. For a week after a close, enqueues any final-score message the close's caller did not
//      (the process stopped in between); idempotent, so normally it finds nothing to do.
// Starting a review and building the team card are app logic (src/review); the app hands them
// in when it wires the job (src/jobs.ts), so this layer never imports the app.
import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import { t } from '../core/i18n';
import { addDays, isoWeekKey, localDate } from '../core/time';
import { effectiveSettings } from '../storage/repos/org-settings';
import type { Organization } from '../storage/repos/types';
import { cycles, outbox, people, reviews } from '../storage/schema';
import { reminderSubject } from './checkin-reminders';
import { loadIdentities, personAddress } from './recipients';
import type { JobDefinition, JobMessage, JobServices } from './types';

export interface ReviewSweepOps<S extends JobServices> {
  /** Starts the reviews due to start on their own; returns how many started. */
  autoStart(services: S, org: Organization, now: Date): Promise<number>;
  /** Sends the team cards due at `self_due`; returns how many went out. */
  calibrationCards(services: S, org: Organization, now: Date): Promise<number>;
  /** Enqueues the final-score messages missing for cycles closed in the last days; returns how many. */
  finalMessages?(services: S, org: Organization, now: Date): Promise<number>;
}

/** Days before `self_due` from which the people still to assess themselves are reminded. */
export const REVIEW_REMIND_DAYS_BEFORE = 2;

export function reviewSweep<S extends JobServices>(ops: ReviewSweepOps<S>): JobDefinition<S> {
  return {
    name: 'review-sweep',
    description: 'Performance review: auto-start, self-assessment reminders, calibration cards at self_due',
    schedule: '0 9 * * *',
    tick: '*/15 * * * *',
    period: 'day',
    catchUpMs: 6 * 3_600_000,
    async run(ctx) {
      const { store } = ctx.services;
      const { org } = ctx;
      if (ctx.dryRun) {
        ctx.log('dry run: would start due reviews, remind and send due calibration cards');
        return;
      }
      ctx.stats.started = await ops.autoStart(ctx.services, org, ctx.now);
      if (ops.finalMessages) ctx.stats.finalMessages = await ops.finalMessages(ctx.services, org, ctx.now);
      const today = localDate(ctx.now, ctx.orgTimeZone);
      const running = await store.db
        .select()
        .from(cycles)
        .where(and(eq(cycles.orgId, org.id), eq(cycles.status, 'reviewing')));
      const cap = effectiveSettings(org.settings).reminderCapPerWeek;
      const week = isoWeekKey(ctx.slot, ctx.orgTimeZone);
      for (const cycle of running) {
        if (!cycle.selfDue || today < addDays(cycle.selfDue, -REVIEW_REMIND_DAYS_BEFORE)) continue;
        const open = await store.db
          .select({ personId: reviews.personId, name: people.name, locale: people.locale, status: people.status })
          .from(reviews)
          .innerJoin(people, eq(people.id, reviews.personId))
          .where(and(eq(reviews.cycleId, cycle.id), isNull(reviews.selfScore)));
        const byId = new Map(open.map((p) => [p.personId, p]));
        await ctx.fanOut(
          open.map((p) => p.personId),
          async (batch) => {
            const subjects = batch.map((id) => reminderSubject(id, week));
            const sent = await store.db
              .select({ subject: outbox.subject })
              .from(outbox)
              .where(and(inArray(outbox.subject, subjects), ne(outbox.status, 'failed')));
            const sentCount = new Map<string, number>();
            for (const r of sent) sentCount.set(r.subject!, (sentCount.get(r.subject!) ?? 0) + 1);
            const identities = await loadIdentities(store, batch);
            const messages: JobMessage[] = [];
            for (const id of batch) {
              const person = byId.get(id)!;
              const subject = reminderSubject(id, week);
              if (person.status !== 'active') continue;
              if ((sentCount.get(subject) ?? 0) >= cap) {
                ctx.stats.capped = (ctx.stats.capped ?? 0) + 1;
                continue;
              }
              const to = personAddress(identities, id, ctx.services.addressable, org.settings?.defaultPlatform);
              if (!to) continue;
              const text = t(person.locale, 'review.remind', { cycle: cycle.name, due: cycle.selfDue ?? '' });
              messages.push({ to, message: { text }, subject, topic: `review:${cycle.id}` });
              ctx.stats.reminded = (ctx.stats.reminded ?? 0) + 1;
            }
            return messages;
          },
          { batchSize: 100 },
        );
      }
      ctx.stats.calibrationCards = await ops.calibrationCards(ctx.services, org, ctx.now);
    },
  };
}
