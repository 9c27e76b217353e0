// The hourly sweep over pending requests: remind the approver once after
// `adjustmentRemindDays` (default 2), expire the request at its `expires_at`
// (`adjustmentExpireDays`, default 7), resolving every approval card and
// telling the requester. Each step claims a key in its own atomic batch
// (expiry shares the decision's key), so running the sweep twice, or racing a
// decision, does each thing at most once.
import { eq } from 'drizzle-orm';
import type { Platform } from '../../bots/types';
import type { ApprovalOutcome } from '../../cards/approval';
import { isUniqueViolation, type Statement, type Store } from '../../storage/db';
import { auditStatement } from '../../storage/repos/audit';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Adjustment, Organization } from '../../storage/repos/types';
import { adjustments, claims, organizations } from '../../storage/schema';
import { adjustmentDecidedData, webhookEventStatement } from '../../storage/webhook-events';
import type { Clock } from '../../core/clock';
import type { Config } from '../config';
import { localeOf, t } from '../../core/i18n';
import { outboxStatements, type OutboundItem } from '../outbox/enqueue';
import { addressOf, personAt } from './addresses';
import { discardStatements } from './apply';
import { resolveCopies } from './copies';
import { adjustmentSubject } from './request';
import { sentCopies } from '../outbox/copies';
import { decisionClaim } from './decide';
import { changeText, formatMoment, loadRequestContext } from './describe';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function sweepAdjustments(
  services: { store: Store; clock: Clock; config: Config },
  now: Date,
): Promise<{ reminded: number; expired: number }> {
  const { store } = services;
  const pending = await store.db.select().from(adjustments).where(eq(adjustments.status, 'pending'));
  const orgs = new Map<string, Organization>();
  let reminded = 0;
  let expired = 0;
  for (const a of pending) {
    if (!orgs.has(a.orgId)) {
      const [org] = await store.db.select().from(organizations).where(eq(organizations.id, a.orgId));
      if (org) orgs.set(org.id, org);
    }
    const org = orgs.get(a.orgId);
    if (!org) continue;
    const timezone = org.settings.timezone ?? services.config.defaultTimezone;
    if (a.expiresAt && a.expiresAt <= now.toISOString()) {
      if (await commitOnce(store, services.clock, () => expire(store, a, now, timezone))) expired++;
      continue;
    }
    const remindDays = effectiveSettings(org.settings).adjustmentRemindDays;
    if (!a.remindedAt && new Date(a.createdAt).getTime() + remindDays * DAY_MS <= now.getTime()) {
      if (await commitOnce(store, services.clock, () => remind(store, a, now, remindDays))) reminded++;
    }
  }
  return { reminded, expired };
}

/** Build and commit one batch; false when its claim was already taken. */
async function commitOnce(
  store: Store,
  clock: Clock,
  build: () => Promise<{ statements: Statement[]; messages: OutboundItem[] }>,
): Promise<boolean> {
  const { statements, messages } = await build();
  try {
    // Messages are due now in real time, whatever moment the sweep was asked to judge.
    await store.atomic([...statements, ...outboxStatements(store, messages, clock.now())]);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

async function expire(store: Store, a: Adjustment, now: Date, timezone: string) {
  const at = now.toISOString();
  const rc = await loadRequestContext(store, a);
  const copies = await sentCopies(store, adjustmentSubject(a.id));
  const outcome = (): ApprovalOutcome => ({ status: 'expired', at: formatMoment(a.expiresAt ?? at, timezone) });
  const messages = await resolveCopies(store, { ...rc, adjustment: { ...a, status: 'expired' } }, outcome);
  if (rc.requester) {
    const to = await addressOf(store, rc.requester.id, copies[0]?.platform as Platform | undefined);
    const locale = localeOf(rc.requester);
    if (to)
      messages.push({
        operation: 'send',
        to,
        message: { text: t(locale, 'adjust.expired', { change: changeText(locale, rc) }) },
        orgId: a.orgId,
      });
  }
  const statements: Statement[] = [
    store.db.insert(claims).values({ key: decisionClaim(a.id), createdAt: at }),
    store.db.update(adjustments).set({ status: 'expired', decidedAt: at }).where(eq(adjustments.id, a.id)),
    ...discardStatements(store, a, now),
    webhookEventStatement(store, {
      orgId: a.orgId,
      type: 'adjustment.decided',
      data: adjustmentDecidedData({ ...a, status: 'expired', decidedAt: at }),
      now,
    }),
    auditStatement(store, {
      orgId: a.orgId,
      actorType: 'system',
      action: 'adjustment.expired',
      entityType: 'adjustment',
      entityId: a.id,
      data: { kind: a.kind },
      now,
    }),
  ];
  return { statements, messages, now };
}

async function remind(store: Store, a: Adjustment, now: Date, days: number) {
  const at = now.toISOString();
  const rc = await loadRequestContext(store, a);
  const messages: OutboundItem[] = [];
  const seen = new Set<string>();
  // Remind wherever the approval card went: that is where the approver looks.
  for (const copy of await sentCopies(store, adjustmentSubject(a.id))) {
    const key = `${copy.to.platform}:${copy.to.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const locale = localeOf(await personAt(store, a.orgId, copy.to));
    const change = changeText(locale, rc);
    const line = a.reason ? t(locale, 'approval.reminderChange', { change, reason: a.reason }) : change;
    const text = `${t(locale, 'adjust.reminder', { requester: rc.requester?.name ?? '', days })}\n${line}`;
    messages.push({ operation: 'send', to: copy.to, message: { text }, orgId: a.orgId });
  }
  const statements: Statement[] = [
    store.db.insert(claims).values({ key: `adjustment:${a.id}:remind`, createdAt: at }),
    store.db.update(adjustments).set({ remindedAt: at }).where(eq(adjustments.id, a.id)),
    auditStatement(store, {
      orgId: a.orgId,
      actorType: 'system',
      action: 'adjustment.reminded',
      entityType: 'adjustment',
      entityId: a.id,
      data: { recipients: messages.length },
      now,
    }),
  ];
  return { statements, messages, now };
}
