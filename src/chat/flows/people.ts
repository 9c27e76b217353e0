// A manager's commands about one of their people: `查看 李娜` / `show Li Na`
// (that person's OKRs, read-only) and `催一下 李娜` / `nudge Li Na` (a short
// reminder to update, at most once a day per person). Only someone above the
// person in the reporting line, the lead of their team, or an admin may; any
// other attempt is refused and logged.
import { buildMyOkrsCard } from '../../../cards/my-okrs';
import { auditStatement } from '../../../storage/repos/audit';
import { getPerson, getTeam } from '../../../storage/repos/people';
import type { Person } from '../../../storage/repos/types';
import { claims } from '../../../storage/schema';
import { addressOf } from '../../approvals/addresses';
import { localeOf, t } from '../../../core/i18n';
import { localDate } from '../../../core/okr/pace';
import type { ChatContext, CommandHandler } from '../context';
import { noEffects, type Effects } from '../effects';
import { loadPersonOkrView } from '../okr-view';
import { findPeopleByName } from './delegate';

/** Reporting levels walked up from a person when checking who is above them (org charts are far shallower). */
const MAX_LEVELS = 12;

const say = (ctx: ChatContext, text: string): Effects => ({ ...noEffects(), messages: [ctx.reply({ text })] });

/** The one person `name` means, or the reply explaining why there is none. */
async function onePerson(ctx: ChatContext, name: string): Promise<Person | Effects> {
  const matches = await findPeopleByName(ctx, name);
  if (!matches.length) return say(ctx, t(ctx.locale, 'people.notFound', { name }));
  if (matches.length > 1) {
    const candidates = matches.map((p) => p.email ?? p.externalId).join(', ');
    return say(ctx, t(ctx.locale, 'delegate.ambiguous', { name, candidates }));
  }
  return matches[0];
}

const isEffects = (x: Person | Effects): x is Effects => 'statements' in x;

/** May `ctx.person` look at and nudge `target`? Their managers up the line, their team's lead, admins. */
export async function mayOversee(ctx: ChatContext, target: Person): Promise<boolean> {
  if (ctx.person.role === 'admin') return true;
  if (target.teamId) {
    const team = await getTeam(ctx.store, ctx.org.id, target.teamId);
    if (team?.managerId === ctx.person.id) return true;
  }
  let managerId = target.managerId;
  for (let level = 0; managerId && level < MAX_LEVELS; level++) {
    if (managerId === ctx.person.id) return true;
    managerId = (await getPerson(ctx.store, ctx.org.id, managerId))?.managerId ?? null;
  }
  return false;
}

function refused(ctx: ChatContext, target: Person, action: string): Effects {
  console.warn(`[polaris] refused ${action} of ${target.id} by ${ctx.person.id}: not their manager`);
  return {
    statements: [
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: `${action}.refused`,
        entityType: 'person',
        entityId: target.id,
        data: { platform: ctx.event.platform },
        now: ctx.clock.now(),
      }),
    ],
    messages: [ctx.reply({ text: t(ctx.locale, 'people.notYours', { name: target.name }) })],
  };
}

export const showCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'show') return undefined;
  const target = await onePerson(ctx, command.name);
  if (isEffects(target)) return target;
  if (target.id !== ctx.person.id && !(await mayOversee(ctx, target))) return refused(ctx, target, 'okrs.show');
  const tz = ctx.org.settings.timezone ?? ctx.config.defaultTimezone;
  const view = await loadPersonOkrView(ctx.store, ctx.org.id, target, ctx.clock.now(), tz);
  if (!view.cycle) return say(ctx, t(ctx.locale, 'chat.noCycle'));
  const card = buildMyOkrsCard({
    person: { id: target.id, name: target.name, locale: ctx.locale },
    cycle: view.cycle,
    objectives: view.objectives,
    now: ctx.clock.now().toISOString(),
    readOnly: target.id !== ctx.person.id,
  });
  return { ...noEffects(), messages: [ctx.reply({ card }, `person:${target.id}:okrs`)] };
};

export const nudgeCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'nudge') return undefined;
  const target = await onePerson(ctx, command.name);
  if (isEffects(target)) return target;
  if (target.id === ctx.person.id) return say(ctx, t(ctx.locale, 'nudge.self'));
  if (!(await mayOversee(ctx, target))) return refused(ctx, target, 'person.nudge');
  const now = ctx.clock.now();
  const tz = target.timezone ?? ctx.org.settings.timezone ?? ctx.config.defaultTimezone;
  if (target.pausedUntil && target.pausedUntil >= localDate(now, tz))
    return say(ctx, t(ctx.locale, 'nudge.paused', { name: target.name, until: target.pausedUntil }));
  const to = await addressOf(ctx.store, target.id, ctx.event.platform);
  if (!to) return say(ctx, t(ctx.locale, 'nudge.unreachable', { name: target.name }));
  const text = t(localeOf(target), 'nudge.message', { name: ctx.person.name });
  const alreadyToday = (): Promise<Effects> =>
    Promise.resolve(say(ctx, t(ctx.locale, 'nudge.alreadyToday', { name: target.name })));
  return {
    statements: [
      // One nudge per person per day, whoever sends it: the claim's unique key refuses a second.
      ctx.store.db
        .insert(claims)
        .values({ key: `nudge:${target.id}:${localDate(now, tz)}`, createdAt: now.toISOString() }),
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'person.nudged',
        entityType: 'person',
        entityId: target.id,
        data: { platform: to.platform },
        now,
      }),
    ],
    messages: [
      { operation: 'send', to, message: { text }, orgId: ctx.org.id },
      ctx.reply({ text: t(ctx.locale, 'nudge.sent', { name: target.name }) }),
    ],
    onConflict: alreadyToday,
  };
};
