// `委托 张三 7天` / `delegate to Zhang San for 7 days`: while the delegation
// runs, new approval cards go to the delegate as well as to the delegator (who
// stays informed and may still decide); requests already waiting for the
// delegator are forwarded to the delegate too. A delegation always has an end:
// the days given, else DEFAULT_DELEGATION_DAYS. A new delegation ends the
// running one, and `结束委托` / `end delegation` ends it early.
import { and, eq, gt, or, sql } from 'drizzle-orm';
import { buildApprovalCard } from '../../../cards/approval';
import type { Statement } from '../../../storage/db';
import { newId } from '../../../storage/ids';
import { auditStatement } from '../../../storage/repos/audit';
import type { Person } from '../../../storage/repos/types';
import { adjustments, delegations, people } from '../../../storage/schema';
import { addressOf } from '../../approvals/addresses';
import { approvalView, formatMoment, loadRequestContext } from '../../approvals/describe';
import { adjustmentSubject } from '../../approvals/request';
import { localeOf, t } from '../../../core/i18n';
import type { OutboundItem } from '../../outbox/enqueue';
import type { ChatContext, CommandHandler } from '../context';
import { noEffects, type Effects } from '../effects';

const DAY_MS = 24 * 60 * 60 * 1000;
/** `委托 李勇` with no period: a week, the usual leave; never "until further notice". */
export const DEFAULT_DELEGATION_DAYS = 7;

const say = (ctx: ChatContext, text: string): Effects => ({ ...noEffects(), messages: [ctx.reply({ text })] });

async function findColleague(ctx: ChatContext, name: string): Promise<Person[]> {
  return findPeopleByName(ctx, name);
}

/** People in the org called `name` (any case: `emily carter` finds Emily Carter), or with that email or external id. */
export async function findPeopleByName(ctx: ChatContext, name: string): Promise<Person[]> {
  const wanted = name.trim().toLowerCase();
  if (!wanted) return [];
  return ctx.store.db
    .select()
    .from(people)
    .where(
      and(
        eq(people.orgId, ctx.org.id),
        or(
          sql`lower(${people.name}) = ${wanted}`,
          sql`lower(${people.email}) = ${wanted}`,
          sql`lower(${people.externalId}) = ${wanted}`,
        ),
      ),
    )
    .limit(5);
}

