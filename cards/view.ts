// What the card builders need to know, already computed: numbering, progress
// and status come from the core (core/okr), so builders only lay things out.
import type { KrKind } from '../storage/schema';
import type { TrackStatus } from './model';

export interface KrView {
  /** Display number, `KR1`, `KR2`, … in the order of the "my OKRs" card. */
  number: number;
  id: string;
  title: string;
  kind: KrKind;
  start: number;
  target: number;
  current: number;
  unit?: string | null;
  direction: 'up' | 'down';
  /** Clamped 0..1. */
  progress: number;
  /** Unclamped (1.2 = 120%), when known; bars and labels show overshoot from it. */
  rawProgress?: number;
  status: TrackStatus;
  confidence?: number | null;
  lastCheckInAt?: string | null;
  progressMode?: 'manual' | 'metric' | 'children';
}

export interface ObjectiveView {
  id: string;
  title: string;
  progress: number;
  status: TrackStatus;
  /** The title of the parent KR this objective aligns to. */
  parentTitle?: string | null;
  keyResults: KrView[];
  /** Waiting for the manager's approval (a new objective): shown as 待审批. */
  pending?: boolean;
  /** Set when the objective belongs to another open cycle than the card's (an annual one beside Q4). */
  cycleName?: string;
}

export interface PersonView {
  id: string;
  name: string;
  locale: 'zh-CN' | 'en';
}

export interface CycleView {
  id: string;
  name: string;
  startsOn: string;
  endsOn: string;
  /** Fraction of the cycle elapsed, 0..1. */
  expectedPace: number;
}

/** Percent for a progress block: the unclamped value when known, so 120% shows as 120 (never below 0). */
export function krPercent(kr: Pick<KrView, 'progress' | 'rawProgress'>): number {
  const ratio = kr.rawProgress ?? kr.progress;
  return Math.max(0, Math.round((Number.isFinite(ratio) ? ratio : 0) * 100));
}

/** True when people update this KR by hand (not from metrics or a roll-up of aligned objectives). */
export function isManual(kr: Pick<KrView, 'progressMode'>): boolean {
  return (kr.progressMode ?? 'manual') === 'manual';
}
