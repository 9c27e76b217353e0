// Objectives, key results and check-ins: the reads chat, cards and the API
// share, and the check-in write as statements for the caller's atomic batch.
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Statement, Store } from '../db';
import { newId } from '../ids';
import { checkIns, keyResults, objectives, type CheckInSource } from '../schema';
import { auditStatement } from './audit';
import type { CheckIn, KeyResult, Objective } from './types';

export interface ObjectiveWithKrs {
  objective: Objective;
  keyResults: KeyResult[];
}

/**
 * A person's active objectives in a cycle, in display order (position, then
 * created_at, then id), each with its active KRs in display order. Chat numbers
 * the KRs KR1, KR2, … continuously across objectives in exactly this order.
 */
export async function personOkrs(
  store: Store,
  input: { orgId: string; personId: string; cycleId: string },
): Promise<ObjectiveWithKrs[]> {
  const objs = await store.db
    .select()
    .from(objectives)
    .where(
      and(
        eq(objectives.orgId, input.orgId),
        eq(objectives.cycleId, input.cycleId),
        eq(objectives.ownerType, 'person'),
        eq(objectives.ownerPersonId, input.personId),
        eq(objectives.status, 'active'),
      ),
    )
    .orderBy(asc(objectives.position), asc(objectives.createdAt), asc(objectives.id));
  const krs = await keyResultsOf(
    store,
    objs.map((o) => o.id),
    { activeOnly: true },
  );
  return objs.map((objective) => ({ objective, keyResults: krs.get(objective.id) ?? [] }));
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
