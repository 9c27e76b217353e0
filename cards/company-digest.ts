// The company-level weekly digest for admins: the org figures from the design
// brief (alignment rate, check-in rate, adjustment requests per 100 people per
// month) and the KR status distribution. Pure.
import { t } from '../core/i18n';
import { toScale } from '../core/okr/review';
import type { ReviewScale } from '../core/types';
import type { Locale } from '../storage/schema';
import { userText, type Card, type TrackStatus } from './model';

export interface CompanyDigest {
  orgName: string;
  cycleName: string;
  week: string;
  alignmentRate: number;
  checkInRate: number;
  adjustmentRatePer100: number;
  people: number;
  objectives: number;
  statusCounts: Record<TrackStatus, number>;
  pendingAdjustments: number;
  /** Most improved (进步奖) of the cycle closed last, when it closed recently (src/review/improved.ts). */
  mostImproved?: DigestMostImproved | null;
}

export interface DigestImprovement {
  name: string;
  previous: number;
  current: number;
  delta: number;
}

export interface DigestMostImproved {
  cycleName: string;
  previousCycleName: string;
  scale: ReviewScale;
  people: DigestImprovement[];
  teams: DigestImprovement[];
}

function improvedBlocks(m: DigestMostImproved | null | undefined, locale: Locale): Card['blocks'] {
  if (!m || (!m.people.length && !m.teams.length)) return [];
  const line = (x: DigestImprovement) =>
    t(locale, 'company.improved.entry', {
      name: userText(x.name),
      previous: toScale(x.previous, m.scale),
      current: toScale(x.current, m.scale),
      delta: toScale(x.delta, m.scale),
    });
  const separator = t(locale, 'list.separator');
  const lines = [
    t(locale, 'company.improved.title', { cycle: userText(m.cycleName), previous: userText(m.previousCycleName) }),
  ];
  if (m.people.length) lines.push(t(locale, 'company.improved.people', { list: m.people.map(line).join(separator) }));
  if (m.teams.length) lines.push(t(locale, 'company.improved.teams', { list: m.teams.map(line).join(separator) }));
  return [{ type: 'divider' }, { type: 'markdown', text: lines.join('\n') }];
}

export function buildCompanyDigestCard(d: CompanyDigest, locale: Locale): Card {
  const color = d.checkInRate >= 0.8 && d.alignmentRate >= 0.8 ? 'green' : d.checkInRate >= 0.5 ? 'orange' : 'red';
  return {
    header: {
      title: t(locale, 'company.title', { org: userText(d.orgName) }),
      subtitle: t(locale, 'company.subtitle', { cycle: userText(d.cycleName), week: d.week }),
      color,
    },
    // Each figure once: the check-in rate is the bar, not also a field (issue 18).
    blocks: [
      { type: 'progress', label: t(locale, 'company.alignment'), percent: Math.round(d.alignmentRate * 100) },
      { type: 'progress', label: t(locale, 'company.checkIn'), percent: Math.round(d.checkInRate * 100) },
      {
        type: 'fields',
        fields: [
          { label: t(locale, 'company.adjustment'), value: String(d.adjustmentRatePer100) },
          { label: t(locale, 'company.people'), value: String(d.people) },
          { label: t(locale, 'company.objectives'), value: String(d.objectives) },
        ],
      },
      { type: 'divider' },
      {
        type: 'markdown',
        text: `${t(locale, 'company.status')}\n${t(locale, 'company.statusLine', d.statusCounts)}`,
      },
      { type: 'note', text: t(locale, 'company.pending', { count: d.pendingAdjustments }) },
      ...improvedBlocks(d.mostImproved, locale),
    ],
  };
}
