// Objectives, key results and check-ins: the reads chat, cards and the API
// share, and the check-in write as statements for the caller's atomic batch.
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Statement, Store } from '../db';
import { newId } from '../ids';
import { inJsonList, preparedQuery, preparedWrite } from '../prepared';
import { checkIns, keyResults, objectives, teams, type CheckInSource } from '../schema';
import { webhookEventStatement } from '../webhook-events';
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
  const [only] = await personOkrsAcross(store, { ...input, cycleIds: [input.cycleId] });
  return only;
}

/**
 * personOkrs for several cycles at once (chatCycles' order), numbered on from one cycle to the
 * next exactly as chatKrNumbers numbers them: one entry per cycle, from one set of queries.
 */
export async function personOkrsAcross(
  store: Store,
  input: { orgId: string; personId: string; cycleIds: string[] },
): Promise<PersonOkrs[]> {
  const numbered = await numberedObjectives(store, {
    orgId: input.orgId,
    personIds: [input.personId],
    cycleIds: input.cycleIds,
  });
  const all = numbered.get(input.personId) ?? [];
  let n = 0;
  return input.cycleIds.map((cycleId) => {
    const numbers = new Map<string, number>();
    const dropped = new Map<number, KeyResult>();
    const objectivesOfCycle = all
      .filter(({ objective }) => objective.cycleId === cycleId)
      .map(({ objective, keyResults: list, teamOwned }) => {
        for (const kr of list) {
          n += 1;
          numbers.set(kr.id, n);
          if (kr.status !== 'active') dropped.set(n, kr);
        }
        return { objective, keyResults: list.filter((kr) => kr.status === 'active'), teamOwned };
      });
    return { objectives: objectivesOfCycle, numbers, dropped };
  });
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

// numberedObjectives and keyResultsOf run for every chat check-in and `我的OKR`: prepared once,
// lists bound as JSON arrays (storage/prepared.ts).
const objectiveOrder = [asc(objectives.position), asc(objectives.createdAt), asc(objectives.id)] as const;
const ownObjectives = preparedQuery((db) =>
  db
    .select()
    .from(objectives)
    .where(
      and(
        eq(objectives.orgId, sql.placeholder('orgId')),
        inJsonList(objectives.cycleId, 'cycleIds'),
        eq(objectives.ownerType, 'person'),
        inJsonList(objectives.ownerPersonId, 'personIds'),
        inArray(objectives.status, ['active', 'pending_approval']),
      ),
    )
    .orderBy(...objectiveOrder)
    .prepare(),
);
const teamsLedBy = preparedQuery((db) =>
  db
    .select({ id: teams.id, managerId: teams.managerId })
    .from(teams)
    .where(and(eq(teams.orgId, sql.placeholder('orgId')), inJsonList(teams.managerId, 'personIds')))
    .prepare(),
);
const ledObjectivesQuery = preparedQuery((db) =>
  db
    .select()
    .from(objectives)
    .where(
      and(
        eq(objectives.orgId, sql.placeholder('orgId')),
        inJsonList(objectives.cycleId, 'cycleIds'),
        eq(objectives.ownerType, 'team'),
        inJsonList(objectives.ownerTeamId, 'teamIds'),
        eq(objectives.status, 'active'),
      ),
    )
    .orderBy(...objectiveOrder)
    .prepare(),
);
const krOrder = [asc(keyResults.position), asc(keyResults.createdAt), asc(keyResults.id)] as const;
const krsOfObjectives = preparedQuery((db) =>
  db
    .select()
    .from(keyResults)
    .where(inJsonList(keyResults.objectiveId, 'objectiveIds'))
    .orderBy(...krOrder)
    .prepare(),
);
const activeKrsOfObjectives = preparedQuery((db) =>
  db
    .select()
    .from(keyResults)
    .where(and(inJsonList(keyResults.objectiveId, 'objectiveIds'), eq(keyResults.status, 'active')))
    .orderBy(...krOrder)
    .prepare(),
);

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
  const own: Objective[] = [];
  const led: { id: string; managerId: string | null }[] = [];
  const { orgId } = input;
  const cycleIds = JSON.stringify(input.cycleIds);
  for (let i = 0; i < input.personIds.length; i += 90) {
    const personIds = JSON.stringify(input.personIds.slice(i, i + 90));
    own.push(...(await ownObjectives(store.db).all({ orgId, cycleIds, personIds })));
    led.push(...(await teamsLedBy(store.db).all({ orgId, personIds })));
  }
  const teamObjectives: Objective[] = [];
  const ledIds = [...new Set(led.map((t) => t.id))];
  for (let i = 0; i < ledIds.length; i += 90) {
    const teamIds = JSON.stringify(ledIds.slice(i, i + 90));
    teamObjectives.push(...(await ledObjectivesQuery(store.db).all({ orgId, cycleIds, teamIds })));
  }
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
  const query = (options.activeOnly ? activeKrsOfObjectives : krsOfObjectives)(store.db);
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await query.all({ objectiveIds: JSON.stringify(ids.slice(i, i + 90)) });
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

// Every check-in writes these: prepared once per database (storage/prepared.ts).
const insertCheckIn = preparedWrite<CheckIn>((db, value) =>
  db.insert(checkIns).values({
    id: value('id'),
    orgId: value('orgId'),
    keyResultId: value('keyResultId'),
    authorId: value('authorId'),
    value: value('value'),
    previousValue: value('previousValue'),
    confidence: value('confidence'),
    note: value('note'),
    source: value('source'),
    createdAt: value('createdAt'),
  }),
);
/** The KR's current value and last check-in time; its confidence only when the check-in gives one. */
const moveKr = preparedWrite<{ orgId: string; id: string; value: number; confidence: number | null; at: string }>(
  (db, value) =>
    db
      .update(keyResults)
      .set({
        currentValue: value('value'),
        confidence: sql`coalesce(${value('confidence')}, ${keyResults.confidence})`,
        lastCheckInAt: value('at'),
        updatedAt: value('at'),
      })
      .where(and(eq(keyResults.orgId, value('orgId')), eq(keyResults.id, value('id')))),
);

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
  const statements: Statement[] = [
    insertCheckIn(store, checkIn),
    moveKr(store, { orgId: input.orgId, id: input.kr.id, value: input.value, confidence, at }),
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
    // Outbound webhooks (docs/webhooks.md): stored with the check-in, delivered by the outbox.
    webhookEventStatement(store, {
      orgId: input.orgId,
      type: 'checkin.created',
      data: {
        check_in: {
          id: checkIn.id,
          value: checkIn.value,
          previous_value: checkIn.previousValue,
          confidence,
          note: checkIn.note,
          source: checkIn.source,
          author_id: checkIn.authorId,
          created_at: at,
        },
        key_result: {
          id: input.kr.id,
          objective_id: input.kr.objectiveId,
          cycle_id: input.kr.cycleId,
          title: input.kr.title,
          kind: input.kr.kind,
          start_value: input.kr.startValue,
          target_value: input.kr.targetValue,
          unit: input.kr.unit,
        },
      },
      now: input.now,
    }),
  ];
  return { checkIn, statements };
}
