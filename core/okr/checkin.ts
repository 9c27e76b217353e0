// The one validation of a check-in value, shared by chat (`KR1 45`, `KR1 +2`,
// `KR1 完成`), card buttons and `POST /api/v1/key-results/:id/check-ins`: what
// value an input means for a KR of a given kind, whether it fits that kind at
// all, and whether it is so far off the KR's range that a person should
// confirm it before it is written (docs/okr-math.md, "Check-in values").
import { krProgress } from './progress';
import type { KrValues } from './types';

export interface CheckInInput {
  /** The number given: an absolute value, or a change when `delta` is set. */
  value: number;
  /** `+2` / `-2`: add to the current value instead of replacing it. */
  delta?: boolean;
  /** `45%` typed for a KR that is not a percentage: read as progress from start to target. */
  percentSign?: boolean;
  /** The value was a word: 完成 / done (true) or 未完成 / not done (false). */
  done?: boolean;
}

export type CheckInError =
  | 'bad_value' // not a finite number, or absurdly large
  | 'boolean_value' // a yes/no KR takes done / not done (1 / 0) only
  | 'milestone_value' // a milestone KR takes a whole number of milestones 0..target
  | 'not_done_on_number'; // `未完成` on a number KR says nothing about the value

/** Why a value needs the person's confirmation before it is written. */
export type ConfirmReason =
  | 'done_on_number' // `完成` on a number KR: set it to the target?
  | 'beyond_target' // far past the target (more than half the range beyond it)
  | 'behind_start' // behind the start (progress below 0)
  | 'negative'; // below zero on a KR whose range is all ≥ 0

export type CheckInCheck = { ok: true; value: number; confirm?: ConfirmReason } | { ok: false; error: CheckInError };

/** Values more than this share of the start→target range beyond the target ask for confirmation. */
export const FAR_BEYOND_TARGET = 0.5;
const MAX_ABS = 1e12;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function checkInValue(kr: KrValues & { currentValue: number }, input: CheckInInput): CheckInCheck {
  const { kind, startValue: start, targetValue: target, currentValue: current } = kr;
  if (!Number.isFinite(input.value) || Math.abs(input.value) > MAX_ABS) return { ok: false, error: 'bad_value' };

  if (kind === 'boolean') {
    if (input.done !== undefined) return { ok: true, value: input.done ? 1 : 0 };
    if (input.delta) return { ok: false, error: 'boolean_value' };
    if (input.percentSign) {
      if (input.value === 100) return { ok: true, value: 1 };
      if (input.value === 0) return { ok: true, value: 0 };
      return { ok: false, error: 'boolean_value' };
    }
    return input.value === 0 || input.value === 1
      ? { ok: true, value: input.value }
      : { ok: false, error: 'boolean_value' };
  }

  if (kind === 'milestone') {
    let value: number;
    if (input.done !== undefined) {
      if (!input.done) return { ok: false, error: 'milestone_value' };
      value = target;
    } else if (input.delta) value = current + input.value;
    else if (input.percentSign) value = round6((input.value / 100) * target);
    else value = input.value;
    if (!Number.isInteger(value) || value < 0 || value > target) return { ok: false, error: 'milestone_value' };
    return { ok: true, value };
  }

  // number, percent, currency
  if (input.done === false) return { ok: false, error: 'not_done_on_number' };
  if (input.done === true) return { ok: true, value: target, confirm: 'done_on_number' };
  let value: number;
  if (input.delta) value = round6(current + input.value);
  else if (input.percentSign && kind !== 'percent') value = round6(start + (input.value / 100) * (target - start));
  else value = input.value;
  if (Math.abs(value) > MAX_ABS) return { ok: false, error: 'bad_value' };
  const confirm = outOfRange({ ...kr, currentValue: value });
  return confirm ? { ok: true, value, confirm } : { ok: true, value };
}

/**
 * When a value is implausible for its KR: below zero although start and target are both ≥ 0,
 * behind the start (progress < 0), or more than half the range past the target (progress > 1.5).
 * A KR whose start equals its target has no range; only the sign rule applies.
 */
export function outOfRange(kr: KrValues): ConfirmReason | undefined {
  const { startValue: start, targetValue: target, currentValue: value } = kr;
  if (value < 0 && Math.min(start, target) >= 0) return 'negative';
  if (start === target) return undefined;
  const raw = krProgress(kr).raw;
  if (raw < 0) return 'behind_start';
  if (raw > 1 + FAR_BEYOND_TARGET) return 'beyond_target';
  return undefined;
}
