// Recording a KR check-in from chat (`KR1 45 信心 7 备注 …`) or from a card
// button, and answering with the KR's updated progress card.
import { buildKrProgressCard } from '../../../cards/kr-progress';
import type { Card } from '../../../cards/model';
import { checkInStatements } from '../../../storage/repos/okrs';
import type { CheckInSource } from '../../../storage/schema';
import { t, type MessageKey } from '../../../core/i18n';
import { formatValue } from '../../../core/format';
import { krProgress } from '../../../core/okr/progress';
import { trackStatus } from '../../../core/okr/status';
import type { ChatContext } from '../context';
import type { Effects } from '../effects';
import { loadPersonOkrView, type PersonOkrView } from '../okr-view';

type KrEntry = PersonOkrView['krs'][number];

export interface CheckInRequest {
  value: number;
  /** The user typed `45%` for a KR that is not a percentage: read it as progress. */
  percentSign?: boolean;
  confidence?: number | null;
  note?: string | null;
  source: CheckInSource;
}

export type CheckInOutcome =
  | { ok: true; effects: Effects; card: Card; summary: string }
  | { ok: false; message: string };

export function checkIn(ctx: ChatContext, view: PersonOkrView, kr: KrEntry, request: CheckInRequest): CheckInOutcome {
  const { locale } = ctx;
  if (kr.row.progressMode !== 'manual') {
    return {
      ok: false,
      message: t(locale, kr.row.progressMode === 'metric' ? 'checkin.metricManaged' : 'checkin.childrenManaged', {
        kr: `KR${kr.number}`,
        title: kr.title,
      }),
    };
  }
  const value = resolveValue(kr, request);
  if (typeof value === 'string')
    return {
      ok: false,
      message: t(locale, value, { kr: `KR${kr.number}`, target: formatValue(kr.target, kr.unit, kr.kind, locale) }),
    };

  const now = ctx.clock.now();
  const { statements } = checkInStatements(ctx.store, {
    orgId: ctx.org.id,
    kr: kr.row,
    authorId: ctx.person.id,
    value,
    confidence: request.confidence ?? null,
    note: request.note ?? null,
    source: request.source,
    now,
  });
  const updated = {
    ...kr.row,
    currentValue: value,
    confidence: request.confidence ?? kr.row.confidence,
    lastCheckInAt: now.toISOString(),
  };
  const p = krProgress(updated);
  const krView = {
    ...kr,
    current: value,
    progress: p.progress,
    rawProgress: p.raw,
    confidence: updated.confidence,
    lastCheckInAt: updated.lastCheckInAt,
    status: trackStatus({
      progress: p.progress,
      expected: view.cycle?.expectedPace ?? 0,
      confidence: updated.confidence,
      hasCheckIn: true,
    }),
  };
  const card = buildKrProgressCard({
    person: { id: ctx.person.id, name: ctx.person.name, locale },
    kr: krView,
    objectiveTitle: kr.objectiveTitle,
    justCheckedIn: { previous: kr.current, value, confidence: request.confidence ?? null, note: request.note ?? null },
  });
  const summary = t(locale, 'checkin.recorded', {
    kr: `KR${kr.number}`,
    title: kr.title,
    from: formatValue(kr.current, kr.unit, kr.kind, locale),
    to: formatValue(value, kr.unit, kr.kind, locale),
    progress: `${Math.round(p.raw * 100)}%`,
  });
  return { ok: true, effects: { statements, messages: [] }, card, summary };
}

/** The number to store, or an i18n key explaining why the input does not fit the KR. */
function resolveValue(kr: KrEntry, { value, percentSign }: CheckInRequest): number | MessageKey {
  if (!Number.isFinite(value) || Math.abs(value) > 1e12) return 'checkin.badValue';
  switch (kr.kind) {
    case 'boolean':
      if (percentSign) return value >= 100 ? 1 : 0;
      return value === 0 || value === 1 ? value : 'checkin.booleanValue';
    case 'milestone':
      if (!Number.isInteger(value) || value < 0 || value > kr.target) return 'checkin.milestoneValue';
      return value;
    case 'percent':
      return value;
    default:
      // "KR1 45%" on a KR counted in 份 or 元: 45% of the way from start to target.
      return percentSign ? round(kr.start + (value / 100) * (kr.target - kr.start)) : value;
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Find KRn in the person's current view, loading it if needed. */
export async function personView(ctx: ChatContext): Promise<PersonOkrView> {
  return loadPersonOkrView(
    ctx.store,
    ctx.org.id,
    ctx.person,
    ctx.clock.now(),
    ctx.org.settings.timezone ?? ctx.config.defaultTimezone,
  );
}

/** "KR1 课程满意度 (45%)" lines, for replies that must remind people of their KRs. */
export function krList(view: PersonOkrView): string {
  return view.krs.map((k) => `KR${k.number} ${k.title} (${Math.round(k.progress * 100)}%)`).join('\n');
}
