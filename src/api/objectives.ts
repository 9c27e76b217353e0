// /api/v1/objectives: objectives with their key results inline, alignment to a
// parent KR, and archive-on-delete (history and check-ins stay for reporting).
import { and, asc, eq, ne, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import type { Statement, Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { keyResults, objectives } from '../../storage/schema';
import { auditStatement } from '../../storage/repos/audit';
import { resolveCycle } from '../../storage/repos/cycles';
import { getKeyResult, getObjective, keyResultsOf, objectivesAlignedTo } from '../../storage/repos/okrs';
import { getPerson, getTeam } from '../../storage/repos/people';
import type { KeyResult, NewKeyResult, Objective } from '../../storage/repos/types';
import { objectiveProgress } from '../../core/okr/progress';
import { readJson, validate } from './body';
import { badRequest, conflict, notFound, zodDetails } from './errors';
import { orgToday } from './cycles';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { presentObjective } from './present';

export const objectivesRoutes = new Hono<AppEnv>();

const BIG = 1e12;
const num = z.number().min(-BIG).max(BIG);
const optText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

const KrFields = {
  title: z.string().trim().min(1).max(300),
  kind: z.enum(['number', 'percent', 'currency', 'boolean', 'milestone']),
  start_value: num,
  target_value: num,
  current_value: num,
  unit: optText(20),
  direction: z.enum(['up', 'down']),
  weight: z.number().min(0).max(1000),
  progress_mode: z.enum(['manual', 'metric', 'children']),
  metric_key: optText(200),
  metric_aggregation: z.enum(['last', 'sum', 'avg']).nullable().optional(),
  position: z.number().int().min(0).max(10_000),
};

const KrCreate = z
  .object({
    ...KrFields,
    kind: KrFields.kind.default('number'),
    start_value: KrFields.start_value.default(0),
    target_value: KrFields.target_value.optional(),
    current_value: KrFields.current_value.optional(),
    direction: KrFields.direction.optional(),
    weight: KrFields.weight.default(1),
    progress_mode: KrFields.progress_mode.default('manual'),
    position: KrFields.position.optional(),
  })
  .strict()
  .refine((k) => k.target_value !== undefined || k.kind === 'boolean', {
    message: 'target_value is required',
    path: ['target_value'],
  })
  .refine((k) => k.progress_mode !== 'metric' || !!k.metric_key, {
    message: 'metric_key is required when progress_mode is metric',
    path: ['metric_key'],
  });

const KrPatch = z
  .object({
    id: z.string().min(1).max(100),
    drop: z.literal(true).optional(),
    title: KrFields.title.optional(),
    kind: KrFields.kind.optional(),
    start_value: num.optional(),
    target_value: num.optional(),
    current_value: num.optional(),
    unit: KrFields.unit,
    direction: KrFields.direction.optional(),
    weight: KrFields.weight.optional(),
    progress_mode: KrFields.progress_mode.optional(),
    metric_key: KrFields.metric_key,
    metric_aggregation: KrFields.metric_aggregation,
    position: KrFields.position.optional(),
  })
  .strict();

const CreateObjective = z
  .object({
    cycle_id: z.string().trim().min(1).max(100).optional(),
    title: z.string().trim().min(1).max(300),
    description: z.string().trim().max(5000).nullable().optional(),
    owner_type: z.enum(['company', 'team', 'person']),
    owner_id: z.string().trim().min(1).max(100).nullable().optional(),
    parent_kr_id: z.string().trim().min(1).max(100).nullable().optional(),
    status: z.enum(['draft', 'pending_approval', 'active']).optional(),
    position: z.number().int().min(0).max(10_000).optional(),
    key_results: z.array(z.unknown()).max(50).default([]),
  })
  .strict();

const PatchObjective = z
  .object({
    title: z.string().trim().min(1).max(300).optional(),
    description: z.string().trim().max(5000).nullable().optional(),
    status: z.enum(['draft', 'pending_approval', 'active', 'archived']).optional(),
    parent_kr_id: z.string().trim().min(1).max(100).nullable().optional(),
    position: z.number().int().min(0).max(10_000).optional(),
    key_results: z.array(z.unknown()).max(50).optional(),
  })
  .strict();

type KrCreateInput = z.infer<typeof KrCreate>;
type KrPatchInput = z.infer<typeof KrPatch>;

/** Validates KR items one by one so errors name `key_results[i].field`. */
function validateItems<S extends z.ZodType>(items: unknown[], pick: (item: unknown) => S): z.infer<S>[] {
  const out: z.infer<S>[] = [];
  const details: { path: string; message: string }[] = [];
  items.forEach((item, i) => {
    const r = pick(item).safeParse(item);
    if (r.success) out.push(r.data);
    else details.push(...zodDetails(r.error, `key_results[${i}]`));
  });
  if (details.length) throw badRequest('Some key results are invalid.', details);
  return out;
}

function newKrRow(
  k: KrCreateInput,
  o: Pick<Objective, 'id' | 'orgId' | 'cycleId'>,
  position: number,
  at: string,
): NewKeyResult & { id: string } {
  const target = k.target_value ?? 1;
  return {
    id: newId('kr'),
    orgId: o.orgId,
    objectiveId: o.id,
    cycleId: o.cycleId,
    title: k.title,
    kind: k.kind,
    startValue: k.start_value,
    targetValue: target,
    currentValue: k.current_value ?? k.start_value,
    unit: k.unit ?? null,
    direction: k.direction ?? (target < k.start_value ? 'down' : 'up'),
    weight: k.weight,
    progressMode: k.progress_mode,
    metricKey: k.metric_key ?? null,
    metricAggregation: k.metric_aggregation ?? null,
    position: k.position ?? position,
    status: 'active',
    createdAt: at,
    updatedAt: at,
  };
}

/** The parent KR must exist in the org and cycle, be active, and not sit below `selfId` (no alignment loops). */
async function checkParentKr(
  store: Store,
  orgId: string,
  cycleId: string,
  parentKrId: string,
  selfId?: string,
): Promise<void> {
  const kr = await getKeyResult(store, orgId, parentKrId);
  const fail = (message: string) => badRequest(message, [{ path: 'parent_kr_id', message }]);
  if (!kr) throw fail(`parent_kr_id ${parentKrId} does not exist`);
  if (kr.status !== 'active') throw fail(`parent_kr_id ${parentKrId} is dropped`);
  if (kr.cycleId !== cycleId) throw fail('parent_kr_id belongs to another cycle');
  const seen = new Set<string>();
  for (let objId: string | null = kr.objectiveId; objId && !seen.has(objId); ) {
    if (objId === selfId) throw fail("parent_kr_id is one of this objective's own KRs or aligned below it (a loop)");
    seen.add(objId);
    const o = await getObjective(store, orgId, objId);
    if (!o) break;
    if (o.status === 'archived' && objId === kr.objectiveId)
      throw fail('parent_kr_id belongs to an archived objective');
    const parent: KeyResult | undefined = o.parentKrId ? await getKeyResult(store, orgId, o.parentKrId) : undefined;
    objId = parent?.objectiveId ?? null;
  }
}

/** Children aligned to KRs about to disappear: refuse, or with force=true unlink them. */
async function detachChildren(
  store: Store,
  orgId: string,
  krIds: string[],
  force: boolean,
  at: string,
): Promise<{ statements: Statement[]; detached: string[] }> {
  const children = await objectivesAlignedTo(store, orgId, krIds);
  if (!children.length) return { statements: [], detached: [] };
  if (!force) {
    throw conflict(
      `${children.length} objective(s) align to these key results; realign them first or repeat with ?force=true to unlink them.`,
      children.map((o) => ({ objective_id: o.id, title: o.title, parent_kr_id: o.parentKrId })),
    );
  }
  return {
    statements: children.map((o) =>
      store.db.update(objectives).set({ parentKrId: null, updatedAt: at }).where(eq(objectives.id, o.id)),
    ),
    detached: children.map((o) => o.id),
  };
}

async function objectiveView(store: Store, o: Objective) {
  const krs = (await keyResultsOf(store, [o.id])).get(o.id) ?? [];
  const view = presentObjective(o, krs);
  const active = view.key_results!.filter((k) => k.status === 'active');
  return { ...view, progress: Math.round(objectiveProgress(active) * 10000) / 10000 };
}

objectivesRoutes.get('/', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const page = readPage(c);
  const conds: (SQL | undefined)[] = [eq(objectives.orgId, org.id), afterCursor([objectives.id], page.after)];
  const cycleRef = c.req.query('cycle');
  if (cycleRef) {
    const cycle = await resolveCycle(
      store,
      org.id,
      cycleRef === 'current' ? undefined : cycleRef,
      orgToday(org, clock.now(), config.defaultTimezone),
    );
    if (!cycle) throw notFound('Cycle', cycleRef);
    conds.push(eq(objectives.cycleId, cycle.id));
  }
  const owner = c.req.query('owner');
  if (owner) conds.push(eq(objectives.ownerPersonId, owner));
  const team = c.req.query('team');
  if (team) conds.push(eq(objectives.ownerTeamId, team));
  const status = c.req.query('status');
  if (status && status !== 'all') {
    if (!['draft', 'pending_approval', 'active', 'archived'].includes(status))
      throw badRequest('status must be draft, pending_approval, active, archived or all');
    conds.push(eq(objectives.status, status as Objective['status']));
  } else if (!status) conds.push(ne(objectives.status, 'archived'));
  const rows = await store.db
    .select()
    .from(objectives)
    .where(and(...conds))
    .orderBy(asc(objectives.id))
    .limit(page.limit + 1);
  const krs = await keyResultsOf(
    store,
    rows.slice(0, page.limit).map((o) => o.id),
  );
  return c.json(
    toPage(
      rows,
      page.limit,
      (o) => [o.id],
      (o) => presentObjective(o, krs.get(o.id) ?? []),
    ),
  );
});

objectivesRoutes.get('/:id', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const o = await getObjective(store, org.id, c.req.param('id'));
  if (!o) throw notFound('Objective', c.req.param('id'));
  return c.json(await objectiveView(store, o));
});

