// Most improved (进步奖, docs/review.md#most-improved): the people and teams whose final score
// rose most against the previous reviewed cycle, so the close rewards improvement and not
// only results. Only rises count; people and teams reviewed in one of the two cycles only
// are left out, as there is nothing to compare.
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import type { DigestMostImproved } from '../../cards/company-digest';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Store } from '../../storage/db';
import type { Cycle, Organization } from '../../storage/repos/types';
import { cycles, people, reviews, teams } from '../../storage/schema';
import { roundScore } from '../../core/okr/review';
import { loadCycleReviews, reviewFinal } from './service';

export interface Improvement {
  id: string;
  name: string;
  previous: number;
  current: number;
  delta: number;
}

export interface MostImproved {
  previous_cycle: { id: string; name: string } | null;
  people: Improvement[];
  teams: Improvement[];
}

const TOP = 3;

async function finalsOf(store: Store, orgId: string, cycleId: string) {
  const all = await loadCycleReviews(store, orgId, cycleId);
  return all.map(({ review, objectives }) => ({
    personId: review.personId,
    teamId: review.teamId,
    score: review.finalScore ?? reviewFinal(review, objectives),
  }));
}

/** The closest earlier cycle (by end date) that had a review. */
async function previousReviewed(store: Store, orgId: string, cycle: Cycle) {
  const earlier = await store.db
    .select({ id: cycles.id, name: cycles.name })
    .from(cycles)
    .where(and(eq(cycles.orgId, orgId), lt(cycles.endsOn, cycle.endsOn)))
    .orderBy(desc(cycles.endsOn))
    .limit(12);
  for (const c of earlier) {
    if (c.id === cycle.id) continue;
    const [one] = await store.db.select({ id: reviews.id }).from(reviews).where(eq(reviews.cycleId, c.id)).limit(1);
    if (one) return c;
  }
  return undefined;
}

function mean(xs: number[]) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

export async function mostImproved(store: Store, org: Organization, cycle: Cycle): Promise<MostImproved> {
  const previous = await previousReviewed(store, org.id, cycle);
  if (!previous) return { previous_cycle: null, people: [], teams: [] };
  const now = await finalsOf(store, org.id, cycle.id);
  const before = new Map((await finalsOf(store, org.id, previous.id)).map((r) => [r.personId, r.score]));
  const names = new Map(
    (await store.db.select({ id: people.id, name: people.name }).from(people).where(eq(people.orgId, org.id))).map(
      (p) => [p.id, p.name],
    ),
  );
  const teamNames = new Map(
    (await store.db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.orgId, org.id))).map((t) => [
      t.id,
      t.name,
    ]),
  );
  const personGains: Improvement[] = [];
  for (const r of now) {
    const was = before.get(r.personId);
    if (was === undefined || r.score <= was) continue;
    personGains.push({
      id: r.personId,
      name: names.get(r.personId) ?? '',
      previous: was,
      current: r.score,
      delta: roundScore(r.score - was),
    });
  }
  // Teams: the mean score of the people reviewed in both cycles, by their team now.
  const byTeam = new Map<string, { was: number[]; is: number[] }>();
  for (const r of now) {
    const was = before.get(r.personId);
    if (!r.teamId || was === undefined) continue;
    const entry = byTeam.get(r.teamId) ?? { was: [], is: [] };
    entry.was.push(was);
    entry.is.push(r.score);
    byTeam.set(r.teamId, entry);
  }
  const teamGains: Improvement[] = [];
  for (const [teamId, { was, is }] of byTeam) {
    const previousMean = roundScore(mean(was));
    const currentMean = roundScore(mean(is));
    if (currentMean <= previousMean) continue;
    teamGains.push({
      id: teamId,
      name: teamNames.get(teamId) ?? '',
      previous: previousMean,
      current: currentMean,
      delta: roundScore(currentMean - previousMean),
    });
  }
  const top = (xs: Improvement[]) => xs.sort((a, b) => b.delta - a.delta || a.name.localeCompare(b.name)).slice(0, TOP);
  return { previous_cycle: previous, people: top(personGains), teams: top(teamGains) };
}

/** How long after a close the company digest keeps naming its most improved: four weekly digests. */
export const DIGEST_IMPROVED_DAYS = 28;

/**
 * Most improved for the weekly company digest: the newest cycle closed in the last
 * DIGEST_IMPROVED_DAYS days against the cycle reviewed before it, or null (no recent close, no
 * earlier review, or nobody rose). Final scores only: a review still running names nobody.
 */
export async function digestMostImproved(
  services: { store: Store },
  org: Organization,
  now: Date,
): Promise<DigestMostImproved | null> {
  const since = new Date(now.getTime() - DIGEST_IMPROVED_DAYS * 86_400_000).toISOString();
  const [cycle] = await services.store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, org.id), eq(cycles.status, 'closed'), gte(cycles.closedAt, since)))
    .orderBy(desc(cycles.closedAt))
    .limit(1);
  if (!cycle) return null;
  const found = await mostImproved(services.store, org, cycle);
  if (!found.previous_cycle || (!found.people.length && !found.teams.length)) return null;
  const plain = ({ name, previous, current, delta }: Improvement) => ({ name, previous, current, delta });
  return {
    cycleName: cycle.name,
    previousCycleName: found.previous_cycle.name,
    scale: effectiveSettings(org.settings).reviewScale,
    people: found.people.map(plain),
    teams: found.teams.map(plain),
  };
}
