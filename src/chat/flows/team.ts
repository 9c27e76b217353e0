// `团队` / `team`: a manager's view of their direct reports.
import { and, count, eq } from 'drizzle-orm';
import { buildTeamCard } from '../../../cards/team';
import { worstStatus, type TrackStatus } from '../../../cards/model';
import { reportsOf } from '../../../storage/repos/people';
import { adjustments } from '../../../storage/schema';
import { weekStart } from '../../../core/time';
import { t } from '../../../core/i18n';
import { checkedInSince } from '../../../core/okr/checked-in';
import type { ChatContext } from '../context';
import { noEffects, type Effects } from '../effects';
import { loadPersonOkrView } from '../okr-view';
import { personView } from './checkin';

export async function teamStatus(ctx: ChatContext): Promise<Effects> {
  const reply = (message: string): Effects => ({ ...noEffects(), messages: [ctx.reply({ text: message })] });
  const reports = await reportsOf(ctx.store, ctx.org.id, ctx.person.id);
  if (!reports.length) return reply(t(ctx.locale, 'team.notManager'));
  const own = await personView(ctx);
  if (!own.cycle) return reply(t(ctx.locale, 'chat.noCycle'));
  const now = ctx.clock.now();
  const tz = ctx.org.settings.timezone ?? ctx.config.defaultTimezone;
  const members = await Promise.all(
    reports.map(async (person) => {
      const view = await loadPersonOkrView(ctx.store, ctx.org.id, person, now, tz);
      const last =
        view.krs
          .map((k) => k.lastCheckInAt)
          .filter((d): d is string => !!d)
          .sort()
          .at(-1) ?? null;
      const progress = view.objectives.length
        ? view.objectives.reduce((s, o) => s + o.progress, 0) / view.objectives.length
        : 0;
      const statuses = view.objectives.map((o) => o.status);
      const status: TrackStatus = worstStatus(statuses) ?? 'not_started';
      return {
        name: person.name,
        progress,
        status,
        objectives: view.objectives.length,
        lastCheckInAt: last,
        // One definition with the digest and reminders (core/okr/checked-in.ts): manual KRs, since Monday 00:00.
        checkedInThisWeek: checkedInSince(
          view.krs.map((k) => k.row),
          weekStart(now, person.timezone ?? tz).toISOString(),
        ),
      };
    }),
  );
  const [{ pending }] = await ctx.store.db
    .select({ pending: count() })
    .from(adjustments)
    .where(
      and(
        eq(adjustments.orgId, ctx.org.id),
        eq(adjustments.approverId, ctx.person.id),
        eq(adjustments.status, 'pending'),
      ),
    );
  const card = buildTeamCard({
    manager: { id: ctx.person.id, name: ctx.person.name, locale: ctx.locale },
    cycle: own.cycle,
    members,
    pendingApprovals: pending,
  });
  return { ...noEffects(), messages: [ctx.reply({ card }, `team:${ctx.person.id}`)] };
}
