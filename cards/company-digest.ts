// The company-level weekly digest for admins: the org figures from the design
// brief (alignment rate, check-in rate, adjustment requests per 100 people per
// month) and the KR status distribution. Pure.
import { jt, pct } from '../core/i18n/job-messages';
import type { Locale } from '../storage/schema';
import type { Card, TrackStatus } from './model';

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
}

export function buildCompanyDigestCard(d: CompanyDigest, locale: Locale): Card {
  const color = d.checkInRate >= 0.8 && d.alignmentRate >= 0.8 ? 'green' : d.checkInRate >= 0.5 ? 'orange' : 'red';
  return {
    header: {
      title: jt(locale, 'company.title', { org: d.orgName }),
      subtitle: jt(locale, 'company.subtitle', { cycle: d.cycleName, week: d.week }),
      color,
    },
    blocks: [
      { type: 'progress', label: jt(locale, 'company.alignment'), percent: Math.round(d.alignmentRate * 100) },
      { type: 'progress', label: jt(locale, 'company.checkIn'), percent: Math.round(d.checkInRate * 100) },
      {
        type: 'fields',
        fields: [
          { label: jt(locale, 'company.adjustment'), value: String(d.adjustmentRatePer100) },
          { label: jt(locale, 'company.people'), value: String(d.people) },
          { label: jt(locale, 'company.objectives'), value: String(d.objectives) },
          { label: jt(locale, 'company.checkIn'), value: pct(d.checkInRate) },
        ],
      },
      { type: 'divider' },
      {
        type: 'markdown',
        text: `${jt(locale, 'company.status')}\n${jt(locale, 'company.statusLine', d.statusCounts)}`,
      },
      { type: 'note', text: jt(locale, 'company.pending', { count: d.pendingAdjustments }) },
    ],
  };
}
