// Builds the card view models (cards/view.ts) for one person from storage:
// their current cycle, objectives and KRs numbered in display order, each with
// progress and status computed by the pure functions in core/okr.
import type { CycleView, KrView, ObjectiveView } from '../../cards/view';
import type { Store } from '../../storage/db';
import { chatCycles } from '../../storage/repos/cycles';
import { personOkrsAcross, type ObjectiveWithKrs } from '../../storage/repos/okrs';
import type { Cycle, KeyResult, Person } from '../../storage/repos/types';
import { keyResults } from '../../storage/schema';
import { inJsonList, preparedQuery } from '../../storage/prepared';
import { localDate, expectedPace } from '../../core/okr/pace';
import { krProgress, objectiveProgressFromSums, addToSums, emptySums } from '../../core/okr/progress';
import { trackStatus } from '../../core/okr/status';
import { alignedSubtree, rollUpChildren } from '../../storage/repos/children-rollup';

export interface PersonOkrView {
  cycle: (CycleView & { row: Cycle }) | undefined;
  objectives: ObjectiveView[];
  /** Every shown KR in display order; find "KRn" with krByNumber (numbers skip dropped KRs). */
  krs: (KrView & {
    objectiveTitle: string;
    row: KeyResult;
    pending: boolean;
    /** The expected pace of the KR's own cycle (an annual KR's is not the quarter's). */
    expected: number;
    /** The name of the KR's cycle when it is closed: locked, nothing may change (docs/review.md). */
    closedCycle: string | null;
  })[];
  /** Numbers of KRs dropped this cycle (they keep their number, so the others never shift). */
  dropped: Map<number, KeyResult>;
}

/** "KRn" in the person's view, or undefined. */
export function krByNumber(view: PersonOkrView, n: number): PersonOkrView['krs'][number] | undefined {
  return view.krs.find((k) => k.number === n);
}

export async function loadPersonOkrView(
  store: Store,
  orgId: string,
  person: Person,
  now: Date,
  timezone?: string,
): Promise<PersonOkrView> {
  const tz = person.timezone ?? timezone;
  // The cycle chat works on, then any other open cycle covering today (an annual one beside Q4),
  // numbered on from where the first ends, exactly as alerts and reminders number them.
  const open = await chatCycles(store, orgId, localDate(now, tz));
  const row = open[0];
  if (!row) return { cycle: undefined, objectives: [], krs: [], dropped: new Map() };
  const cycle = {
    id: row.id,
    name: row.name,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    expectedPace: expectedPace(row, now, tz),
    row,
  };
  const perCycle = await personOkrsAcross(store, { orgId, personId: person.id, cycleIds: open.map((c) => c.id) });
  const krs: PersonOkrView['krs'] = [];
  const objectives: ObjectiveView[] = [];
  const dropped = new Map<number, KeyResult>();
  for (const [i, c] of open.entries()) {
    const numbered = perCycle[i];
    for (const [n, kr] of numbered.dropped) dropped.set(n, kr);
    objectives.push(
      ...(await cycleObjectives(store, orgId, numbered.objectives, {
        expected: expectedPace(c, now, tz),
        numbers: numbered.numbers,
        krs,
        cycleName: c.id === row.id ? undefined : c.name,
        closedCycle: c.status === 'closed' ? c.name : null,
      })),
    );
  }
  return { cycle, objectives, krs, dropped };
}

/** One cycle's objective views, each KR with its chat number, appended to `out.krs` in display order. */
async function cycleObjectives(
  store: Store,
  orgId: string,
  owned: ObjectiveWithKrs[],
  out: {
    expected: number;
    numbers: Map<string, number>;
    krs: PersonOkrView['krs'];
    cycleName?: string;
    closedCycle: string | null;
  },
): Promise<ObjectiveView[]> {
  const { expected, numbers, krs, cycleName, closedCycle } = out;
  const childProgress = await childrenProgress(store, orgId, owned);
  const parentTitles = await krTitles(
    store,
    owned.map((o) => o.objective.parentKrId).filter((id): id is string => !!id),
  );
  return owned.map(({ objective, keyResults: list }) => {
    const sums = emptySums();
    const views = list.map((kr) => {
      const p =
        kr.progressMode === 'children' && childProgress.has(kr.id)
          ? { progress: childProgress.get(kr.id)!, raw: childProgress.get(kr.id)! }
          : krProgress(kr);
      addToSums(sums, p.progress, kr.weight);
      const view: PersonOkrView['krs'][number] = {
        number: numbers.get(kr.id) ?? krs.length + 1,
        pending: objective.status === 'pending_approval',
        expected,
        closedCycle,
        id: kr.id,
        title: kr.title,
        kind: kr.kind,
        start: kr.startValue,
        target: kr.targetValue,
        current: kr.currentValue,
        unit: kr.unit,
        direction: kr.direction,
        progress: p.progress,
        rawProgress: p.raw,
        status: trackStatus({
          progress: p.progress,
          expected,
          confidence: kr.confidence,
          hasCheckIn: !!kr.lastCheckInAt,
        }),
        confidence: kr.confidence,
        lastCheckInAt: kr.lastCheckInAt,
        progressMode: kr.progressMode,
        objectiveTitle: objective.title,
        row: kr,
      };
      krs.push(view);
      return view;
    });
    const progress = objectiveProgressFromSums(sums);
    const confidences = list.map((k) => k.confidence).filter((c): c is number => c != null);
    return {
      id: objective.id,
      title: objective.title,
      progress,
      status: trackStatus({
        progress,
        expected,
        confidence: confidences.length ? Math.min(...confidences) : null,
        hasCheckIn: list.some((k) => k.lastCheckInAt),
      }),
      parentTitle: objective.parentKrId ? (parentTitles.get(objective.parentKrId) ?? null) : null,
      keyResults: views,
      pending: objective.status === 'pending_approval',
      ...(cycleName ? { cycleName } : {}),
    };
  });
}

/**
 * Progress of the person's 'children' KRs, rolled up through every level aligned
 * below them by the same roll-up the tree and the digest use (storage/repos/children-rollup.ts).
 */
async function childrenProgress(store: Store, orgId: string, owned: ObjectiveWithKrs[]): Promise<Map<string, number>> {
  const roots = owned
    .flatMap((o) => o.keyResults)
    .filter((k) => k.progressMode === 'children')
    .map((k) => k.id);
  if (!roots.length) return new Map();
  const below = await alignedSubtree(
    store,
    orgId,
    roots,
    owned.map((o) => o.objective.id),
  );
  return rollUpChildren([...owned, ...below], (kr) => krProgress(kr).progress);
}

const titlesOf = preparedQuery((db) =>
  db
    .select({ id: keyResults.id, title: keyResults.title })
    .from(keyResults)
    .where(inJsonList(keyResults.id, 'ids'))
    .prepare(),
);

async function krTitles(store: Store, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await titlesOf(store.db).all({ ids: JSON.stringify([...new Set(ids)]) });
  return new Map(rows.map((r) => [r.id, r.title]));
}