objectivesRoutes.post('/', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = validate(CreateObjective, await readJson(c));
  const krInputs = validateItems(body.key_results, () => KrCreate);
  const now = clock.now();
  const at = now.toISOString();
  const cycle = await resolveCycle(store, org.id, body.cycle_id, orgToday(org, now, config.defaultTimezone));
  if (!cycle)
    throw badRequest(
      body.cycle_id
        ? `cycle_id ${body.cycle_id} does not exist`
        : 'No cycle exists yet: create one with POST /api/v1/cycles.',
      [{ path: 'cycle_id', message: 'no such cycle' }],
    );
  let ownerPersonId: string | null = null;
  let ownerTeamId: string | null = null;
  if (body.owner_type === 'company') {
    if (body.owner_id)
      throw badRequest('A company objective has no owner_id.', [
        { path: 'owner_id', message: 'must be empty for owner_type company' },
      ]);
  } else if (!body.owner_id) {
    throw badRequest(`owner_id is required for owner_type ${body.owner_type}.`, [
      { path: 'owner_id', message: 'required' },
    ]);
  } else if (body.owner_type === 'person') {
    if (!(await getPerson(store, org.id, body.owner_id)))
      throw badRequest(`owner_id ${body.owner_id} is not a person`, [{ path: 'owner_id', message: 'no such person' }]);
    ownerPersonId = body.owner_id;
  } else {
    if (!(await getTeam(store, org.id, body.owner_id)))
      throw badRequest(`owner_id ${body.owner_id} is not a team`, [{ path: 'owner_id', message: 'no such team' }]);
    ownerTeamId = body.owner_id;
  }
  if (body.parent_kr_id) await checkParentKr(store, org.id, cycle.id, body.parent_kr_id);
  const objective: Objective = {
    id: newId('obj'),
    orgId: org.id,
    cycleId: cycle.id,
    title: body.title,
    description: body.description ?? null,
    ownerType: body.owner_type,
    ownerPersonId,
    ownerTeamId,
    parentKrId: body.parent_kr_id ?? null,
    status: body.status ?? 'active',
    position: body.position ?? 0,
    createdBy: null,
    createdAt: at,
    updatedAt: at,
  };
  const krRows = krInputs.map((k, i) => newKrRow(k, objective, i, at));
  await store.atomic([
    store.db.insert(objectives).values(objective),
    ...krRows.map((kr) => store.db.insert(keyResults).values(kr)),
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'objective.create',
      entityType: 'objective',
      entityId: objective.id,
      data: { title: objective.title, keyResults: krRows.length },
      now,
    }),
  ]);
  return c.json(await objectiveView(store, objective), 201);
});

