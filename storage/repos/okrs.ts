// Objectives, key results and check-ins: the reads chat, cards and the API
// share, and the check-in write as statements for the caller's atomic batch.
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Statement, Store } from '../db';
import { newId } from '../ids';
import { checkIns, keyResults, objectives, teams, type CheckInSource } from '../schema';
import { auditStatement } from './audit';
import type { CheckIn, KeyResult, Objective } from './types';

export interface ObjectiveWithKrs {
  objective: Objective;
  keyResults: KeyResult[];
}

export interface NumberedObjective extends ObjectiveWithKrs {
  /** Owned by a team the person leads, not by the person. */
  teamOwned: boolean;
}

export interface PersonOkrs {
  /** Display order; each objective with its active KRs in display order. */
  objectives: NumberedObjective[];
  /** KR id → its number (`KR3`), stable within the cycle: dropped KRs keep theirs, so later KRs never shift. */
  numbers: Map<string, number>;
  /** Numbers that belonged to KRs since dropped, with the KR (to say "KR2 was dropped"). */
  dropped: Map<number, KeyResult>;
}

/**
 * What chat shows as a person's OKRs in a cycle, in display order (position,
 * then created_at, then id): their own active objectives and those waiting
 * for approval, then the active objectives of the teams they lead. KRs are
 * numbered KR1, KR2, … continuously across objectives in exactly this order,
 * counting dropped KRs (which are not shown), so deleting a KR never
 * renumbers the others (issue 18).
 */
export async function personOkrs(
  store: Store,
  input: { orgId: string; personId: string; cycleId: string },
): Promise<PersonOkrs> {
  const numbered = await numberedObjectives(store, {
    orgId: input.orgId,
    personIds: [input.personId],
    cycleIds: [input.cycleId],
  });
  const all = numbered.get(input.personId) ?? [];
  const numbers = new Map<string, number>();
  const dropped = new Map<number, KeyResult>();
  const out = all.map(({ objective, keyResults: list, teamOwned }) => {
    for (const kr of list) {
      const n = numbers.size + 1;
      numbers.set(kr.id, n);
      if (kr.status !== 'active') dropped.set(n, kr);
    }
    return { objective, keyResults: list.filter((kr) => kr.status === 'active'), teamOwned };
  });
  return { objectives: out, numbers, dropped };
}

/**
 * Chat's KR numbers of many people at once, across the given cycles in order (chatCycles):
 * each cycle's KRs numbered as personOkrs does, the next cycle continuing where the previous
 * ended. One set of queries for everyone, so alerts and reminders name the numbers chat
 * applies without a query per person.
 */
export async function chatKrNumbers(
  store: Store,
  input: { orgId: string; personIds: string[]; cycleIds: string[] },
): Promise<Map<string, Map<string, number>>> {
  const numbered = await numberedObjectives(store, input);
  const out = new Map<string, Map<string, number>>();
  for (const [personId, list] of numbered) {
    const numbers = new Map<string, number>();
    for (const { keyResults: krs } of list) for (const kr of krs) numbers.set(kr.id, numbers.size + 1);
    out.set(personId, numbers);
  }
  return out;
}

/**
 * Per person, the objectives chat numbers in display order with all their KRs (dropped ones
 * too, which keep their number): per cycle in the given order, their own active objectives and
 * those waiting for approval, then the active objectives of the teams they lead; within each,
 * by position, then created_at, then id.
 */
async function numberedObjectives(
  store: Store,
  input: { orgId: string; personIds: string[]; cycleIds: string[] },
): Promise<Map<string, (ObjectiveWithKrs & { teamOwned: boolean })[]>> {
  const out = new Map<string, (ObjectiveWithKrs & { teamOwned: boolean })[]>();
  if (!input.personIds.length || !input.cycleIds.length) return out;
  const order = [asc(objectives.position), asc(objectives.createdAt), asc(objectives.id)] as const;
  const own: Objective[] = [];
  const led: { id: string; managerId: string | null }[] = [];
  for (let i = 0; i < input.personIds.length; i += 90) {
    const chunk = input.personIds.slice(i, i + 90);
    own.push(
      ...(await store.db
        .select()
        .from(objectives)
        .where(
          and(
            eq(objectives.orgId, input.orgId),
            inArray(objectives.cycleId, input.cycleIds),
            eq(objectives.ownerType, 'person'),
            inArray(objectives.ownerPersonId, chunk),
            inArray(objectives.status, ['active', 'pending_approval']),
          ),
        )
        .orderBy(...order)),
    );
    led.push(
      ...(await store.db
        .select({ id: teams.id, managerId: teams.managerId })
        .from(teams)
        .where(and(eq(teams.orgId, input.orgId), inArray(teams.managerId, chunk)))),
    );
  }
  const teamObjectives: Objective[] = [];
  const ledIds = [...new Set(led.map((t) => t.id))];
  for (let i = 0; i < ledIds.length; i += 90)
    teamObjectives.push(
      ...(await store.db
        .select()
        .from(objectives)
        .where(
          and(
            eq(objectives.orgId, input.orgId),
            inArray(objectives.cycleId, input.cycleIds),
            eq(objectives.ownerType, 'team'),
            inArray(objectives.ownerTeamId, ledIds.slice(i, i + 90)),
            eq(objectives.status, 'active'),
          ),
        )
        .orderBy(...order)),
    );
  const krs = await keyResultsOf(
    store,
    [...own, ...teamObjectives].map((o) => o.id),
  );
  // Grouped once, so the loop below costs the number of objectives, not people × objectives.
  const teamsOf = new Map<string, string[]>();
  for (const t of led) if (t.managerId) teamsOf.set(t.managerId, [...(teamsOf.get(t.managerId) ?? []), t.id]);
  const ownOf = new Map<string, Objective[]>();
  for (const o of own) ownOf.set(o.ownerPersonId!, [...(ownOf.get(o.ownerPersonId!) ?? []), o]);
  const teamObjectivesOf = new Map<string, Objective[]>();
  for (const o of teamObjectives)
    teamObjectivesOf.set(o.ownerTeamId!, [...(teamObjectivesOf.get(o.ownerTeamId!) ?? []), o]);
  for (const personId of input.personIds) {
    const list: (ObjectiveWithKrs & { teamOwned: boolean })[] = [];
    const mine = ownOf.get(personId) ?? [];
    const ledObjectives = (teamsOf.get(personId) ?? []).flatMap((id) => teamObjectivesOf.get(id) ?? []);
    // Objectives of several led teams interleave by the same display order they were read in.
    // (String order as SQLite compares them: by code unit, not by locale.)
    const byCode = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    ledObjectives.sort((a, b) => a.position - b.position || byCode(a.createdAt, b.createdAt) || byCode(a.id, b.id));
    for (const cycleId of input.cycleIds) {
      for (const objective of mine)
        if (objective.cycleId === cycleId)
          list.push({ objective, keyResults: krs.get(objective.id) ?? [], teamOwned: false });
      for (const objective of ledObjectives)
        if (objective.cycleId === cycleId)
          list.push({ objective, keyResults: krs.get(objective.id) ?? [], teamOwned: true });
    }
    out.set(personId, list);
  }
  return out;
}

