// Approvals on the dashboard: the pending requests in the words of the approval card (no ids, no JSON), with
// times in the org's time zone, and the decision itself. Deciding goes through the very function a card click
// uses (src/approvals/decide.ts): the same eligibility rules (routed approver or active delegate), the same
// one-shot claim, audit entry, change applied, requester notice, and every copy of the approval card turned
// into its outcome through the outbox.
import { and, asc, eq } from 'drizzle-orm';
import { isUniqueViolation, type Store } from '../../storage/db';
import { getPerson } from '../../storage/repos/people';
import { adjustments } from '../../storage/schema';
import type { Locale } from '../../core/i18n';
import { t } from '../../core/i18n';
import type { Effects } from '../chat/effects';
import { decideAdjustment, type DecideContext, type Decision } from '../approvals/decide';
import { approvalView, formatMoment, loadRequestContext } from '../approvals/describe';
import { eligibleDeciders, standingInFor } from '../approvals/routing';
import { outboxStatements } from '../outbox/enqueue';
import type { Services } from '../services';
import type { Scope, Viewer } from './viewer';

export interface PendingApproval {
  id: string;
  kind: string;
  requester: string;
  approver: string | null;
  objectiveTitle: string | null;
  krLabel: string | null;
  /** The change in words, exactly as the approval card says it. */
  change: string;
  reason: string | null;
  /** The live value when it changed after the request. */
  changedMeanwhile: string | null;
  createdAt: string;
  /** `createdAt` in the org's time zone, "YYYY-MM-DD HH:mm". */
  createdLocal: string;
  /** The viewer is the routed approver or their active delegate. */
  canDecide: boolean;
}

/** Pending adjustments: all of them for whole-org viewers, else those the viewer approves or that come from their scope. */
export async function pendingApprovals(
  store: Store,
  input: { orgId: string; scope: Scope; viewerId?: string; locale: Locale; timeZone: string; now: Date },
  limit = 50,
): Promise<PendingApproval[]> {
  const { orgId, scope, viewerId } = input;
  const rows = await store.db
    .select()
    .from(adjustments)
    .where(and(eq(adjustments.orgId, orgId), eq(adjustments.status, 'pending')))
    .orderBy(asc(adjustments.createdAt))
    .limit(scope.kind === 'all' ? limit : 1000);
  // Eligibility takes a few queries per request: a scoped viewer who stands in for nobody only needs it for
  // requests routed to them or coming from their people (their reports are the requesters they approve).
  const standsIn = !!viewerId && (await standingInFor(store, orgId, viewerId, input.now)).length > 0;
  const out: PendingApproval[] = [];
  for (const a of rows) {
    if (out.length >= limit) break;
    if (scope.kind !== 'all' && !standsIn && a.approverId !== viewerId && !scope.personIds.has(a.requesterId)) continue;
    const eligible = await eligibleDeciders(store, a, input.now);
    const canDecide = !!viewerId && eligible.has(viewerId);
    if (scope.kind !== 'all' && !canDecide && a.approverId !== viewerId && !scope.personIds.has(a.requesterId))
      continue;
    const rc = await loadRequestContext(store, a);
    const view = approvalView(input.locale, rc);
    const approver = a.approverId ? await getPerson(store, orgId, a.approverId) : undefined;
    out.push({
      id: a.id,
      kind: a.kind,
      requester: view.requesterName,
      approver: approver?.name ?? null,
      objectiveTitle: view.objectiveTitle ?? null,
      krLabel: view.krLabel ?? null,
      change: view.change,
      reason: a.reason,
      changedMeanwhile: view.changedMeanwhile ?? null,
      createdAt: a.createdAt,
      createdLocal: formatMoment(a.createdAt, input.timeZone),
      canDecide,
    });
  }
  return out;
}

export const MAX_NOTE_CHARS = 500;

export interface WebDecision {
  kind: 'success' | 'info' | 'warning' | 'error';
  text: string;
}

/**
 * Decides request `id` as the signed-in person. The admin token has no person and cannot decide (approvals are
 * people's decisions, audited under their name). Commits the decision's writes and outbox rows in one batch.
 */
export async function decideOnDashboard(
  deps: Services,
  viewer: Viewer,
  locale: Locale,
  input: { id: string; decision: Decision; note: string | null },
): Promise<WebDecision> {
  const { store, clock, config } = deps;
  if (!viewer.person) return { kind: 'error', text: t(locale, 'dash.approvals.adminCannotDecide') };
  const ctx: DecideContext = { store, clock, config, org: viewer.org, person: viewer.person, locale };
  const commit = async (effects: Effects) => {
    await store.atomic([...effects.statements, ...outboxStatements(store, effects.messages, clock.now())]);
    if (effects.messages.length) deps.defer(deps.outbox.drain());
  };
  let effects = await decideAdjustment(ctx, input);
  try {
    await commit(effects);
  } catch (error) {
    if (!isUniqueViolation(error) || !effects.onConflict) throw error;
    // Someone decided it first (a card click, another tab): say what happened, change nothing.
    effects = await effects.onConflict();
    await commit(effects);
  }
  const toast = effects.result?.toast;
  return toast ? { kind: toast.kind, text: toast.text } : { kind: 'error', text: t(locale, 'approval.notFound') };
}

/** Bounds a free-text note from a form; undefined when too long (refused, never cut). */
export function noteOf(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const note = value.trim();
  if (note.length > MAX_NOTE_CHARS) return undefined;
  return note || null;
}

export { formatMoment };
