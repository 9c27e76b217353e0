// Objectives, key results and check-ins: the reads chat, cards and the API
// share, and the check-in write as statements for the caller's atomic batch.
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Statement, Store } from '../db';
import { newId } from '../ids';
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
  const order = [asc(objectives.position), asc(objectives.createdAt), asc(objectives.id)] as const;
  const own = await store.db
    .select()
    .from(objectives)
    .where(
      and(
        eq(objectives.orgId, input.orgId),
        eq(objectives.cycleId, input.cycleId),
        eq(objectives.ownerType, 'person'),
        eq(objectives.ownerPersonId, input.personId),
        inArray(objectives.status, ['active', 'pending_approval']),
      ),
    )
    .orderBy(...order);
  const led = await store.db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.orgId, input.orgId), eq(teams.managerId, input.personId)));
  const teamObjectives = led.length
    ? await store.db
        .select()
        .from(objectives)
        .where(
          and(
            eq(objectives.orgId, input.orgId),
            eq(objectives.cycleId, input.cycleId),
            eq(objectives.ownerType, 'team'),
            inArray(
              objectives.ownerTeamId,
              led.map((t) => t.id),
            ),
            eq(objectives.status, 'active'),
          ),
        )
        .orderBy(...order)
    : [];
  const all = [...own, ...teamObjectives];
  const krs = await keyResultsOf(
    store,
    all.map((o) => o.id),
  );
  const numbers = new Map<string, number>();
  const dropped = new Map<number, KeyResult>();
  let n = 0;
  const out = all.map((objective, i) => {
    const list = krs.get(objective.id) ?? [];
    for (const kr of list) {
      n += 1;
      numbers.set(kr.id, n);
      if (kr.status !== 'active') dropped.set(n, kr);
    }
    return {
      objective,
      keyResults: list.filter((kr) => kr.status === 'active'),
      teamOwned: i >= own.length,
    };
  });
  return { objectives: out, numbers, dropped };
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