/** KRs of the given objectives in display order, grouped by objective id. */
export async function keyResultsOf(
  store: Store,
  objectiveIds: string[],
  options: { activeOnly?: boolean } = {},
): Promise<Map<string, KeyResult[]>> {
  const out = new Map<string, KeyResult[]>();
  const ids = [...new Set(objectiveIds)];
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const where = options.activeOnly
      ? and(inArray(keyResults.objectiveId, chunk), eq(keyResults.status, 'active'))
      : inArray(keyResults.objectiveId, chunk);
    const rows = await store.db
      .select()
      .from(keyResults)
      .where(where)
      .orderBy(asc(keyResults.position), asc(keyResults.createdAt), asc(keyResults.id));
    for (const kr of rows) {
      const list = out.get(kr.objectiveId) ?? [];
      list.push(kr);
      out.set(kr.objectiveId, list);
    }
  }
  return out;
}

export async function getKeyResult(store: Store, orgId: string, krId: string): Promise<KeyResult | undefined> {
  const [row] = await store.db
    .select()
    .from(keyResults)
    .where(and(eq(keyResults.orgId, orgId), eq(keyResults.id, krId)))
    .limit(1);
  return row;
}

export async function getObjective(store: Store, orgId: string, id: string): Promise<Objective | undefined> {
  const [row] = await store.db
    .select()
    .from(objectives)
    .where(and(eq(objectives.orgId, orgId), eq(objectives.id, id)))
    .limit(1);
  return row;
}

/** Objectives (not archived) aligned to any of the given KRs. */
export async function objectivesAlignedTo(store: Store, orgId: string, krIds: string[]): Promise<Objective[]> {
  if (!krIds.length) return [];
  const out: Objective[] = [];
  for (let i = 0; i < krIds.length; i += 90) {
    out.push(
      ...(await store.db
        .select()
        .from(objectives)
        .where(
          and(
            eq(objectives.orgId, orgId),
            inArray(objectives.parentKrId, krIds.slice(i, i + 90)),
            ne(objectives.status, 'archived'),
          ),
        )),
    );
  }
  return out;
}

export interface CheckInInput {
  orgId: string;
  kr: KeyResult;
  authorId?: string | null;
  value: number;
  confidence?: number | null;
  note?: string | null;
  source: CheckInSource;
  now: Date;
}

/**
 * A check-in as statements: insert it (remembering the previous value), move the
 * KR's current value, confidence (when given) and last check-in time, and audit it.
 * Not executed: pass `statements` to `store.atomic()` with the caller's other writes.
 */
export function checkInStatements(store: Store, input: CheckInInput): { checkIn: CheckIn; statements: Statement[] } {
  const at = input.now.toISOString();
  const confidence = input.confidence ?? null;
  const checkIn: CheckIn = {
    id: newId('ci'),
    orgId: input.orgId,
    keyResultId: input.kr.id,
    authorId: input.authorId ?? null,
    value: input.value,
    previousValue: input.kr.currentValue,
    confidence,
    note: input.note ?? null,
    source: input.source,
    createdAt: at,
  };
  const krUpdate: Partial<KeyResult> = { currentValue: input.value, lastCheckInAt: at, updatedAt: at };
  if (confidence !== null) krUpdate.confidence = confidence;
  const statements: Statement[] = [
    store.db.insert(checkIns).values(checkIn),
    store.db
      .update(keyResults)
      .set(krUpdate)
      .where(and(eq(keyResults.orgId, input.orgId), eq(keyResults.id, input.kr.id))),
    auditStatement(store, {
      orgId: input.orgId,
      actorType: input.authorId ? 'person' : input.source === 'api' ? 'admin' : 'system',
      actorId: input.authorId ?? null,
      action: 'kr.check_in',
      entityType: 'key_result',
      entityId: input.kr.id,
      data: {
        checkInId: checkIn.id,
        value: input.value,
        previousValue: input.kr.currentValue,
        confidence,
        source: input.source,
      },
      now: input.now,
    }),
  ];
  return { checkIn, statements };
}
