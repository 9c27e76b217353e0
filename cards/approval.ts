// The approver's card for a goal-change request, and the same card once it is
// resolved. As in vercel/chat's approval example, the resolved card keeps the
// whole request visible, loses its buttons and gains an outcome line (who
// decided, when, and the note), so every copy of it tells the same story.
import { t, type Locale } from '../core/i18n';
import type { AdjustmentKind } from '../storage/schema';
import { userText, type Card, type CardBlock, type CardColor } from './model';

export interface ApprovalCardView {
  locale: Locale;
  adjustmentId: string;
  kind: AdjustmentKind;
  requesterName: string;
  cycleName?: string | null;
  objectiveTitle?: string | null;
  /** "KR1 续费率", when the request is about one KR. */
  krLabel?: string | null;
  /** One line, already in words: "KR1 目标值 60% → 80%". */
  change: string;
  reason?: string | null;
  /** KR progress 0..100, when the request is about one KR. */
  progressPercent?: number | null;
  /** Title of the parent KR the objective aligns to. */
  parentTitle?: string | null;
  /** Current values when the KR changed after the request was made. */
  changedMeanwhile?: string | null;
  /** The card went to a delegate: whose approval they stand in for. */
  delegatedFrom?: string | null;
}

export interface ApprovalOutcome {
  status: 'approved' | 'rejected' | 'expired' | 'withdrawn' | 'handed_back';
  /** Who decided (absent for expiry). */
  by?: string | null;
  /** Already formatted for the reader. */
  at: string;
  note?: string | null;
}

export function buildApprovalCard(view: ApprovalCardView): Card {
  const { locale } = view;
  const buttons = [
    {
      text: t(locale, 'approval.approve'),
      actionId: 'adj.approve',
      value: { adj: view.adjustmentId },
      style: 'primary' as const,
    },
    {
      text: t(locale, 'approval.reject'),
      actionId: 'adj.reject',
      value: { adj: view.adjustmentId },
      style: 'danger' as const,
    },
  ];
  return { header: header(view, 'blue'), blocks: [...body(view), { type: 'actions', buttons }] };
}

export function buildResolvedApprovalCard(view: ApprovalCardView, outcome: ApprovalOutcome): Card {
  const { locale } = view;
  const color: CardColor = outcome.status === 'approved' ? 'green' : outcome.status === 'rejected' ? 'red' : 'grey';
  const blocks: CardBlock[] = [
    ...body(view),
    { type: 'divider' },
    { type: 'markdown', text: `**${outcomeLine(locale, outcome)}**` },
  ];
  if (outcome.note)
    blocks.push({ type: 'note', text: t(locale, 'approval.decisionNote', { note: userText(outcome.note) }) });
  return { header: header(view, color), blocks };
}

/** "✅ 王经理 已于 11-27 10:00 同意": the outcome as one line, for cards and toasts. */
export function outcomeLine(locale: Locale, outcome: ApprovalOutcome): string {
  const name = outcome.by ? userText(outcome.by) : '';
  switch (outcome.status) {
    case 'approved':
      return `✅ ${t(locale, 'approval.decidedApproved', { name, time: outcome.at })}`;
    case 'rejected':
      return `❌ ${t(locale, 'approval.decidedRejected', { name, time: outcome.at })}`;
    case 'withdrawn':
      return `↩️ ${t(locale, 'approval.withdrawn', { name, time: outcome.at })}`;
    case 'handed_back':
      return `↪️ ${t(locale, 'approval.handedBack', { name })}`;
    default:
      return `⌛ ${t(locale, 'approval.expired', { time: outcome.at })}`;
  }
}

function header(view: ApprovalCardView, color: CardColor): Card['header'] {
  const title = t(view.locale, view.kind === 'new_objective' ? 'approval.titleNewObjective' : 'approval.title');
  const subtitle = view.cycleName
    ? t(view.locale, 'approval.subtitle', { requester: userText(view.requesterName), cycle: userText(view.cycleName) })
    : userText(view.requesterName);
  return { title, subtitle, color };
}

function body(view: ApprovalCardView): CardBlock[] {
  const { locale } = view;
  const fields: { label: string; value: string }[] = [];
  if (view.objectiveTitle)
    fields.push({ label: t(locale, 'approval.objective'), value: userText(view.objectiveTitle) });
  if (view.krLabel) fields.push({ label: t(locale, 'approval.kr'), value: userText(view.krLabel) });
  fields.push({ label: t(locale, 'approval.change'), value: userText(view.change) });
  fields.push({
    label: t(locale, 'approval.reason'),
    value: view.reason ? userText(view.reason) : t(locale, 'approval.noReason'),
  });
  if (view.parentTitle) fields.push({ label: t(locale, 'approval.parent'), value: userText(view.parentTitle) });
  const blocks: CardBlock[] = [{ type: 'fields', fields }];
  if (view.progressPercent != null)
    blocks.push({ type: 'progress', label: t(locale, 'approval.progress'), percent: view.progressPercent });
  if (view.changedMeanwhile)
    blocks.push({
      type: 'note',
      text: t(locale, 'approval.changedMeanwhile', { values: userText(view.changedMeanwhile) }),
    });
  if (view.delegatedFrom)
    blocks.push({ type: 'note', text: t(locale, 'approval.delegatedFrom', { name: userText(view.delegatedFrom) }) });
  return blocks;
}
