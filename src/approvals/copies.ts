// Every approval card sent for a request (subject `adjustment:<id>`), turned
// into its resolved form once the request is decided or expires: one outbox
// `update` per copy, addressed by the outbox row that sent it, so the delivery
// worker finds the message on whichever platform it went to.
import type { Platform } from '../../bots/types';
import { buildResolvedApprovalCard, type ApprovalOutcome } from '../../cards/approval';
import type { Store } from '../../storage/db';
import { localeOf } from '../../core/i18n';
import type { OutboundItem } from '../outbox/enqueue';
import { isClickedCopy, sentCopies } from '../outbox/copies';
import { personAt } from './addresses';
import { approvalView, type RequestContext } from './describe';
import { adjustmentSubject } from './request';

/** Updates for every copy but the clicked one (which the click's own answer replaces). */
export async function resolveCopies(
  store: Store,
  rc: RequestContext,
  outcome: (locale: 'zh-CN' | 'en') => ApprovalOutcome,
  except?: { platform: Platform; messageId: string },
): Promise<OutboundItem[]> {
  const items: OutboundItem[] = [];
  for (const copy of await sentCopies(store, adjustmentSubject(rc.adjustment.id))) {
    if (except && isClickedCopy(copy, except)) continue;
    const reader = await personAt(store, rc.adjustment.orgId, copy.to);
    const locale = localeOf(reader);
    const card = buildResolvedApprovalCard(approvalView(locale, rc), outcome(locale));
    items.push({
      operation: 'update',
      ref: { platform: copy.platform, outboxId: copy.outboxId },
      message: { card },
      orgId: rc.adjustment.orgId,
      subject: adjustmentSubject(rc.adjustment.id),
    });
  }
  return items;
}
