// Plain data the pure OKR functions work on. They mirror storage/schema.ts
// columns but carry no storage types, so src/okr stays free of Drizzle.
import type { KrDirection, KrKind, ProgressMode } from '../../storage/schema';

export type { KrDirection, KrKind, ProgressMode };
export type TrackStatus = 'on_track' | 'at_risk' | 'off_track' | 'done' | 'not_started';

export interface KrValues {
  kind: KrKind;
  startValue: number;
  targetValue: number;
  currentValue: number;
  direction: KrDirection;
}

export interface CycleWindow {
  /** Inclusive ISO dates, YYYY-MM-DD. */
  startsOn: string;
  endsOn: string;
}
