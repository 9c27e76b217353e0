// "Updated this week", one definition for the weekly digest, the `团队` card and
// check-in reminders: a person is expected to update their **manual** KRs
// (metric-fed and roll-up KRs update themselves, so they neither count as an
// update nor make anyone expected to update), and has updated when one of those
// has a check-in at or after the start of the week in question (Monday 00:00
// local time of the current week for `团队` and reminders; the start of the
// seven days the digest looks back on for the digest).

export interface CheckInShape {
  progressMode: 'manual' | 'metric' | 'children';
  lastCheckInAt: string | null;
}

/** Whether the person has anything to update by hand. */
export function expectedToCheckIn(krs: readonly CheckInShape[]): boolean {
  return krs.some((k) => k.progressMode === 'manual');
}

/** Whether one of the person's manual KRs has a check-in at or after `sinceIso`. */
export function checkedInSince(krs: readonly CheckInShape[], sinceIso: string): boolean {
  return krs.some((k) => k.progressMode === 'manual' && !!k.lastCheckInAt && k.lastCheckInAt >= sinceIso);
}
