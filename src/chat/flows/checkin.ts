// Recording a KR check-in from chat (`KR1 45 信心 7 备注 …`) or from a card
// button, and answering with the KR's updated progress card.
import { buildKrProgressCard } from '../../../cards/kr-progress';
import type { Card } from '../../../cards/model';
import { checkInStatements } from '../../../storage/repos/okrs';
import type { CheckInSource } from '../../../storage/schema';
import { t, type MessageKey } from '../../../core/i18n';
import { formatValue } from '../../../core/format';
import { checkInValue, type CheckInError, type ConfirmReason } from '../../../core/okr/checkin';
import { krProgress } from '../../../core/okr/progress';
import { trackStatus } from '../../../core/okr/status';
import type { ChatContext } from '../context';
import type { Effects } from '../effects';
import { loadPersonOkrView, type PersonOkrView } from '../okr-view';

type KrEntry = PersonOkrView['krs'][number];

export interface CheckInRequest {
  /** The number given: an absolute value, or a change when `delta` is set. */
  value: number;
  /** The user typed `45%` for a KR that is not a percentage: read it as progress. */
  percentSign?: boolean;
  /** `+2` / `-2`: a change to the current value. */
  delta?: boolean;
  /** The value was a word: 完成 / done (true) or 未完成 / not done (false). */
  done?: boolean;
  /** The person already confirmed an out-of-range value (or `完成` on a number KR). */
  confirmed?: boolean;
  /** Only the confidence (and note) change; the value stays as it is. */
  keepValue?: boolean;
  confidence?: number | null;
  note?: string | null;
  source: CheckInSource;
}

export type CheckInOutcome =
  | { ok: true; effects: Effects; card: Card; summary: string }
  | { ok: false; message: string }
  /** The value needs the person's confirmation first (src/okr/checkin.ts). */
  | { ok: 'confirm'; value: number; reason: ConfirmReason; message: string; card: Card };

const ERROR_KEYS: Record<CheckInError, MessageKey> = {
  bad_value: 'checkin.badValue',
  boolean_value: 'checkin.booleanValue',
  milestone_value: 'checkin.milestoneValue',
  not_done_on_number: 'checkin.notDoneOnNumber',
};

export function checkIn(ctx: ChatContext, kr: KrEntry, request: CheckInRequest): CheckInOutcome {
  const { locale } = ctx;
  const label = { kr: `KR${kr.number}`, title: kr.title };
  if (kr.row.progressMode !== 'manual') {
    return {
      ok: false,
      message: t(locale, kr.row.progressMode === 'metric' ? 'checkin.metricManaged' : 'checkin.childrenManaged', label),
    };
  }
  const fmt = (n: number) => formatValue(n, kr.unit, kr.kind, locale);
  let value = kr.current;
  if (!request.keepValue) {
    const check = checkInValue(kr.row, {
      value: request.value,
      delta: request.delta,
      percentSign: request.percentSign,
      done: request.done,
    });
    if (!check.ok)
      return {
        ok: false,
        message: t(locale, ERROR_KEYS[check.error], {
          ...label,
          target: fmt(kr.target),
          targetNumber: String(kr.target),
          start: fmt(kr.start),
        }),
      };
    if (check.confirm && !request.confirmed) return askToConfirm(ctx, kr, check.value, check.confirm, request);
    value = check.value;
  }

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
      expected: kr.expected,
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
  const summary = t(locale, request.keepValue ? 'checkin.confidenceRecorded' : 'checkin.recorded', {
    kr: `KR${kr.number}`,
    title: kr.title,
    confidence: request.confidence ?? '—',
    from: formatValue(kr.current, kr.unit, kr.kind, locale),
    to: formatValue(value, kr.unit, kr.kind, locale),
    progress: `${Math.round(p.raw * 100)}%`,
  });
  return { ok: true, effects: { statements, messages: [] }, card, summary };
}

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

/** The confirmation card for a value that does not look right: confirm (button or `确认`) or cancel. */
function askToConfirm(
  ctx: ChatContext,
  kr: KrEntry,
  value: number,
  reason: ConfirmReason,
  request: CheckInRequest,
): CheckInOutcome {
  const { locale } = ctx;
  const fmt = (n: number) => formatValue(n, kr.unit, kr.kind, locale);
  const raw = krProgress({ ...kr.row, currentValue: value }).raw;
  const params = {
    kr: `KR${kr.number}`,
    title: kr.title,
    from: fmt(kr.current),
    to: fmt(value),
    start: fmt(kr.start),
    target: fmt(kr.target),
    progress: `${Math.round(raw * 100)}%`,
  };
  const message = t(locale, `checkin.confirm.${reason}`, params);
  const card: Card = {
    header: { title: t(locale, 'checkin.confirm.title', params), subtitle: kr.title, color: 'orange' },
    blocks: [
      { type: 'markdown', text: message },
      {
        type: 'actions',
        buttons: [
          {
            text: t(locale, 'checkin.confirm.yes', params),
            actionId: 'kr.checkin',
            value: { kr: kr.id, value: String(value), confirmed: '1' },
            style: 'primary',
            command: t(locale, 'checkin.confirm.word'),
          },
          {
            text: t(locale, 'checkin.confirm.no'),
            actionId: 'kr.confirmCancel',
            value: { kr: kr.id },
            command: t(locale, 'checkin.confirm.cancelWord'),
          },
        ],
      },
      { type: 'note', text: t(locale, 'checkin.confirm.hint') },
    ],
  };
  void request;
  return { ok: 'confirm', value, reason, message, card };
}
