// A request in words, as every reader sees it: the change line ("KR1 目标值
// 60% → 80%"), the approval card's view and the decision time. Everything is
// read live, so a KR that changed after the request shows its current values.
import type { ApprovalCardView } from '../../cards/approval';
import { formatValue } from '../../core/format';
import type { Store } from '../../storage/db';
import { getKeyResult, getObjective, personOkrs } from '../../storage/repos/okrs';
import { getPerson } from '../../storage/repos/people';
import type { Adjustment, KeyResult, Objective, Person } from '../../storage/repos/types';
import { cycles } from '../../storage/schema';
import { eq } from 'drizzle-orm';
import type { KrLine } from '../chat/kr-line';
import { t, type Locale } from '../../core/i18n';
import { krProgress } from '../../core/okr/progress';

export interface RequestContext {
  adjustment: Adjustment;
  requester: Person | undefined;
  kr: KeyResult | undefined;
  objective: Objective | undefined;
  parentKr: KeyResult | undefined;
  cycleName: string | undefined;
  /** Display numbers on the requester's "my OKRs" card, when still listed. */
  krNumber: number | undefined;
  objectiveNumber: number | undefined;
}

export async function loadRequestContext(store: Store, adjustment: Adjustment): Promise<RequestContext> {
  const { orgId } = adjustment;
  const requester = await getPerson(store, orgId, adjustment.requesterId);
  const kr = adjustment.keyResultId ? await getKeyResult(store, orgId, adjustment.keyResultId) : undefined;
  const objectiveId = adjustment.objectiveId ?? kr?.objectiveId;
  const objective = objectiveId ? await getObjective(store, orgId, objectiveId) : undefined;
  const parentKr = objective?.parentKrId ? await getKeyResult(store, orgId, objective.parentKrId) : undefined;
  const cycleId = adjustment.cycleId ?? objective?.cycleId;
  const [cycle] = cycleId
    ? await store.db.select({ name: cycles.name }).from(cycles).where(eq(cycles.id, cycleId)).limit(1)
    : [];
  let krNumber: number | undefined;
  let objectiveNumber: number | undefined;
  if (requester && cycleId) {
    const numbered = await personOkrs(store, { orgId, personId: requester.id, cycleId });
    if (kr) krNumber = numbered.numbers.get(kr.id);
    const o = objective ? numbered.objectives.findIndex((x) => x.objective.id === objective.id) : -1;
    if (o >= 0) objectiveNumber = o + 1;
  }
  return { adjustment, requester, kr, objective, parentKr, cycleName: cycle?.name, krNumber, objectiveNumber };
}

const num = (x: number | undefined) => (x === undefined ? '?' : x);

function fieldValue(locale: Locale, field: string, value: unknown, kr: KeyResult | undefined): string {
  if (typeof value !== 'number') return String(value ?? '—');
  if (field === 'weight' || !kr) return String(value);
  return formatValue(value, { kind: kr.kind, unit: kr.unit }, locale);
}

/** The change in one line, in `locale`. */
export function changeText(locale: Locale, rc: RequestContext): string {
  const { adjustment: a, kr } = rc;
  const current = a.current ?? {};
  const proposed = a.proposed;
  switch (a.kind) {
    case 'target':
    case 'start':
    case 'weight':
      return t(locale, `adjust.change.${a.kind}`, {
        number: num(rc.krNumber),
        from: fieldValue(locale, a.kind, current[a.kind], kr),
        to: fieldValue(locale, a.kind, proposed[a.kind], kr),
      });
    case 'title':
      if (!a.keyResultId)
        return t(locale, 'adjust.change.objectiveTitle', {
          number: num(rc.objectiveNumber),
          from: String(current.title ?? ''),
          to: String(proposed.title ?? ''),
        });
      return t(locale, 'adjust.change.title', {
        number: num(rc.krNumber),
        from: String(current.title ?? kr?.title ?? ''),
        to: String(proposed.title ?? ''),
      });
    case 'drop':
      return t(locale, 'adjust.change.drop', {
        number: num(rc.krNumber),
        title: String(current.title ?? kr?.title ?? ''),
      });
    case 'add': {
      const line = proposed.kr as KrLine | undefined;
      const shape = { kind: line?.kind ?? 'number', unit: line?.unit } as const;
      const range = line
        ? ` ${formatValue(line.start, shape, locale)} → ${formatValue(line.target, shape, locale)}`
        : '';
      return `${t(locale, 'adjust.change.add', { number: num(rc.objectiveNumber), title: line?.title ?? '' })}${range}`;
    }
    case 'new_objective':
      return t(locale, 'adjust.change.newObjective', { title: String(proposed.title ?? rc.objective?.title ?? '') });
  }
}

/** The live value of the changed field, when it differs from what the requester saw. */
function changedMeanwhile(locale: Locale, rc: RequestContext): string | null {
  const { adjustment: a, kr } = rc;
  if (!kr || !a.current) return null;
  const live: Record<string, unknown> = {
    target: kr.targetValue,
    start: kr.startValue,
    weight: kr.weight,
    title: kr.title,
  };
  if (!(a.kind in live) || !(a.kind in a.current)) return null;
  if (live[a.kind] === a.current[a.kind]) return null;
  return fieldValue(locale, a.kind, live[a.kind], kr);
}

export function approvalView(locale: Locale, rc: RequestContext, delegatedFrom?: string | null): ApprovalCardView {
  const { adjustment: a, kr } = rc;
  return {
    locale,
    adjustmentId: a.id,
    kind: a.kind,
    requesterName: rc.requester?.name ?? a.requesterId,
    cycleName: rc.cycleName ?? null,
    objectiveTitle: rc.objective?.title ?? (a.kind === 'new_objective' ? String(a.proposed.title ?? '') : null),
    krLabel: kr ? `KR${num(rc.krNumber)} ${kr.title}` : null,
    change: changeText(locale, rc),
    reason: a.reason,
    // Never below 0: a KR behind its start shows 0%, not -20% (issue 18); overshoot stays visible.
    progressPercent: kr ? Math.max(0, Math.round(krProgress(kr).raw * 100)) : null,
    parentTitle: rc.parentKr?.title ?? null,
    changedMeanwhile: changedMeanwhile(locale, rc),
    delegatedFrom: delegatedFrom ?? null,
  };
}

/** "2026-11-27 10:00" in the reader's time zone. */
export function formatMoment(at: Date | string, timezone: string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(date);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
  } catch {
    return date.toISOString().slice(0, 16).replace('T', ' ');
  }
}
