// /api/v1/rules: alert rules as JSON data (docs/rules.md), their dry run and
// firings; /api/v1/flags: the flags rules set on people.
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import type { Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { people, personFlags, ruleFirings, rules } from '../../storage/schema';
import { auditStatement } from '../../storage/repos/audit';
import { BuiltinRuleSchema, MetricRuleSchema, type MetricRule, type RuleDefinition } from '../../core/rules/definition';
import { previewRule } from '../rules/preview';
import { ensureBuiltinRules, getRule, isKnownMetric, parseDefinition, type RuleRow } from '../rules/repo';
import { loadDirectory, unmatchedScope } from '../rules/scope';
import { readBody, validate } from './body';
import { ApiError, badRequest, conflict, notFound, zodDetails } from './errors';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';

export const rulesRoutes = new Hono<AppEnv>();
export const flagsRoutes = new Hono<AppEnv>();

export function presentRule(r: RuleRow) {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    mode: r.mode,
    builtin: r.builtin,
    definition: r.definition,
    /** When the first (silent) evaluation ran; null until then. */
    baseline_at: r.baselineAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function presentFiring(f: typeof ruleFirings.$inferSelect) {
  return {
    id: f.id,
    rule_id: f.ruleId,
    subject: f.subject,
    period: f.period,
    state: f.state,
    data: f.data,
    fired_at: f.firedAt,
    resolved_at: f.resolvedAt,
    acknowledged_by: f.acknowledgedBy,
    acknowledged_at: f.acknowledgedAt,
    escalated_at: f.escalatedAt,
    /** Built-in KR alerts: pending (not yet on a daily card), sent, or held (recorded without sending). */
    notice: f.notice,
  };
}

const Mode = z.enum(['observe', 'enforce']);
export const CreateBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    /** New rules start in observe mode: the rollout's first months show, but do not act. */
    mode: Mode.default('observe'),
    definition: z.unknown(),
  })
  .strict();
export const PatchBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    enabled: z.boolean().optional(),
    mode: Mode.optional(),
    definition: z.unknown().optional(),
  })
  .strict();

/** Definition checks that need the org's data: a known metric, a scope that names real teams and people. */
export async function checkMetricRule(store: Store, orgId: string, raw: unknown): Promise<MetricRule> {
  const parsed = MetricRuleSchema.safeParse(raw);
  if (!parsed.success) throw badRequest('The rule definition is invalid.', zodDetails(parsed.error, 'definition'));
  const rule = parsed.data;
  if (!(await isKnownMetric(store, orgId, rule.metric))) {
    throw new ApiError(
      400,
      'unknown_metric',
      `Unknown metric "${rule.metric}": no points have been sent for it and no key result is bound to it. Send points to POST /api/v1/metrics first.`,
      [{ path: 'definition.metric', message: 'unknown metric' }],
    );
  }
  const unmatched = unmatchedScope(await loadDirectory(store, orgId), rule.scope);
  if (unmatched.length) {
    throw badRequest(
      `The scope names ${unmatched.length === 1 ? 'something' : 'things'} that do not exist: ${unmatched.slice(0, 10).join(', ')}.`,
      unmatched.map((u) => ({ path: 'definition.scope', message: `no team or person "${u}"` })),
    );
  }
  return rule;
}

export function checkBuiltin(row: Pick<RuleRow, 'builtin'>, raw: unknown): RuleDefinition {
  const parsed = BuiltinRuleSchema.safeParse(raw);
  if (!parsed.success) throw badRequest('The rule definition is invalid.', zodDetails(parsed.error, 'definition'));
  if (parsed.data.builtin !== row.builtin)
    throw badRequest(`This is the built-in rule ${row.builtin}; its "builtin" cannot change.`, [
      { path: 'definition.builtin', message: `must stay ${row.builtin}` },
    ]);
  return parsed.data;
}

rulesRoutes.get('/', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  await ensureBuiltinRules(store, org.id, clock.now());
  const page = readPage(c);
  const rows = await store.db
    .select()
    .from(rules)
    .where(and(eq(rules.orgId, org.id), afterCursor([rules.id], page.after)))
    .orderBy(asc(rules.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.id], presentRule));
});

/** Who changed a rule, for the audit row: the API's admin token, or a dashboard viewer. */
export interface RuleActor {
  type: 'admin' | 'person';
  id?: string | null;
  via?: 'api' | 'dashboard';
}
const API_ACTOR: RuleActor = { type: 'admin', via: 'api' };

/**
 * Creates a metric rule from a create body (validated here with CreateBody and the definition checks), audited.
 * The API and the dashboard's rule builder both call this: one validation, one audit.
 */
