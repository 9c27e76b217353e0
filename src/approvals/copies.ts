// Every approval card sent for a request (subject `adjustment:<id>`), turned
// into its resolved form once the request is decided or expires: one outbox
// `update` per copy, addressed by the outbox row that sent it, so the delivery
// worker finds the message on whichever platform it went to.
import { and, eq } from 'drizzle-orm';
import type { Address, Platform } from '../../bots/types';
import { buildResolvedApprovalCard, type ApprovalOutcome } from '../../cards/approval';
import type { Store } from '../../storage/db';
import { outbox } from '../../storage/schema';
import { localeOf } from '../i18n';
import type { OutboundItem } from '../outbox/enqueue';
import { personAt } from './addresses';
import { approvalView, type RequestContext } from './describe';
import { adjustmentSubject } from './request';

export interface CardCopy {
  outboxId: string;
  platform: Platform;
  to: Address;
  messageId?: string;
  /** WeCom's task_id of the card: a WeCom click names the card by it, not by the msgid the send returned. */
  taskId?: string;
}

export async function approvalCardCopies(store: Store, adjustmentId: string): Promise<CardCopy[]> {
  const rows = await store.db.select().from(outbox)
    .where(and(eq(outbox.subject, adjustmentSubject(adjustmentId)), eq(outbox.operation, 'send')));
  return rows.map((r) => {
    const sent = r.sentRef as { messageId?: string; extra?: { taskId?: unknown } } | null;
    return {
      outboxId: r.id, platform: r.platform,
      to: r.target as unknown as Address,
      messageId: sent?.messageId,
      taskId: typeof sent?.extra?.taskId === 'string' ? sent.extra.taskId : undefined,
    };
  });
}

/** Is `copy` the card that was clicked? (Then the click's own answer updates it, and a second update would be redundant.) */
function isClickedCopy(copy: CardCopy, clicked: { platform: Platform; messageId: string }): boolean {
  if (copy.platform !== clicked.platform) return false;
  return copy.messageId === clicked.messageId || (copy.taskId !== undefined && copy.taskId === clicked.messageId);
}

/** Updates for every copy but the clicked one (which the click's own answer replaces). */
export async function resolveCopies(
  store: Store, rc: RequestContext, outcome: (locale: 'zh-CN' | 'en') => ApprovalOutcome, except?: { platform: Platform; messageId: string },
): Promise<OutboundItem[]> {
  const items: OutboundItem[] = [];
  for (const copy of await approvalCardCopies(store, rc.adjustment.id)) {
    if (except && isClickedCopy(copy, except)) continue;
    const reader = await personAt(store, rc.adjustment.orgId, copy.to);
    const locale = localeOf(reader);
    const card = buildResolvedApprovalCard(approvalView(locale, rc), outcome(locale));
    items.push({ operation: 'update', ref: { platform: copy.platform, outboxId: copy.outboxId }, message: { card }, orgId: rc.adjustment.orgId, subject: adjustmentSubject(rc.adjustment.id) });
  }
  return items;
}
