// "Remind everyone overdue" (the dashboard's review page): a reminder to each person whose
// self-assessment is past `self_due`, and to each manager (or delegate) with calibrations past
// `calibration_due`. Reminders count against the weekly reminder cap like the job's
// (subject `reminder:<person>:<week>`), so pressing the button twice does not nag anyone.
import { and, inArray, ne } from 'drizzle-orm';
import { t } from '../../core/i18n';
import { localDate } from '../../core/okr/pace';
import { isoWeekKey } from '../../core/time';
import { reminderSubject } from '../../jobs/checkin-reminders';
import { loadIdentities, personAddress } from '../../jobs/recipients';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Cycle, Organization } from '../../storage/repos/types';
import { outbox, people, reviews } from '../../storage/schema';
import { outboxStatements, type OutboundItem } from '../outbox/enqueue';
import type { Services } from '../services';
import { auditStatement } from '../../storage/repos/audit';
import { orgTimezone, reviewProgress } from './service';

export async function remindOverdue(
  services: Services,
  org: Organization,
  cycle: Cycle,
  actor: { type: 'admin' | 'person'; id?: string | null },
): Promise<{ reminded: number; capped: number }> {
  const { store } = services;
  const now = services.clock.now();
  if (cycle.status !== 'reviewing') return { reminded: 0, capped: 0 };
  const progress = await reviewProgress(services, org, cycle);
  const tz = orgTimezone(org, services);
  const week = isoWeekKey(now, tz);
  const cap = effectiveSettings(org.settings).reminderCapPerWeek;
  // Self-assessments are the person's; calibrations are their manager's, once per manager.
  const reviewIds = progress.overdue_people.map((o) => o.review_id);
  const rows = reviewIds.length
    ? await store.db
        .select()
        .from(reviews)
        .where(inArray(reviews.id, reviewIds.slice(0, 5000)))
    : [];
  const targets = new Map<string, 'self' | 'calibration'>();
  for (const o of progress.overdue_people) {
    if (o.stage === 'self') targets.set(o.person_id, 'self');
    else {
      const managerId = rows.find((r) => r.id === o.review_id)?.managerId;
      if (managerId && !targets.has(managerId)) targets.set(managerId, 'calibration');
    }
  }
  const ids = [...targets.keys()];
  if (!ids.length) return { reminded: 0, capped: 0 };
  const who = await store.db.select().from(people).where(inArray(people.id, ids));
  const identities = await loadIdentities(store, ids);
  const sent = await store.db
    .select({ subject: outbox.subject })
    .from(outbox)
    .where(
      and(
        inArray(
          outbox.subject,
          ids.map((id) => reminderSubject(id, week)),
        ),
        ne(outbox.status, 'failed'),
      ),
    );
  const counts = new Map<string, number>();
  for (const r of sent) counts.set(r.subject!, (counts.get(r.subject!) ?? 0) + 1);
  const messages: OutboundItem[] = [];
  let capped = 0;
  const today = localDate(now, tz);
  for (const person of who) {
    if (person.status !== 'active') continue;
    const subject = reminderSubject(person.id, week);
    if ((counts.get(subject) ?? 0) >= cap) {
      capped++;
      continue;
    }
    const to = personAddress(identities, person.id, services.addressable, org.settings?.defaultPlatform);
    if (!to) continue;
    const key = targets.get(person.id) === 'self' ? 'review.remind' : 'review.remindCalibration';
    const due = (targets.get(person.id) === 'self' ? cycle.selfDue : cycle.calibrationDue) ?? today;
    messages.push({
      operation: 'send',
      to,
      message: { text: t(person.locale, key, { cycle: cycle.name, due }) },
      orgId: org.id,
      subject,
    });
  }
  await store.atomic([
    ...outboxStatements(store, messages, now),
    auditStatement(store, {
      orgId: org.id,
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'review.remind_overdue',
      entityType: 'cycle',
      entityId: cycle.id,
      data: { reminded: messages.length, capped },
      now,
    }),
  ]);
  if (messages.length) services.defer(services.outbox.drain());
  return { reminded: messages.length, capped };
}
