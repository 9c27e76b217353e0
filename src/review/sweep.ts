// What the review-sweep job (jobs/review-sweep.ts) needs from the app: starting reviews that
// are due to start on their own, and the team calibration cards due at `self_due`.
import { and, eq, gte, inArray, isNull, lte } from 'drizzle-orm';
import { nextTurn } from '../../core/loop';
import { localeOf } from '../../core/i18n';
import { localDate } from '../../core/okr/pace';
import { addDays } from '../../core/time';
import { jobMessageKey } from '../../jobs/outbox-rows';
import { loadIdentities, personAddress } from '../../jobs/recipients';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Organization } from '../../storage/repos/types';
import { cycles, people, reviews } from '../../storage/schema';
import { activeDelegate } from '../approvals/routing';
import { outboxStatements, type OutboundItem } from '../outbox/enqueue';
import type { Services } from '../services';
import { teamCardFor } from './chat';
import { orgTimezone, sendFinalMessages, startReview } from './service';

export async function autoStartReviews(services: Services, org: Organization, now: Date): Promise<number> {
  const days = effectiveSettings(org.settings).reviewAutoStartDays;
  if (!days) return 0;
  const today = localDate(now, orgTimezone(org, services));
  // A cycle whose end is at most `days` away (and not past): `ends_on - days <= today <= ends_on`.
  const due = await services.store.db
    .select()
    .from(cycles)
    .where(
      and(
        eq(cycles.orgId, org.id),
        eq(cycles.status, 'active'),
        lte(cycles.endsOn, addDays(today, days)),
        gte(cycles.endsOn, today),
      ),
    );
  let started = 0;
  for (const cycle of due) {
    const result = await startReview(services, org, cycle, {}, { type: 'system' });
    if (result.started) started++;
  }
  if (started) services.defer(services.outbox.drain());
  return started;
}

export async function dueCalibrationCards(services: Services, org: Organization, now: Date): Promise<number> {
  const { store } = services;
  const today = localDate(now, orgTimezone(org, services));
  const running = await store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, org.id), eq(cycles.status, 'reviewing'), lte(cycles.selfDue, today)));
  let sent = 0;
  for (const cycle of running) {
    const pending = await store.db
      .selectDistinct({ managerId: reviews.managerId })
      .from(reviews)
      .where(and(eq(reviews.cycleId, cycle.id), isNull(reviews.calibrationSentAt)));
    const managers = pending.map((p) => p.managerId).filter((id): id is string => !!id);
    if (!managers.length) continue;
    const delegates = new Map<string, string>();
    for (const id of managers) {
      const d = await activeDelegate(store, org.id, id, now);
      if (d) delegates.set(id, d);
    }
    const readers = [...new Set([...managers, ...delegates.values()])];
    const readerRows = await store.db.select().from(people).where(inArray(people.id, readers));
    const byId = new Map(readerRows.map((p) => [p.id, p]));
    const identities = await loadIdentities(store, readers);
    const messages: OutboundItem[] = [];
    for (const managerId of managers) {
      for (const readerId of [managerId, ...(delegates.has(managerId) ? [delegates.get(managerId)!] : [])]) {
        const reader = byId.get(readerId);
        const to = reader
          ? personAddress(identities, readerId, services.addressable, org.settings?.defaultPlatform)
          : undefined;
        if (!reader || !to) continue;
        const card = await teamCardFor({ store, org }, managerId, cycle, localeOf(reader), readerId);
        if (card)
          messages.push({
            operation: 'send',
            to,
            message: { card },
            orgId: org.id,
            subject: `calibration:${cycle.id}`,
            idempotencyKey: await jobMessageKey('review-calibration', org.id, cycle.id, readerId),
          });
      }
    }
    await store.atomic([
      ...outboxStatements(store, messages, now),
      store.db
        .update(reviews)
        .set({ calibrationSentAt: now.toISOString() })
        .where(
          and(eq(reviews.cycleId, cycle.id), inArray(reviews.managerId, managers), isNull(reviews.calibrationSentAt)),
        ),
    ]);
    sent += messages.length;
  }
  if (sent) services.defer(services.outbox.drain());
  return sent;
}

/** How long after a close the sweep still checks that everyone got their final-score message. */
export const FINAL_MESSAGE_HEAL_DAYS = 7;

/** Final-score messages missing for cycles closed in the last FINAL_MESSAGE_HEAL_DAYS days (normally none). */
export async function healFinalMessages(services: Services, org: Organization, now: Date): Promise<number> {
  const since = new Date(now.getTime() - FINAL_MESSAGE_HEAL_DAYS * 86_400_000).toISOString();
  const closed = await services.store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, org.id), eq(cycles.status, 'closed'), gte(cycles.closedAt, since)));
  let sent = 0;
  for (const cycle of closed) {
    sent += await sendFinalMessages(services, org, cycle);
    await nextTurn();
  }
  if (sent) services.defer(services.outbox.drain());
  return sent;
}
