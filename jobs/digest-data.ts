// Computes team digests from one read of the org per digest run (people, the active
// objectives and KRs, the window's check-ins, pending adjustments: the rows a digest needs,
// each table in pages of one statement each), then every team's digest in memory, never a query per team
// or per batch of teams. A department's 'children' KRs reach most of the org below them: before,
// each batch read its aligned subtree again (and two of the per-batch reads scanned every active
// objective or pending adjustment of the org, picked by SQLite's planner); now the roll-up runs
// once over the org's active objectives.
//
// "Change since last week": a KR's value at the window start is the
// previous_value of its first check-in inside the window (= its value just
// before), else the latest check-in value before the window, else its start
// value; a KR without check-ins in the window did not move. 'children' KRs are
// rolled up through every level aligned below them, now and at the window start,
// by the roll-up the tree and chat use (storage/repos/children-rollup.ts).
import { and, asc, eq, gt, gte, inArray, sql } from 'drizzle-orm';
import type { DigestMover, TeamDigest } from '../cards/digest';
import type { Store } from '../storage/db';
import { READ_PAGE, readInPages } from '../storage/pages';
import { rollUpChildren } from '../storage/repos/children-rollup';
import type { ObjectiveWithKrs } from '../storage/repos/okrs';
import type { Adjustment, CheckIn, Cycle, KeyResult, Objective, Person, Team } from '../storage/repos/types';
import { adjustments, checkIns, keyResults, objectives, people } from '../storage/schema';
import { checkedInSince, expectedToCheckIn } from '../core/okr/checked-in';
import { nextTurn } from '../core/loop';
import { expectedPace } from '../core/okr/pace';
import { krProgress, objectiveProgress } from '../core/okr/progress';
import { trackStatus } from '../core/okr/status';
import type { TrackStatus } from '../core/okr/types';

const CHUNK = 90;
const MOVERS = 3;

async function chunked<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    // A turn between statements: a week of check-ins on a large org is many chunks.
    if (i > 0) await nextTurn();
    out.push(...(await read(unique.slice(i, i + CHUNK))));
  }
  return out;
}

/** SQLite's order of text (binary), for sorting in memory what a query would have ordered. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byPosition = (a: { position: number; createdAt: string; id: string }, b: typeof a) =>
  a.position - b.position || cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id);

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
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

/** What every team's digest of one run is computed from: the org's rows, read once, and their roll-ups. */
export interface DigestSource {
  cycle: Cycle;
  window: DigestWindow;
  people: Map<string, Person>;
  /** Active people by team, sorted by name (leavers drop out of team cards; their history stays). */
  membersByTeam: Map<string, Person[]>;
  /** The cycle's active objectives by owner, ordered as the cards show them. */
  objectivesByPerson: Map<string, Objective[]>;
  objectivesByTeam: Map<string, Objective[]>;
  /** Active KRs of every active objective, ordered by position. */
  krsByObjective: Map<string, KeyResult[]>;
  pendingByRequester: Map<string, Adjustment[]>;
  /** A KR's progress now and at the window start ('children' KRs rolled up). */
  krPair(kr: KeyResult): Pair;
  expected: number;
}

/**
 * Reads the rows a digest run needs, one statement per table, yielding to the event loop between
 * them, and rolls up every 'children' KR of the org now and at the window start.
 *
 * Objectives aligned below a KR count in its roll-up whatever their cycle (as alignedSubtree in
 * chat), so the org's active objectives are read, not the cycle's alone.
 */
