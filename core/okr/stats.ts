// Org figures from the design brief: alignment rate, check-in rate and
// adjustment requests per 100 people per month. Pure arithmetic over counts
// that storage gathers with SQL aggregates.

/** n / d, 0 when d is 0, rounded to 4 decimals (enough for a percentage with 2). */
export function ratio(n: number, d: number): number {
  return d > 0 ? Math.round((n / d) * 10_000) / 10_000 : 0;
}

/** Share of the non-company, active objectives that are aligned to a parent KR. */
export function alignmentRate(aligned: number, eligible: number): number {
  return ratio(aligned, eligible);
}

/** Share of the org's people with at least one check-in in the last 7 days. */
export function checkInRate(peopleWhoCheckedIn: number, people: number): number {
  return ratio(peopleWhoCheckedIn, people);
}

export const ADJUSTMENT_WINDOW_DAYS = 30;
export const CHECK_IN_WINDOW_DAYS = 7;

/** Adjustment requests created in the last 30 days per 100 people (one "month"), 1 decimal. */
export function adjustmentRatePer100(requests: number, people: number): number {
  return people > 0 ? Math.round((requests / people) * 100 * 10) / 10 : 0;
}

/** The instant `days` days before `now`, as stored in created_at columns (ISO, UTC). */
export function windowStart(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}
