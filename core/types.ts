// The vocabulary every layer shares, defined once at the bottom so that the domain,
// storage, cards, adapters and the app agree without importing upwards.

export type Platform = 'lark' | 'wecom' | 'dingtalk';
export type Locale = 'zh-CN' | 'en';

export type KrKind = 'number' | 'percent' | 'currency' | 'boolean' | 'milestone';
export type KrDirection = 'up' | 'down';
export type ProgressMode = 'manual' | 'metric' | 'children';
export type MetricAggregation = 'last' | 'sum' | 'avg';

/** Where a KR stands against its expected pace (see core/okr/status.ts). */
export type TrackStatus = 'on_track' | 'at_risk' | 'off_track' | 'done' | 'not_started';

export type { Clock } from './clock';

export interface OrgSettings {
  /** New objectives of people who manage nobody wait for their manager's approval. */
  approveNewObjectives?: boolean;
  /** Days before a pending adjustment reminds its approver, and before it expires. */
  adjustmentRemindDays?: number;
  adjustmentExpireDays?: number;
  /** Check-in reminders a person may receive in one week. */
  reminderCapPerWeek?: number;
  timezone?: string;
  /** Per-job schedule overrides, read in the org's (or team's) time zone: `{ "weekly-digest": "0 9 * * 1" }`. */
  schedules?: Record<string, string>;
  /**
   * Alert sending: `observe` (the default) records every firing and sends nothing; `send` sends
   * what fires from then on. Set by an admin (docs/rules.md).
   */
  alerts?: 'observe' | 'send';
  /** Where people who have never written to the bot get alerts, reminders and digests. */
  defaultPlatform?: Platform;
  /** Performance review (docs/review.md): the scale people score on, 0.0–1.0 in 0.1 steps or 0–100. */
  reviewScale?: ReviewScale;
  /** Days from the review's start to the self-assessment due date, and from that to the calibration due date. */
  reviewSelfDays?: number;
  reviewCalibrationDays?: number;
  /** The review starts on its own this many days before a cycle's `ends_on` (0: never). */
  reviewAutoStartDays?: number;
  /** ISO date: cycles ending before it show data but do not count for appraisal. */
  observationUntil?: string;
}

export type ReviewScale = '0-1' | '0-100';