export async function loadDigestSource(
  store: Store,
  orgId: string,
  cycle: Cycle,
  window: DigestWindow,
  pageSize = READ_PAGE,
): Promise<DigestSource> {
  const windowIso = window.start.toISOString();
  // Each large table in pages, in a turn of the event loop each (storage/pages.ts), in id order
  // through the primary key. `+org_id` keeps SQLite off people's org indexes, which would sort
  // every person of the org again for each page.
  const personRows = await readInPages<Person>(
    (last, limit) =>
      store.db
        .select()
        .from(people)
        .where(and(sql`+${people.orgId} = ${orgId}`, gt(people.id, last?.id ?? '')))
        .orderBy(asc(people.id))
        .limit(limit),
    pageSize,
  );
  const objectiveRows = await readInPages<Objective>(
    (last, limit) =>
      store.db
        .select()
        .from(objectives)
        .where(and(eq(objectives.orgId, orgId), eq(objectives.status, 'active'), gt(objectives.id, last?.id ?? '')))
        .orderBy(asc(objectives.id))
        .limit(limit),
    pageSize,
  );
  const krRows = await readInPages<KeyResult>(
    (last, limit) =>
      store.db
        .select()
        .from(keyResults)
        .where(and(eq(keyResults.orgId, orgId), eq(keyResults.status, 'active'), gt(keyResults.id, last?.id ?? '')))
        .orderBy(asc(keyResults.id))
        .limit(limit),
    pageSize,
  );
  const windowCheckIns = await readInPages<CheckIn>(
    (last, limit) =>
      store.db
        .select()
        .from(checkIns)
        .where(
          and(
            eq(checkIns.orgId, orgId),
            gte(checkIns.createdAt, windowIso),
            last ? sql`(${checkIns.createdAt}, ${checkIns.id}) > (${last.createdAt}, ${last.id})` : undefined,
          ),
        )
        .orderBy(asc(checkIns.createdAt), asc(checkIns.id))
        .limit(limit),
    pageSize,
  );
  await nextTurn();
  const pending = await store.db
    .select()
    .from(adjustments)
    .where(and(eq(adjustments.orgId, orgId), eq(adjustments.status, 'pending')))
    .orderBy(asc(adjustments.createdAt));

  const peopleById = new Map<string, Person>();
  const membersByTeam = new Map<string, Person[]>();
  for (const p of personRows) {
    peopleById.set(p.id, p);
    if (p.teamId && p.status === 'active') push(membersByTeam, p.teamId, p);
  }
  for (const list of membersByTeam.values())
    list.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));

  const krsByObjective = new Map<string, KeyResult[]>();
  for (const o of objectiveRows) krsByObjective.set(o.id, []);
  for (const kr of krRows) krsByObjective.get(kr.objectiveId)?.push(kr);
  for (const list of krsByObjective.values()) list.sort(byPosition);

  const objectivesByPerson = new Map<string, Objective[]>();
  const objectivesByTeam = new Map<string, Objective[]>();
  for (const o of [...objectiveRows].sort(byPosition)) {
    if (o.cycleId !== cycle.id) continue;
    if (o.ownerType === 'person' && o.ownerPersonId) push(objectivesByPerson, o.ownerPersonId, o);
    else if (o.ownerType === 'team' && o.ownerTeamId) push(objectivesByTeam, o.ownerTeamId, o);
  }

  const pendingByRequester = new Map<string, Adjustment[]>();
  for (const a of pending) push(pendingByRequester, a.requesterId, a);

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
  // Every level aligned below every 'children' KR, as the tree and chat roll them up: the whole
  // org's active objectives at once, instead of each team's subtree again.
  const hasChildren = krRows.some((k) => k.progressMode === 'children');
  const tree: ObjectiveWithKrs[] = objectiveRows.map((objective) => ({
    objective,
    keyResults: krsByObjective.get(objective.id) ?? [],
  }));
  // Each roll-up over the whole org in a turn of its own: about 35 ms each for 16,555 KRs.
  await nextTurn();
  const rolledNow = hasChildren ? rollUpChildren(tree, (kr) => plainPair(kr).now) : new Map<string, number>();
  await nextTurn();
  const rolledStart = hasChildren ? rollUpChildren(tree, (kr) => plainPair(kr).start) : new Map<string, number>();
  const pairs = new Map<string, Pair>();
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

  return {
    cycle,
    window,
    people: peopleById,
    membersByTeam,
    objectivesByPerson,
    objectivesByTeam,
    krsByObjective,
    pendingByRequester,
    krPair,
    expected: expectedPace(cycle, window.now, window.timeZone),
  };
}

/** Each team's digest from a run's source: no query, no await. */
export function teamDigests(source: DigestSource, teamList: Team[]): TeamDigestData[] {
  const { cycle, window, krsByObjective, krPair, expected } = source;
  const windowIso = window.start.toISOString();
  const objectivePair = (list: KeyResult[]): Pair => {
    const krPairs = list.map((kr) => ({ kr, p: krPair(kr) }));
    return {
      now: objectiveProgress(krPairs.map(({ kr, p }) => ({ progress: p.now, weight: kr.weight }))),
      start: objectiveProgress(krPairs.map(({ kr, p }) => ({ progress: p.start, weight: kr.weight }))),
    };
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

  return teamList.map((team) => {
    const teamMembers = source.membersByTeam.get(team.id) ?? [];
    const movers: (DigestMover & { abs: number })[] = [];
    const addMovers = (name: string, list: KeyResult[]) => {
      for (const kr of list) {
        const p = krPair(kr);
        const delta = p.now - p.start;
        if (Math.abs(delta) >= 0.005) movers.push({ name, title: kr.title, delta, abs: Math.abs(delta) });
      }
    };

    const objectiveViews = (source.objectivesByTeam.get(team.id) ?? []).map((o) => {
      const list = krsByObjective.get(o.id) ?? [];
      addMovers(team.name, list);
      const p = objectivePair(list);
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
      const owned = source.objectivesByPerson.get(m.id) ?? [];
      const ownKrs = owned.flatMap((o) => krsByObjective.get(o.id) ?? []);
      addMovers(m.name, ownKrs);
      const objectivePairs = owned.map((o) => objectivePair(krsByObjective.get(o.id) ?? []));
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
        .flatMap((m) => source.pendingByRequester.get(m.id) ?? [])
        .map((a) => ({ requester: names.get(a.requesterId) ?? a.requesterId, kind: a.kind, reason: a.reason })),
    };
    return {
      team,
      digest,
      members: [...teamMembers],
      manager: team.managerId ? source.people.get(team.managerId) : undefined,
    };
  });
}

/** One-off: the given teams' digests (reads the org; a run reads it once and calls teamDigests per batch). */
export async function computeTeamDigests(
  store: Store,
  orgId: string,
  cycle: Cycle,
  teamList: Team[],
  window: DigestWindow,
): Promise<TeamDigestData[]> {
  return teamDigests(await loadDigestSource(store, orgId, cycle, window), teamList);
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
