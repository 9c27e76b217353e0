// `委托 张三 7天` / `delegate to Zhang San for 7 days`: while the delegation
// runs, new approval cards go to the delegate, who may decide them; requests
// already waiting for the delegator are forwarded to the delegate too.
import { and, eq, or } from 'drizzle-orm';
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
/** "Until further notice": a delegation without a period ends when a new one replaces it. */
const OPEN_END = '9999-12-31T00:00:00.000Z';

const say = (ctx: ChatContext, text: string): Effects => ({ ...noEffects(), messages: [ctx.reply({ text })] });

async function findColleague(ctx: ChatContext, name: string): Promise<Person[]> {
  const wanted = name.trim();
  return ctx.store.db
    .select()
    .from(people)
    .where(
      and(
        eq(people.orgId, ctx.org.id),
        or(
          eq(people.name, wanted),
          eq(people.email, wanted.toLowerCase()),
          eq(people.email, wanted),
          eq(people.externalId, wanted),
        ),
      ),
    )
    .limit(5);
}

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
  const endsAt = command.days ? new Date(now.getTime() + command.days * DAY_MS).toISOString() : OPEN_END;
  const timezone = ctx.person.timezone ?? ctx.org.settings.timezone ?? ctx.config.defaultTimezone;
  const statements: Statement[] = [
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
      data: { endsAt },
      now,
    }),
  ];
  const delegateLocale = localeOf(delegate);
  const messages: OutboundItem[] = [
    ctx.reply({
      text: command.days
        ? t(ctx.locale, 'delegate.set', { name: delegate.name, until: formatMoment(endsAt, timezone) })
        : t(ctx.locale, 'delegate.setNoEnd', { name: delegate.name }),
    }),
  ];
  const to = await addressOf(ctx.store, delegate.id, ctx.event.platform);
  if (to) {
    const until = command.days ? formatMoment(endsAt, delegate.timezone ?? timezone) : '—';
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
