// Computes team digests for a batch of teams with a fixed number of bulk reads
// (people, objectives, KRs, the window's check-ins, pending adjustments), never
// one query per person, so 1,000 teams stay close to the cost of reading the rows.
//
// "Change since last week": a KR's value at the window start is the
// previous_value of its first check-in inside the window (= its value just
// before), else the latest check-in value before the window, else its start
// value; a KR without check-ins in the window did not move. 'children' KRs are
// rolled up through every level aligned below them, now and at the window start,
// by the roll-up the tree and chat use (storage/repos/children-rollup.ts).
import { and, asc, count, eq, gte, inArray, sql } from 'drizzle-orm';
import type { DigestMover, TeamDigest } from '../cards/digest';
import type { Store } from '../storage/db';
import { alignedSubtree, rollUpChildren } from '../storage/repos/children-rollup';
import { keyResultsOf, type ObjectiveWithKrs } from '../storage/repos/okrs';
import type { Adjustment, CheckIn, Cycle, KeyResult, Objective, Person, Team } from '../storage/repos/types';
import { adjustments, checkIns, keyResults, objectives, people } from '../storage/schema';
import { checkedInSince, expectedToCheckIn } from '../core/okr/checked-in';
import { expectedPace } from '../core/okr/pace';
import { krProgress, objectiveProgress } from '../core/okr/progress';
import { trackStatus } from '../core/okr/status';
import type { TrackStatus } from '../core/okr/types';

const CHUNK = 90;
const MOVERS = 3;

async function chunked<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) out.push(...(await read(unique.slice(i, i + CHUNK))));
  return out;
}

/**
 * The check-ins since `sinceIso` on the given KRs, oldest first. A batch whose KRs reach far down
 * the alignment tree (a department's 'children' KRs cover most of the org) would take one
 * statement per CHUNK KRs; when the org's whole window holds no more check-ins than there are
 * KRs to ask about, one read of the window (check_ins_org_time) filtered here is cheaper.
 */
async function checkInsSince(store: Store, orgId: string, krs: KeyResult[], sinceIso: string): Promise<CheckIn[]> {
  const ids = new Set(krs.map((k) => k.id));
  if (ids.size > CHUNK) {
    const [{ n }] = await store.db
      .select({ n: count() })
      .from(checkIns)
      .where(and(eq(checkIns.orgId, orgId), gte(checkIns.createdAt, sinceIso)));
    if (n <= ids.size) {
      const all = await store.db
        .select()
        .from(checkIns)
        .where(and(eq(checkIns.orgId, orgId), gte(checkIns.createdAt, sinceIso)))
        .orderBy(asc(checkIns.createdAt));
      return all.filter((ci) => ids.has(ci.keyResultId));
    }
  }
  return chunked([...ids], (c) =>
    store.db
      .select()
      .from(checkIns)
      .where(and(inArray(checkIns.keyResultId, c), gte(checkIns.createdAt, sinceIso)))
      .orderBy(asc(checkIns.createdAt)),
  );
}

export interface DigestWindow {
  /** Start of the week the digest looks back on (slot − 7 days). */
  start: Date;
  now: Date;
  timeZone: string;
  /** Local date, for `paused_until` comparisons. */
  today: string;
  week: string;
}

export interface TeamDigestData {
  team: Team;
  digest: TeamDigest;
  members: Person[];
  manager: Person | undefined;
}

interface Pair {
  now: number;
  start: number;
}

