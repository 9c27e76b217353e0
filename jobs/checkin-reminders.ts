// Friday 16:00 (local): a gentle reminder card, with the person's manual KRs and
// quick-update buttons, to everyone who has not checked in since Monday.
// Nobody on leave (`paused_until` on or after today), nobody whose KRs are all fed
// by metrics or roll-ups, and at most `reminderCapPerWeek` (default 2) per
// person per ISO week, counted from the outbox rows with subject
// `reminder:<personId>:<week>` — so extra schedule slots or manual runs cannot nag.
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import { buildReminderCard, type ReminderKr } from '../cards/reminder';
import { chatKrNumbers, keyResultsOf } from '../storage/repos/okrs';
import { effectiveSettings, ORG_SETTING_DEFAULTS } from '../storage/repos/org-settings';
import { allPeople, allTeams } from '../storage/repos/people';
import { objectives, outbox } from '../storage/schema';
import { resolveCycle } from '../storage/repos/cycles';
import type { Objective } from '../storage/repos/types';
import { expectedPace } from '../core/okr/pace';
import { krProgress } from '../core/okr/progress';
import { trackStatus } from '../core/okr/status';
import { loadIdentities, personAddress } from './recipients';
import { checkedInSince } from '../core/okr/checked-in';
import { isoWeekKey, localDate, weekStart } from '../core/time';
import type { JobContext, JobDefinition, JobMessage } from './types';
import { personZone, personZoneUnits } from './units';

export const DEFAULT_REMINDER_CAP = ORG_SETTING_DEFAULTS.reminderCapPerWeek;

export const checkinReminders: JobDefinition = {
  name: 'checkin-reminders',
  description: 'Friday reminders to people who have not checked in this week',
  schedule: '0 16 * * 5',
  tick: '*/15 * * * *',
  period: 'day',
  catchUpMs: 4 * 3_600_000,
  units: personZoneUnits,
  run: runReminders,
};

export const reminderSubject = (personId: string, week: string) => `reminder:${personId}:${week}`;

async function runReminders(ctx: JobContext): Promise<void> {
  const { store, addressable: adapters } = ctx.services;
  const orgDefault = ctx.org.settings?.defaultPlatform;
  const { org, unit } = ctx;
  const today = localDate(ctx.now, unit.timeZone);
  const cycle = await resolveCycle(store, org.id, undefined, today);
  if (!cycle) {
    ctx.stats.noCycle = 1;
    return;
  }
  const cap = effectiveSettings(org.settings).reminderCapPerWeek;
  const week = isoWeekKey(ctx.slot, unit.timeZone);
  const since = weekStart(ctx.slot, unit.timeZone).toISOString();
  const expected = expectedPace(cycle, ctx.now, unit.timeZone);
  const teamsById = new Map((await allTeams(store, org.id)).map((t) => [t.id, t]));
  const everyone = (await allPeople(store, org.id)).filter(
    (p) => personZone(p, p.teamId ? teamsById.get(p.teamId) : undefined, ctx.orgTimeZone) === unit.timeZone,
  );
  const byId = new Map(everyone.map((p) => [p.id, p]));
  const count = (key: string) => {
    ctx.stats[key] = (ctx.stats[key] ?? 0) + 1;
  };

  await ctx.fanOut(
    everyone.map((p) => p.id),
    async (batch) => {
      const candidates = batch
        .map((id) => byId.get(id)!)
        .filter((p) => {
          if (p.status === 'inactive') {
            count('inactive');
            return false;
          }
          if (p.pausedUntil && p.pausedUntil >= today) {
            count('onLeave');
            return false;
          }
          return true;
        });
      if (!candidates.length) return [];
      const ids = candidates.map((p) => p.id);
      const owned = await store.db
        .select()
        .from(objectives)
        .where(
          and(
            eq(objectives.orgId, org.id),
            eq(objectives.cycleId, cycle.id),
            eq(objectives.status, 'active'),
            eq(objectives.ownerType, 'person'),
            inArray(objectives.ownerPersonId, ids),
          ),
        )
        .orderBy(asc(objectives.position), asc(objectives.createdAt), asc(objectives.id));
      const krs = await keyResultsOf(
        store,
        owned.map((o) => o.id),
        { activeOnly: true },
      );
      const objectivesOf = new Map<string, Objective[]>();
      for (const o of owned) objectivesOf.set(o.ownerPersonId!, [...(objectivesOf.get(o.ownerPersonId!) ?? []), o]);
      const subjects = ids.map((id) => reminderSubject(id, week));
      const sent = await store.db
        .select({ subject: outbox.subject })
        .from(outbox)
        .where(and(inArray(outbox.subject, subjects), ne(outbox.status, 'failed')));
      const sentCount = new Map<string, number>();
      for (const r of sent) sentCount.set(r.subject!, (sentCount.get(r.subject!) ?? 0) + 1);
      const identities = await loadIdentities(store, ids);
      // The numbers chat gives these KRs (counting dropped KRs and objectives awaiting approval,
      // as `KR3 45` does), not their position on this card.
      const chatNumbers = await chatKrNumbers(store, { orgId: org.id, personIds: ids, cycleIds: [cycle.id] });

      const messages: JobMessage[] = [];
      for (const person of candidates) {
        // Numbered as chat numbers them; only manual KRs are shown.
        const numbers = chatNumbers.get(person.id);
        const all = (objectivesOf.get(person.id) ?? [])
          .flatMap((o) => krs.get(o.id) ?? [])
          .map((kr, i) => ({ kr, number: numbers?.get(kr.id) ?? i + 1 }));
        const manual = all.filter(({ kr }) => kr.progressMode === 'manual');
        if (!manual.length) {
          count('noManualKrs');
          continue;
        }
        if (
          checkedInSince(
            manual.map(({ kr }) => kr),
            since,
          )
        ) {
          count('checkedIn');
          continue;
        }
        const subject = reminderSubject(person.id, week);
        if ((sentCount.get(subject) ?? 0) >= cap) {
          count('capped');
          continue;
        }
        const to = personAddress(identities, person.id, adapters, orgDefault);
        if (!to) {
          count('unreachable');
          continue;
        }
        const views: ReminderKr[] = manual.map(({ kr, number }) => {
          const progress = krProgress(kr).progress;
          return {
            id: kr.id,
            number,
            title: kr.title,
            kind: kr.kind,
            start: kr.startValue,
            target: kr.targetValue,
            current: kr.currentValue,
            unit: kr.unit,
            progress,
            status: trackStatus({ progress, expected, confidence: kr.confidence, hasCheckIn: !!kr.lastCheckInAt }),
          };
        });
        const card = buildReminderCard({
          name: person.name,
          locale: person.locale,
          cycleName: cycle.name,
          krs: views,
          cap,
        });
        messages.push({ to, message: { card }, subject });
        count('reminders');
      }
      return messages;
    },
    { batchSize: 100 },
  );
}
