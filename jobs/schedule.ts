// When is a job due? Jobs declare a schedule in local time (a cron expression
// read in the org's or team's time zone). The runtime wakes up on a coarse UTC
// tick (every 15 minutes: node-cron on Node, a Cron Trigger on Workers) and asks,
// for each time zone in use, "has a slot passed that has no finished run yet?".
// croner is pure JS with Intl time zones, so the same matching runs on Workers
// and under a fake clock in tests.
import { Cron } from 'croner';
import { periodKey, type PeriodUnit } from '../core/time';

const crons = new Map<string, Cron>();

function cronFor(expression: string, timeZone: string): Cron {
  const key = `${expression}|${timeZone}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(expression, { timezone: timeZone, paused: true });
    crons.set(key, cron);
  }
  return cron;
}

/** Throws a clear error for a malformed expression. */
export function validateCron(expression: string): void {
  new Cron(expression, { paused: true }).stop();
}

/** Does the minute of `at` match `expression` (UTC unless a zone is given)? Used to route a Cron Trigger. */
export function cronMatches(expression: string, at: Date, timeZone = 'UTC'): boolean {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  return cronFor(expression, timeZone).match(minute);
}

/** The latest slot of `expression` in `timeZone` at or before `now`, or undefined. */
export function latestSlot(expression: string, timeZone: string, now: Date): Date | undefined {
  const cron = cronFor(expression, timeZone);
  // previousRuns looks strictly before the reference, so the reference is a second later for a
  // slot at exactly `now` to count as passed. In the last second before a slot, that first
  // answer is the coming slot; the one before it is the latest that has passed.
  return cron.previousRuns(2, new Date(now.getTime() + 1000)).find((slot) => slot.getTime() <= now.getTime());
}

/** The first slot of `expression` in `timeZone` strictly after `after`, or undefined. */
export function nextSlot(expression: string, timeZone: string, after: Date): Date | undefined {
  return cronFor(expression, timeZone).nextRun(after) ?? undefined;
}

export interface DueSlot {
  slot: Date;
  /** The run's key in job_runs: the period, plus `@<zone>` for a unit outside the org's zone. */
  period: string;
  /** The period job messages are keyed by (without the zone); defaults to `period`. */
  messagePeriod?: string;
}

/**
 * The slot to run now, if any: the latest slot that has passed, provided it is
 * not older than `catchUpMs` (after downtime a digest still goes out on Monday
 * afternoon, but a freshly deployed server does not send last Friday's reminders).
 */
export function dueSlot(
  schedule: { cron: string; period: PeriodUnit; catchUpMs: number },
  timeZone: string,
  now: Date,
): DueSlot | undefined {
  const slot = latestSlot(schedule.cron, timeZone, now);
  if (!slot || now.getTime() - slot.getTime() > schedule.catchUpMs) return undefined;
  return { slot, period: periodKey(schedule.period, slot, timeZone) };
}
