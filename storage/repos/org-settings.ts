// An organisation's settings as they apply: what the org stored, with the
// defaults filled in. The defaults live here and nowhere else, so the approval
// flows, the jobs and the admin API (which shows `effective_settings`) agree.
import type { OrgSettings, Platform } from '../schema';
import type { ReviewScale } from '../../core/types';

export const ORG_SETTING_DEFAULTS = {
  /** People who manage nobody wait for their manager's approval of a new objective. */
  approveNewObjectives: true,
  adjustmentRemindDays: 2,
  adjustmentExpireDays: 7,
  reminderCapPerWeek: 2,
  /** Alerts are recorded, not sent, until an admin turns sending on. */
  alerts: 'observe',
  reviewScale: '0-1',
  reviewSelfDays: 7,
  reviewCalibrationDays: 5,
  /** Off until an admin sets it: a review changes how people are paid, so it never starts by surprise. */
  reviewAutoStartDays: 0,
} as const;

/** Accepted ranges, checked by the admin API before anything is stored. */
export const ORG_SETTING_BOUNDS = {
  adjustmentRemindDays: { min: 1, max: 30 },
  adjustmentExpireDays: { min: 2, max: 90 },
  reminderCapPerWeek: { min: 0, max: 14 },
  reviewSelfDays: { min: 1, max: 60 },
  reviewCalibrationDays: { min: 1, max: 60 },
  reviewAutoStartDays: { min: 0, max: 60 },
} as const;

export interface EffectiveOrgSettings {
  approveNewObjectives: boolean;
  adjustmentRemindDays: number;
  adjustmentExpireDays: number;
  reminderCapPerWeek: number;
  alerts: 'observe' | 'send';
  /** Where people who never wrote to the bot get messages; null: the first platform they are bound to. */
  defaultPlatform: Platform | null;
  /** The org's zone, else the fallback given (TZ_DEFAULT), else null. */
  timezone: string | null;
  /** Only the org's overrides; each job's own schedule applies to the others. */
  schedules: Record<string, string>;
  reviewScale: ReviewScale;
  reviewSelfDays: number;
  reviewCalibrationDays: number;
  reviewAutoStartDays: number;
  observationUntil: string | null;
}

export function effectiveSettings(
  settings: OrgSettings | null | undefined,
  fallbackTimezone?: string | null,
): EffectiveOrgSettings {
  const s = settings ?? {};
  return {
    approveNewObjectives: s.approveNewObjectives ?? ORG_SETTING_DEFAULTS.approveNewObjectives,
    adjustmentRemindDays: s.adjustmentRemindDays ?? ORG_SETTING_DEFAULTS.adjustmentRemindDays,
    adjustmentExpireDays: s.adjustmentExpireDays ?? ORG_SETTING_DEFAULTS.adjustmentExpireDays,
    reminderCapPerWeek: s.reminderCapPerWeek ?? ORG_SETTING_DEFAULTS.reminderCapPerWeek,
    alerts: s.alerts ?? ORG_SETTING_DEFAULTS.alerts,
    defaultPlatform: s.defaultPlatform ?? null,
    timezone: s.timezone ?? fallbackTimezone ?? null,
    schedules: { ...(s.schedules ?? {}) },
    reviewScale: s.reviewScale ?? ORG_SETTING_DEFAULTS.reviewScale,
    reviewSelfDays: s.reviewSelfDays ?? ORG_SETTING_DEFAULTS.reviewSelfDays,
    reviewCalibrationDays: s.reviewCalibrationDays ?? ORG_SETTING_DEFAULTS.reviewCalibrationDays,
    reviewAutoStartDays: s.reviewAutoStartDays ?? ORG_SETTING_DEFAULTS.reviewAutoStartDays,
    observationUntil: s.observationUntil ?? null,
  };
}