/** The person's delegations running at `now` (normally one), newest first. */
async function runningDelegations(ctx: ChatContext, now: Date) {
  const at = now.toISOString();
  const rows = await ctx.store.db
    .select()
    .from(delegations)
    .where(
      and(eq(delegations.orgId, ctx.org.id), eq(delegations.fromPersonId, ctx.person.id), gt(delegations.endsAt, at)),
    );
  return rows.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

function endRunning(ctx: ChatContext, now: Date): Statement {
  const at = now.toISOString();
  return ctx.store.db
    .update(delegations)
    .set({ endsAt: at })
    .where(
      and(eq(delegations.orgId, ctx.org.id), eq(delegations.fromPersonId, ctx.person.id), gt(delegations.endsAt, at)),
    );
}

const tzOf = (ctx: ChatContext) => ctx.person.timezone ?? ctx.org.settings.timezone ?? ctx.config.defaultTimezone;

export const delegateCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'delegate') return undefined;
  const matches = await findColleague(ctx, command.to);
  if (!matches.length) return say(ctx, t(ctx.locale, 'delegate.notFound', { name: command.to }));
  if (matches.length > 1) {
    const candidates = matches.map((p) => p.email ?? p.externalId).join(', ');
    return say(ctx, t(ctx.locale, 'delegate.ambiguous', { name: command.to, candidates }));
  }
  const delegate = matches[0];
  if (delegate.id === ctx.person.id) return say(ctx, t(ctx.locale, 'delegate.self'));
  if (command.days !== undefined && (!Number.isInteger(command.days) || command.days < 1 || command.days > 365))
    return say(ctx, t(ctx.locale, 'delegate.badDays'));

  const now = ctx.clock.now();
  const days = command.days ?? DEFAULT_DELEGATION_DAYS;
  const endsAt = new Date(now.getTime() + days * DAY_MS).toISOString();
  const timezone = tzOf(ctx);
  const statements: Statement[] = [
    // One delegation at a time: the new one replaces any that is running, so none comes back later.
    endRunning(ctx, now),
    ctx.store.db.insert(delegations).values({
      id: newId('dlg'),
      orgId: ctx.org.id,
      fromPersonId: ctx.person.id,
      toPersonId: delegate.id,
      startsAt: now.toISOString(),
      endsAt,
      createdAt: now.toISOString(),
    }),
    auditStatement(ctx.store, {
      orgId: ctx.org.id,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'delegation.created',
      entityType: 'person',
      entityId: delegate.id,
      data: { endsAt, days, defaulted: command.days === undefined },
      now,
    }),
  ];
  const delegateLocale = localeOf(delegate);
  const messages: OutboundItem[] = [
    ctx.reply({
      text: t(ctx.locale, command.days ? 'delegate.set' : 'delegate.setDefault', {
        name: delegate.name,
        until: formatMoment(endsAt, timezone),
        days,
      }),
    }),
  ];
  const to = await addressOf(ctx.store, delegate.id, ctx.event.platform);
  if (to) {
    const until = formatMoment(endsAt, delegate.timezone ?? timezone);
    messages.push({
      operation: 'send',
      to,
      message: { text: t(delegateLocale, 'delegate.notify', { name: ctx.person.name, until }) },
      orgId: ctx.org.id,
    });
    // Requests already waiting for the delegator: the delegate gets their own copy of each card.
    const waiting = await ctx.store.db
      .select()
      .from(adjustments)
      .where(
        and(
          eq(adjustments.orgId, ctx.org.id),
          eq(adjustments.approverId, ctx.person.id),
          eq(adjustments.status, 'pending'),
        ),
      );
    for (const a of waiting) {
      if (a.requesterId === delegate.id) continue;
      const card = buildApprovalCard(
        approvalView(delegateLocale, await loadRequestContext(ctx.store, a), ctx.person.name),
      );
      messages.push({ operation: 'send', to, message: { card }, orgId: ctx.org.id, subject: adjustmentSubject(a.id) });
    }
  }
  return { statements, messages };
};

/** `结束委托` / `end delegation`: approvals come back to the person at once. */
export const endDelegationCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'end_delegation') return undefined;
  const now = ctx.clock.now();
  const running = await runningDelegations(ctx, now);
  if (!running.length) return say(ctx, t(ctx.locale, 'delegate.noneRunning'));
  const delegates = await ctx.store.db
    .select()
    .from(people)
    .where(and(eq(people.orgId, ctx.org.id), or(...running.map((d) => eq(people.id, d.toPersonId)))));
  const names = delegates.map((p) => p.name).join(', ');
  const statements: Statement[] = [
    endRunning(ctx, now),
    auditStatement(ctx.store, {
      orgId: ctx.org.id,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'delegation.ended',
      entityType: 'person',
      entityId: running[0].toPersonId,
      data: { endedAt: now.toISOString(), wasUntil: running[0].endsAt },
      now,
    }),
  ];
  const messages: OutboundItem[] = [
    ctx.reply({ text: t(ctx.locale, 'delegate.ended', { name: names, time: formatMoment(now, tzOf(ctx)) }) }),
  ];
  for (const delegate of delegates) {
    const to = await addressOf(ctx.store, delegate.id, ctx.event.platform);
    if (!to) continue;
    const text = t(localeOf(delegate), 'delegate.endedNotify', {
      name: ctx.person.name,
      time: formatMoment(now, delegate.timezone ?? tzOf(ctx)),
    });
    messages.push({ operation: 'send', to, message: { text }, orgId: ctx.org.id });
  }
  return { statements, messages };
};

/** `委托` alone: the running delegation with its end date, and how to change or end it. */
export const delegationStatusCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'delegation_status') return undefined;
  const [running] = await runningDelegations(ctx, ctx.clock.now());
  if (!running) return say(ctx, t(ctx.locale, 'delegate.status.none', { days: DEFAULT_DELEGATION_DAYS }));
  const [delegate] = await ctx.store.db.select().from(people).where(eq(people.id, running.toPersonId)).limit(1);
  return say(
    ctx,
    t(ctx.locale, 'delegate.status.running', {
      name: delegate?.name ?? '—',
      until: formatMoment(running.endsAt, tzOf(ctx)),
    }),
  );
};
