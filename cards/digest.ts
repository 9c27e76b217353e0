// The weekly team digest: the team's objectives and KRs with progress, the
// change since last week and status; each member's progress; the biggest movers;
// who has not checked in; open adjustment requests. Pure: the job computes the
// numbers (jobs/digest-data.ts), this lays them out.
import { pct, signedPct } from '../core/format';
import { type MessageKey, t } from '../core/i18n';
import type { Locale } from '../storage/schema';
import type { Card, CardBlock, TrackStatus } from './model';
import { byUrgency, statusColor, userText, worstStatus } from './model';

export interface DigestKr {
  title: string;
  progress: number;
  /** Progress change since the start of the window (−1..1). */
  delta: number;
  status: TrackStatus;
}

export interface DigestObjective {
  title: string;
  progress: number;
  delta: number;
  status: TrackStatus;
  keyResults: DigestKr[];
}

export interface DigestMember {
  name: string;
  progress: number;
  delta: number;
  status: TrackStatus;
}

export interface DigestMover {
  name: string;
  title: string;
  delta: number;
}

export interface DigestAdjustment {
  requester: string;
  kind: string;
  reason: string | null;
}

export interface TeamDigest {
  teamName: string;
  cycleName: string;
  /** ISO week, e.g. 2026-W48. */
  week: string;
  objectives: DigestObjective[];
  members: DigestMember[];
  movers: DigestMover[];
  notCheckedIn: string[];
  adjustments: DigestAdjustment[];
}

const MAX_LISTED_ADJUSTMENTS = 5;

export function buildDigestCard(digest: TeamDigest, locale: Locale): Card {
  const blocks: CardBlock[] = [];
  blocks.push({ type: 'markdown', text: t(locale, 'digest.objectives') });
  if (!digest.objectives.length) blocks.push({ type: 'note', text: t(locale, 'digest.noObjectives') });
  for (const o of digest.objectives) {
    blocks.push({
      type: 'progress',
      label: `**${userText(o.title)}**`,
      percent: Math.round(o.progress * 100),
      status: o.status,
      detail: detail(locale, o),
    });
    for (const kr of o.keyResults) {
      blocks.push({
        type: 'progress',
        label: userText(kr.title),
        percent: Math.round(kr.progress * 100),
        status: kr.status,
        detail: detail(locale, kr),
      });
    }
  }
  if (digest.members.length) {
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'markdown', text: t(locale, 'digest.members') });
    const sorted = [...digest.members].sort(byUrgency);
    for (const m of sorted) {
      blocks.push({
        type: 'progress',
        label: userText(m.name),
        percent: Math.round(m.progress * 100),
        status: m.status,
        detail: detail(locale, m),
      });
    }
  }
  blocks.push({ type: 'divider' });
  blocks.push({ type: 'markdown', text: t(locale, 'digest.movers') });
  blocks.push(
    digest.movers.length
      ? {
          type: 'markdown',
          text: digest.movers
            .map(
              (m) =>
                `• ${t(locale, 'digest.moverLine', {
                  name: userText(m.name),
                  title: userText(m.title),
                  delta: signedPct(m.delta),
                })}`,
            )
            .join('\n'),
        }
      : { type: 'note', text: t(locale, 'digest.noMovers') },
  );
  blocks.push({
    type: 'markdown',
    text: digest.notCheckedIn.length
      ? t(locale, 'digest.notCheckedIn', {
          names: digest.notCheckedIn.map((n) => userText(n)).join(t(locale, 'list.separator')),
        })
      : t(locale, 'digest.allCheckedIn'),
  });
  if (digest.adjustments.length) {
    const lines = digest.adjustments.slice(0, MAX_LISTED_ADJUSTMENTS).map(
      (a) =>
        `• ${t(locale, 'digest.adjustmentLine', {
          name: userText(a.requester),
          kind: kindLabel(locale, a.kind),
          reason: a.reason ? `（${userText(a.reason)}）` : '',
        }).trim()}`,
    );
    if (digest.adjustments.length > MAX_LISTED_ADJUSTMENTS) lines.push('…');
    blocks.push({
      type: 'markdown',
      text: `${t(locale, 'digest.adjustments', { count: digest.adjustments.length })}\n${lines.join('\n')}`,
    });
  }
  blocks.push({ type: 'note', text: t(locale, 'digest.footer') });

  const all = [...digest.objectives.map((o) => o.status), ...digest.members.map((m) => m.status)];
  const progressSource = digest.objectives.length ? digest.objectives : digest.members;
  const average = progressSource.length
    ? progressSource.reduce((s, x) => s + x.progress, 0) / progressSource.length
    : 0;
  return {
    header: {
      title: t(locale, 'digest.title', { team: userText(digest.teamName) }),
      subtitle: t(locale, 'digest.subtitle', {
        cycle: userText(digest.cycleName),
        week: digest.week,
        progress: pct(average),
      }),
      color: statusColor(worstStatus(all)),
    },
    blocks,
  };
}

function detail(locale: Locale, x: { status: TrackStatus; delta: number }): string {
  return t(locale, 'digest.krDetail', { status: t(locale, `status.${x.status}`), delta: signedPct(x.delta) });
}

function kindLabel(locale: Locale, kind: string): string {
  const key = `adjustment.kind.${kind}` as const;
  return (['target', 'start', 'title', 'weight', 'drop', 'add', 'new_objective'] as string[]).includes(kind)
    ? t(locale, key as MessageKey)
    : kind;
}