export async function createRule(
  deps: { store: Store; clock: { now(): Date } },
  orgId: string,
  input: unknown,
  actor: RuleActor = API_ACTOR,
): Promise<RuleRow> {
  const { store, clock } = deps;
  const body = validate(CreateBody, input);
  if (
    body.definition &&
    typeof body.definition === 'object' &&
    (body.definition as { kind?: unknown }).kind === 'builtin'
  ) {
    throw badRequest('Built-in rules ship with Polaris; edit them with PATCH instead of creating new ones.', [
      { path: 'definition.kind', message: 'must be "metric"' },
    ]);
  }
  const definition = await checkMetricRule(store, orgId, body.definition);
  const now = clock.now().toISOString();
  const row: RuleRow = {
    id: newId('rule'),
    orgId,
    name: body.name,
    enabled: body.enabled,
    mode: body.mode,
    builtin: null,
    definition: definition as unknown as Record<string, unknown>,
    // Its first evaluation records firings without sending them (docs/rules.md, "Sending").
    baselineAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await store.atomic([
    store.db.insert(rules).values(row),
    auditStatement(store, {
      orgId,
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'rule.create',
      entityType: 'rule',
      entityId: row.id,
      data: { name: row.name, mode: row.mode, ...(actor.via === 'dashboard' ? { via: 'dashboard' } : {}) },
      now: clock.now(),
    }),
  ]);
  return row;
}

rulesRoutes.post('/', async (c) => {
  const deps = c.get('deps');
  const org = await resolveOrg(c, deps.store);
  const row = await createRule(deps, org.id, await readBody(c, z.unknown()));
  return c.json(presentRule(row), 201);
});

async function ruleOr404(c: Context<AppEnv>) {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const id = c.req.param('id') ?? '';
  const row = await getRule(store, org.id, id);
  if (!row) throw notFound('Rule', id);
  return { org, row };
}

rulesRoutes.get('/:id', async (c) => {
  const { store } = c.get('deps');
  const { row } = await ruleOr404(c);
  const firing = await store.db
    .select({ id: ruleFirings.id })
    .from(ruleFirings)
    .where(and(eq(ruleFirings.ruleId, row.id), eq(ruleFirings.state, 'firing')));
  return c.json({
    ...presentRule(row),
    firing_count: firing.length,
    definition_error: parseDefinition(row).error ?? null,
  });
});

/**
 * Changes a stored rule from a patch body (PatchBody; a built-in keeps its kind, a metric rule passes the
 * definition checks), audited; mode changes keep the rule's flags in step. Shared by the API and the dashboard.
 */
export async function updateRule(
  deps: { store: Store; clock: { now(): Date } },
  orgId: string,
  row: RuleRow,
  input: unknown,
  actor: RuleActor = API_ACTOR,
): Promise<RuleRow> {
  const { store, clock } = deps;
  const body = validate(PatchBody, input);
  const set: Partial<RuleRow> = { updatedAt: clock.now().toISOString() };
  if (body.name !== undefined) set.name = body.name;
  if (body.enabled !== undefined) set.enabled = body.enabled;
  if (body.mode !== undefined) set.mode = body.mode;
  if (body.definition !== undefined) {
    const definition = row.builtin
      ? checkBuiltin(row, body.definition)
      : await checkMetricRule(store, orgId, body.definition);
    set.definition = definition as unknown as Record<string, unknown>;
  }
  await store.atomic([
    store.db
      .update(rules)
      .set(set)
      .where(and(eq(rules.orgId, orgId), eq(rules.id, row.id))),
    // Observe → enforce (or back) changes what a flag means: keep the flags in step.
    ...(body.mode !== undefined
      ? [
          store.db
            .update(personFlags)
            .set({ observeOnly: body.mode === 'observe' })
            .where(eq(personFlags.ruleId, row.id)),
        ]
      : []),
    auditStatement(store, {
      orgId,
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'rule.update',
      entityType: 'rule',
      entityId: row.id,
      data: {
        fields: Object.keys(body),
        ...(body.mode !== undefined ? { mode: body.mode } : {}),
        ...(actor.via === 'dashboard' ? { via: 'dashboard' } : {}),
      },
      now: clock.now(),
    }),
  ]);
  return (await getRule(store, orgId, row.id))!;
}

rulesRoutes.patch('/:id', async (c) => {
  const deps = c.get('deps');
  const { org, row } = await ruleOr404(c);
  return c.json(presentRule(await updateRule(deps, org.id, row, await readBody(c, z.unknown()))));
});

/**
 * Deletes a metric rule: its firings resolve and its flags go, audited. Built-ins cannot be deleted
 * (turned off instead). Shared by the API and the dashboard.
 */
export async function deleteRule(
  deps: { store: Store; clock: { now(): Date } },
  orgId: string,
  row: RuleRow,
  actor: RuleActor = API_ACTOR,
) {
  const { store, clock } = deps;
  if (row.builtin)
    throw conflict(`The built-in rule ${row.builtin} cannot be deleted; PATCH {"enabled": false} turns it off.`);
  const now = clock.now();
  await store.atomic([
    store.db
      .update(ruleFirings)
      .set({ state: 'resolved', resolvedAt: now.toISOString() })
      .where(and(eq(ruleFirings.ruleId, row.id), eq(ruleFirings.state, 'firing'))),
    store.db.delete(personFlags).where(eq(personFlags.ruleId, row.id)),
    store.db.delete(rules).where(and(eq(rules.orgId, orgId), eq(rules.id, row.id))),
    auditStatement(store, {
      orgId,
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'rule.delete',
      entityType: 'rule',
      entityId: row.id,
      data: { name: row.name, ...(actor.via === 'dashboard' ? { via: 'dashboard' } : {}) },
      now,
    }),
  ]);
}

rulesRoutes.delete('/:id', async (c) => {
  const { org, row } = await ruleOr404(c);
  await deleteRule(c.get('deps'), org.id, row);
  return c.body(null, 204);
});

/** Dry run of a stored rule: whom it would hit now. */
rulesRoutes.post('/:id/preview', async (c) => {
  const deps = c.get('deps');
  const { org, row } = await ruleOr404(c);
  const { definition, error } = parseDefinition(row);
  if (!definition) throw conflict(`The stored definition is invalid: ${error}`);
  return c.json({ rule: presentRule(row), ...(await previewRule(deps, org, definition, deps.clock.now(), row.id)) });
});

/** Dry run of a definition before saving it: `{"definition": {...}}`. */
rulesRoutes.post('/preview', async (c) => {
  const deps = c.get('deps');
  const org = await resolveOrg(c, deps.store);
  const body = validate(z.object({ definition: z.unknown() }).strict(), await readBody(c, z.unknown()));
  const definition = await checkMetricRule(deps.store, org.id, body.definition);
  return c.json(await previewRule(deps, org, definition, deps.clock.now()));
});

rulesRoutes.get('/:id/firings', async (c) => {
  const { store } = c.get('deps');
  const { row } = await ruleOr404(c);
  const state = c.req.query('state');
  if (state && state !== 'firing' && state !== 'resolved') throw badRequest('state is firing or resolved.');
  const page = readPage(c, 2);
  const rows = await store.db
    .select()
    .from(ruleFirings)
    .where(
      and(
        eq(ruleFirings.ruleId, row.id),
        state ? eq(ruleFirings.state, state as 'firing') : undefined,
        afterCursor([ruleFirings.firedAt, ruleFirings.id], page.after, 'desc'),
      ),
    )
    .orderBy(desc(ruleFirings.firedAt), desc(ruleFirings.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (r) => [r.firedAt, r.id], presentFiring));
});

/** Flags set by rules: `?person=<id or external_id>&flag=`. `observe_only` flags have no consequences. */
flagsRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const personRef = c.req.query('person')?.trim();
  const flag = c.req.query('flag')?.trim();
  let personId: string | undefined;
  if (personRef) {
    const [p] = await store.db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.orgId, org.id), inArray(people.id, [personRef])))
      .limit(1);
    const [q] = p
      ? [p]
      : await store.db
          .select({ id: people.id })
          .from(people)
          .where(and(eq(people.orgId, org.id), eq(people.externalId, personRef)))
          .limit(1);
    if (!q) throw notFound('Person', personRef);
    personId = q.id;
  }
  const rows = await store.db
    .select({ flag: personFlags, person: { id: people.id, externalId: people.externalId, name: people.name } })
    .from(personFlags)
    .innerJoin(people, eq(people.id, personFlags.personId))
    .where(
      and(
        eq(personFlags.orgId, org.id),
        personId ? eq(personFlags.personId, personId) : undefined,
        flag ? eq(personFlags.flag, flag) : undefined,
      ),
    )
    .orderBy(asc(personFlags.personId), asc(personFlags.flag))
    .limit(1000);
  return c.json({
    items: rows.map(({ flag: f, person }) => ({
      person: { id: person.id, external_id: person.externalId, name: person.name },
      flag: f.flag,
      rule_id: f.ruleId,
      observe_only: f.observeOnly,
      set_at: f.setAt,
    })),
  });
});