objectivesRoutes.patch('/:id', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const id = c.req.param('id');
  const o = await getObjective(store, org.id, id);
  if (!o) throw notFound('Objective', id);
  const body = validate(PatchObjective, await readJson(c));
  const force = c.req.query('force') === 'true';
  const now = clock.now();
  const at = now.toISOString();
  const existing = (await keyResultsOf(store, [id])).get(id) ?? [];
  const items = body.key_results ?? [];
  const parsed = validateItems(items, (item) =>
    item && typeof item === 'object' && 'id' in item ? KrPatch : KrCreate,
  ) as (KrCreateInput | KrPatchInput)[];

  const statements: Statement[] = [];
  const set: Partial<Objective> = { updatedAt: at };
  if (body.title !== undefined) set.title = body.title;
  if (body.description !== undefined) set.description = body.description;
  if (body.position !== undefined) set.position = body.position;
  if (body.status !== undefined) set.status = body.status;
  if (body.parent_kr_id !== undefined) {
    if (body.parent_kr_id) await checkParentKr(store, org.id, o.cycleId, body.parent_kr_id, o.id);
    set.parentKrId = body.parent_kr_id;
  }
  const dropped: string[] = [];
  let nextPosition = existing.reduce((m, k) => Math.max(m, k.position + 1), 0);
  for (const [i, item] of parsed.entries()) {
    if (!('id' in item) || item.id === undefined) {
      statements.push(store.db.insert(keyResults).values(newKrRow(item as KrCreateInput, o, nextPosition++, at)));
      continue;
    }
    const kr = existing.find((k) => k.id === item.id);
    if (!kr)
      throw badRequest(`Key result ${item.id} is not part of this objective.`, [
        { path: `key_results[${i}].id`, message: 'not a key result of this objective' },
      ]);
    if (item.drop) {
      dropped.push(kr.id);
      statements.push(
        store.db.update(keyResults).set({ status: 'dropped', updatedAt: at }).where(eq(keyResults.id, kr.id)),
      );
      continue;
    }
    const u: Partial<KeyResult> = { updatedAt: at };
    if (item.title !== undefined) u.title = item.title;
    if (item.kind !== undefined) u.kind = item.kind;
    if (item.start_value !== undefined) u.startValue = item.start_value;
    if (item.target_value !== undefined) u.targetValue = item.target_value;
    if (item.current_value !== undefined) u.currentValue = item.current_value;
    if (item.unit !== undefined) u.unit = item.unit;
    if (item.direction !== undefined) u.direction = item.direction;
    if (item.weight !== undefined) u.weight = item.weight;
    if (item.progress_mode !== undefined) u.progressMode = item.progress_mode;
    if (item.metric_key !== undefined) u.metricKey = item.metric_key;
    if (item.metric_aggregation !== undefined) u.metricAggregation = item.metric_aggregation;
    if (item.position !== undefined) u.position = item.position;
    if ((u.progressMode ?? kr.progressMode) === 'metric' && !(u.metricKey !== undefined ? u.metricKey : kr.metricKey)) {
      throw badRequest('metric_key is required when progress_mode is metric', [
        { path: `key_results[${i}].metric_key`, message: 'required for progress_mode metric' },
      ]);
    }
    statements.push(store.db.update(keyResults).set(u).where(eq(keyResults.id, kr.id)));
  }
  // Archiving the objective takes all its KRs out of play, dropping some takes those.
  const leaving = body.status === 'archived' && o.status !== 'archived' ? existing.map((k) => k.id) : dropped;
  const detach = await detachChildren(store, org.id, leaving, force, at);
  statements.unshift(
    store.db
      .update(objectives)
      .set(set)
      .where(and(eq(objectives.orgId, org.id), eq(objectives.id, id))),
  );
  statements.push(
    ...detach.statements,
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'objective.update',
      entityType: 'objective',
      entityId: id,
      data: { ...body, key_results: items.length, detached: detach.detached },
      now,
    }),
  );
  await store.atomic(statements);
  return c.json(await objectiveView(store, (await getObjective(store, org.id, id))!));
});

/**
 * DELETE archives: check-ins, history and stats keep referring to it. Refused
 * (409) while other objectives align to its KRs, unless ?force=true, which
 * unlinks them (they become unaligned; the audit log records which).
 */
objectivesRoutes.delete('/:id', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const id = c.req.param('id');
  const o = await getObjective(store, org.id, id);
  if (!o) throw notFound('Objective', id);
  if (o.status === 'archived') return c.json(await objectiveView(store, o));
  const now = clock.now();
  const at = now.toISOString();
  const krs = (await keyResultsOf(store, [id])).get(id) ?? [];
  const detach = await detachChildren(
    store,
    org.id,
    krs.map((k) => k.id),
    c.req.query('force') === 'true',
    at,
  );
  await store.atomic([
    store.db
      .update(objectives)
      .set({ status: 'archived', updatedAt: at })
      .where(and(eq(objectives.orgId, org.id), eq(objectives.id, id))),
    ...detach.statements,
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'objective.archive',
      entityType: 'objective',
      entityId: id,
      data: { detached: detach.detached },
      now,
    }),
  ]);
  return c.json(await objectiveView(store, (await getObjective(store, org.id, id))!));
});