export async function computeTeamDigests(
  store: Store,
  orgId: string,
  cycle: Cycle,
  teamList: Team[],
  window: DigestWindow,
): Promise<TeamDigestData[]> {
  const teamIds = teamList.map((t) => t.id);
  const members = await chunked(teamIds, (c) =>
    store.db
      .select()
      .from(people)
      // Leavers drop out of team cards; their history stays in the data.
      .where(and(eq(people.orgId, orgId), inArray(people.teamId, c), eq(people.status, 'active'))),
  );
  const memberIds = members.map((m) => m.id);
  const knownPeople = new Map(members.map((p) => [p.id, p]));
  const missingManagers = teamList.map((t) => t.managerId).filter((id): id is string => !!id && !knownPeople.has(id));
  for (const m of await chunked(missingManagers, (c) =>
    store.db
      .select()
      .from(people)
      .where(and(eq(people.orgId, orgId), inArray(people.id, c))),
  ))
    knownPeople.set(m.id, m);

  const active = and(eq(objectives.orgId, orgId), eq(objectives.cycleId, cycle.id), eq(objectives.status, 'active'));
  const personObjectives = await chunked(memberIds, (c) =>
    store.db
      .select()
      .from(objectives)
      .where(and(active, eq(objectives.ownerType, 'person'), inArray(objectives.ownerPersonId, c)))
      .orderBy(asc(objectives.position), asc(objectives.createdAt)),
  );
  const teamObjectives = await chunked(teamIds, (c) =>
    store.db
      .select()
      .from(objectives)
      .where(and(active, eq(objectives.ownerType, 'team'), inArray(objectives.ownerTeamId, c)))
      .orderBy(asc(objectives.position), asc(objectives.createdAt)),
  );
  const krsByObjective = await keyResultsOf(
    store,
    [...personObjectives, ...teamObjectives].map((o) => o.id),
    { activeOnly: true },
  );

  // Every level aligned below the 'children' KRs, as the tree and chat roll them up.
  const childParents = [...krsByObjective.values()]
    .flat()
    .filter((k) => k.progressMode === 'children')
    .map((k) => k.id);
  const owned: ObjectiveWithKrs[] = [...personObjectives, ...teamObjectives].map((objective) => ({
    objective,
    keyResults: krsByObjective.get(objective.id) ?? [],
  }));
  const below = childParents.length
    ? await alignedSubtree(
        store,
        orgId,
        childParents,
        owned.map((o) => o.objective.id),
      )
    : [];

  const allKrs = [...owned, ...below].flatMap((o) => o.keyResults);
  const windowIso = window.start.toISOString();
  const windowCheckIns = await checkInsSince(store, orgId, allKrs, windowIso);
  const firstInWindow = new Map<string, CheckIn>();
  for (const ci of windowCheckIns) {
    if (!firstInWindow.has(ci.keyResultId)) firstInWindow.set(ci.keyResultId, ci);
  }
  const valueAtStart = new Map<string, number>();
  const withoutPrevious: string[] = [];
  for (const [krId, first] of firstInWindow) {
    if (first.previousValue != null) valueAtStart.set(krId, first.previousValue);
    else withoutPrevious.push(krId);
  }
  // The latest check-in before the window, for each such KR: the same index search per KR as
  // a query of its own would do, CHUNK KRs per statement.
  const before = await chunked(withoutPrevious, (c) =>
    store.db
      .select({
        id: keyResults.id,
        // Spelled out: Drizzle leaves columns unqualified in a one-table select, and an unqualified
        // "id" inside the sub-select would be the check-in's.
        value: sql<
          number | null
        >`(SELECT c.value FROM check_ins AS c WHERE c.key_result_id = key_results.id AND c.created_at < ${windowIso} ORDER BY c.created_at DESC LIMIT 1)`,
      })
      .from(keyResults)
      .where(inArray(keyResults.id, c)),
  );
  for (const row of before) if (row.value != null) valueAtStart.set(row.id, row.value);

  const expected = expectedPace(cycle, window.now, window.timeZone);
  const pairs = new Map<string, Pair>();

  // Each KR's own pair once: both roll-ups and the views ask for it.
  const plainPairs = new Map<string, Pair>();
  const plainPair = (kr: KeyResult): Pair => {
    let p = plainPairs.get(kr.id);
    if (p) return p;
    const now = krProgress(kr).progress;
    if (!firstInWindow.has(kr.id)) p = { now, start: now };
    else {
      const startValue = valueAtStart.get(kr.id) ?? kr.startValue;
      p = { now, start: krProgress({ ...kr, currentValue: startValue }).progress };
    }
    plainPairs.set(kr.id, p);
    return p;
  };
  const objectivePair = (list: KeyResult[], pairOf: (kr: KeyResult) => Pair): Pair => {
    const krPairs = list.map((kr) => ({ kr, p: pairOf(kr) }));
    return {
      now: objectiveProgress(krPairs.map(({ kr, p }) => ({ progress: p.now, weight: kr.weight }))),
      start: objectiveProgress(krPairs.map(({ kr, p }) => ({ progress: p.start, weight: kr.weight }))),
    };
  };
  const tree = [...owned, ...below];
  const rolledNow = childParents.length ? rollUpChildren(tree, (kr) => plainPair(kr).now) : new Map<string, number>();
  const rolledStart = childParents.length
    ? rollUpChildren(tree, (kr) => plainPair(kr).start)
    : new Map<string, number>();
  const krPair = (kr: KeyResult): Pair => {
    let p = pairs.get(kr.id);
    if (p) return p;
    p =
      kr.progressMode === 'children' && rolledNow.has(kr.id)
        ? { now: rolledNow.get(kr.id)!, start: rolledStart.get(kr.id) ?? rolledNow.get(kr.id)! }
        : plainPair(kr);
    pairs.set(kr.id, p);
    return p;
  };
  const status = (progress: number, list: KeyResult[]): TrackStatus => {
    const confidences = list.map((k) => k.confidence).filter((c): c is number => c != null);
    return trackStatus({
      progress,
      expected,
      confidence: confidences.length ? Math.min(...confidences) : null,
      hasCheckIn: list.some((k) => k.lastCheckInAt),
    });
  };

  const pending = await chunked(memberIds, (c) =>
    store.db
      .select()
      .from(adjustments)
      .where(and(eq(adjustments.orgId, orgId), eq(adjustments.status, 'pending'), inArray(adjustments.requesterId, c)))
      .orderBy(asc(adjustments.createdAt)),
  );
  const pendingByRequester = new Map<string, Adjustment[]>();
  for (const a of pending) pendingByRequester.set(a.requesterId, [...(pendingByRequester.get(a.requesterId) ?? []), a]);

  const membersByTeam = new Map<string, Person[]>();
  for (const m of members) membersByTeam.set(m.teamId!, [...(membersByTeam.get(m.teamId!) ?? []), m]);
  const objectivesByPerson = new Map<string, Objective[]>();
  for (const o of personObjectives)
    objectivesByPerson.set(o.ownerPersonId!, [...(objectivesByPerson.get(o.ownerPersonId!) ?? []), o]);
  const objectivesByTeam = new Map<string, Objective[]>();
  for (const o of teamObjectives)
    objectivesByTeam.set(o.ownerTeamId!, [...(objectivesByTeam.get(o.ownerTeamId!) ?? []), o]);

  return teamList.map((team) => {
    const teamMembers = (membersByTeam.get(team.id) ?? []).sort(
      (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
    );
    const movers: (DigestMover & { abs: number })[] = [];
    const addMovers = (name: string, list: KeyResult[]) => {
      for (const kr of list) {
        const p = krPair(kr);
        const delta = p.now - p.start;
        if (Math.abs(delta) >= 0.005) movers.push({ name, title: kr.title, delta, abs: Math.abs(delta) });
      }
    };

    const objectiveViews = (objectivesByTeam.get(team.id) ?? []).map((o) => {
      const list = krsByObjective.get(o.id) ?? [];
      addMovers(team.name, list);
      const p = objectivePair(list, krPair);
      return {
        title: o.title,
        progress: p.now,
        delta: p.now - p.start,
        status: status(p.now, list),
        keyResults: list.map((kr) => {
          const kp = krPair(kr);
          return { title: kr.title, progress: kp.now, delta: kp.now - kp.start, status: status(kp.now, [kr]) };
        }),
      };
    });

    const notCheckedIn: string[] = [];
    const memberViews = teamMembers.map((m) => {
      const owned = objectivesByPerson.get(m.id) ?? [];
      const ownKrs = owned.flatMap((o) => krsByObjective.get(o.id) ?? []);
      addMovers(m.name, ownKrs);
      const objectivePairs = owned.map((o) => objectivePair(krsByObjective.get(o.id) ?? [], krPair));
      const progress = mean(objectivePairs.map((p) => p.now));
      const onLeave = !!m.pausedUntil && m.pausedUntil >= window.today;
      // One definition with `团队` and reminders (core/okr/checked-in.ts): manual KRs only.
      if (expectedToCheckIn(ownKrs) && !onLeave && !checkedInSince(ownKrs, windowIso)) notCheckedIn.push(m.name);
      return {
        name: m.name,
        progress,
        delta: progress - mean(objectivePairs.map((p) => p.start)),
        status: owned.length ? status(progress, ownKrs) : ('not_started' as TrackStatus),
      };
    });

    movers.sort((a, b) => b.abs - a.abs || a.name.localeCompare(b.name));
    const names = new Map(teamMembers.map((m) => [m.id, m.name]));
    const digest: TeamDigest = {
      teamName: team.name,
      cycleName: cycle.name,
      week: window.week,
      objectives: objectiveViews,
      members: memberViews,
      movers: movers.slice(0, MOVERS).map(({ name, title, delta }) => ({ name, title, delta })),
      notCheckedIn,
      adjustments: teamMembers
        .flatMap((m) => pendingByRequester.get(m.id) ?? [])
        .map((a) => ({ requester: names.get(a.requesterId) ?? a.requesterId, kind: a.kind, reason: a.reason })),
    };
    return {
      team,
      digest,
      members: teamMembers,
      manager: team.managerId ? knownPeople.get(team.managerId) : undefined,
    };
  });
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
