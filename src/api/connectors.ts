// /api/v1/connectors: scheduled pulls of metric points (docs/connectors.md). Admin only (the
// /api/v1 token), every change audited. Saving checks what can be checked: the schema, the URL
// (scheme, no credentials, no link-local address), the platform being configured, and, for
// tabular kinds, a sample fetch of the source whose fields must include every mapped field.
// An HTTP source's auth value is write-only: answers say whether one is set, never what it is.
import { and, asc, eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { SourceError } from '../../core/connectors';
import { auditStatement } from '../../storage/repos/audit';
import { newId } from '../../storage/ids';
import { connectors } from '../../storage/schema';
import {
  CreateConnectorSchema,
  defaultSchedule,
  MappingSchema,
  PatchConnectorSchema,
  sourceSchemaOf,
  type Mapping,
} from '../connectors/definition';
import {
  checkMapping,
  MappingError,
  nextRunAt,
  readRows,
  runConnector,
  type ConnectorRow,
  type ConnectorSpec,
} from '../connectors/run';
import { checkSourceUrl, displayUrl, UrlRefused } from '../connectors/url';
import { platformConfigured } from '../platforms-connectors';
import { orgTimeZoneOf } from '../rules/context';
import type { AppEnv } from '../services';
import { readJson, validate } from './body';
import { ApiError, conflict, notFound, zodDetails } from './errors';
import { resolveOrg } from './org';
import type { Platform } from '../../core/types';

export const connectorsRoutes = new Hono<AppEnv>();

/** Connectors per org: each runs on a schedule, so the count is bounded like everything else. */
const MAX_CONNECTORS = 50;

export function presentConnector(row: ConnectorRow, timeZone: string, now: Date) {
  const source = { ...row.source };
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    enabled: row.enabled,
    schedule: row.schedule,
    time_zone: timeZone,
    source,
    mapping: row.mapping,
    ...(row.kind === 'http'
      ? { auth: { header: (source.auth_header as string | undefined) ?? 'Authorization', set: !!row.secret } }
      : {}),
    last_run_at: row.lastRunAt,
    last_status: row.lastStatus,
    last_error: row.lastError,
    last_result: row.lastResult,
    next_run_at: nextRunAt(row, timeZone, now),
    retry_at: row.retryAt,
    failures: row.failures,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** The checks a connector must pass to be saved; throws a 422 saying what is wrong. */
async function checkSpec(c: Context<AppEnv>, spec: ConnectorSpec): Promise<{ fields?: string[] }> {
  const services = c.get('deps');
  if (spec.kind === 'http') {
    try {
      checkSourceUrl(String(spec.source.url), { allowPrivate: services.config.connectorsPrivateNetworks !== false });
    } catch (err) {
      if (err instanceof UrlRefused)
        throw new ApiError(422, 'connector_url', err.message, [{ path: 'source.url', message: err.message }]);
      throw err;
    }
  }
  const platform: Platform | undefined =
    spec.kind === 'attendance' ? (spec.source.platform as Platform) : spec.kind === 'bitable' ? 'lark' : undefined;
  if (platform && !platformConfigured(services.config, platform))
    throw new ApiError(
      422,
      'not_configured',
      `${platform} is not configured on this server; a ${spec.kind} connector reads through its app credentials (see the README).`,
    );
  if (spec.kind === 'attendance') return {};
  let fields: string[];
  try {
    fields = (await readRows(services, spec, { limit: 20 })).fields;
  } catch (err) {
    if (err instanceof SourceError || err instanceof UrlRefused)
      throw new ApiError(422, 'connector_source', `Not saved: a sample fetch of the source failed: ${err.message}`);
    throw err;
  }
  try {
    checkMapping(spec.mapping!, fields);
  } catch (err) {
    if (err instanceof MappingError)
      throw new ApiError(422, 'connector_mapping', `Not saved: ${err.message}`, {
        missing: err.missing.map((m) => ({ path: `mapping.${m.key}`, field: m.field })),
        fields: err.fields,
      });
    throw err;
  }
  return { fields };
}

/** What the audit log keeps of a connector: never the secret, and the URL without its query. */
function auditData(row: Pick<ConnectorRow, 'name' | 'kind' | 'source' | 'mapping' | 'schedule' | 'enabled'>) {
  const source = { ...row.source };
  if (typeof source.url === 'string') source.url = displayUrl(source.url);
  return { name: row.name, kind: row.kind, schedule: row.schedule, enabled: row.enabled, source, mapping: row.mapping };
}

/** The org's connector `id` (the route's `:id` when not given), or a 404. */
export async function load(c: Context<AppEnv>, orgId: string, id = c.req.param('id') ?? ''): Promise<ConnectorRow> {
  const [row] = await c
    .get('deps')
    .store.db.select()
    .from(connectors)
    .where(and(eq(connectors.orgId, orgId), eq(connectors.id, id)));
  if (!row) throw notFound('connector', id);
  return row;
}

async function nameTaken(c: Context<AppEnv>, orgId: string, name: string, except?: string): Promise<void> {
  const [other] = await c
    .get('deps')
    .store.db.select({ id: connectors.id })
    .from(connectors)
    .where(and(eq(connectors.orgId, orgId), eq(connectors.name, name)));
  if (other && other.id !== except) throw conflict(`A connector named "${name}" exists already.`);
}

connectorsRoutes.get('/', async (c) => {
  const { store, config, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const tz = orgTimeZoneOf(org, config);
  const rows = await store.db
    .select()
    .from(connectors)
    .where(eq(connectors.orgId, org.id))
    .orderBy(asc(connectors.name));
  return c.json({ items: rows.map((r) => presentConnector(r, tz, clock.now())) });
});

connectorsRoutes.get('/:id', async (c) => {
  const { store, config, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  return c.json(presentConnector(await load(c, org.id), orgTimeZoneOf(org, config), clock.now()));
});

/** Who made a change, as the audit log records it (the API's token, or a dashboard admin). */
export interface ConnectorActor {
  type: 'admin' | 'person';
  id?: string | null;
  /** Where the change came from when not the API (`dashboard`), kept in the audit entry. */
  via?: 'dashboard';
}

const API_ACTOR: ConnectorActor = { type: 'admin' };
type OrgOf = Awaited<ReturnType<typeof resolveOrg>>;

function audit(
  c: Context<AppEnv>,
  org: OrgOf,
  actor: ConnectorActor,
  action: string,
  entityId: string,
  data: Record<string, unknown>,
  now: Date,
) {
  const { store } = c.get('deps');
  return auditStatement(store, {
    orgId: org.id,
    actorType: actor.type,
    actorId: actor.id ?? null,
    action,
    entityType: 'connector',
    entityId,
    data: actor.via ? { ...data, via: actor.via } : data,
    now,
  });
}

/**
 * Creates a connector from an API-shaped body (`CreateConnectorSchema`): the one path both
 * `POST /api/v1/connectors` and the dashboard's form take. Throws an ApiError saying what is
 * wrong (nothing is stored then); audited.
 */
export async function createConnector(
  c: Context<AppEnv>,
  org: OrgOf,
  raw: unknown,
  actor: ConnectorActor,
): Promise<{ row: ConnectorRow; fields?: string[] }> {
  const { store, clock } = c.get('deps');
  const body = validate(CreateConnectorSchema, raw);
  const existing = await store.db.select({ id: connectors.id }).from(connectors).where(eq(connectors.orgId, org.id));
  if (existing.length >= MAX_CONNECTORS)
    throw conflict(`An organisation has at most ${MAX_CONNECTORS} connectors; delete one first.`);
  await nameTaken(c, org.id, body.name);
  const spec: ConnectorSpec = {
    kind: body.kind,
    source: body.source as Record<string, unknown>,
    mapping: 'mapping' in body ? body.mapping : null,
    secret: body.kind === 'http' ? (body.auth_value ?? null) : null,
  };
  if (spec.kind === 'http') spec.source.url = checkUrlOr422(c, String(spec.source.url));
  const checked = await checkSpec(c, spec);
  const now = clock.now().toISOString();
  const row: ConnectorRow = {
    id: newId('con'),
    orgId: org.id,
    name: body.name,
    kind: body.kind,
    enabled: body.enabled,
    schedule: body.schedule ?? defaultSchedule(body.kind),
    source: spec.source,
    mapping: spec.mapping as Record<string, unknown> | null,
    secret: spec.secret,
    lastSlotAt: null,
    lastRunAt: null,
    lastStatus: null,
    lastError: null,
    lastResult: null,
    failures: 0,
    retryAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await store.atomic([
    store.db.insert(connectors).values(row),
    audit(
      c,
      org,
      actor,
      'connector.created',
      row.id,
      { ...auditData(row), auth_value: row.secret ? 'set' : 'none' },
      clock.now(),
    ),
  ]);
  return { row, fields: checked.fields };
}

connectorsRoutes.post('/', async (c) => {
  const { store, config, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const { row, fields } = await createConnector(c, org, await readJson(c), API_ACTOR);
  return c.json(
    {
      ...presentConnector(row, orgTimeZoneOf(org, config), clock.now()),
      ...(fields ? { source_fields: fields } : {}),
    },
    201,
  );
});

function checkUrlOr422(c: Context<AppEnv>, url: string): string {
  try {
    return checkSourceUrl(url, { allowPrivate: c.get('deps').config.connectorsPrivateNetworks !== false });
  } catch (err) {
    if (err instanceof UrlRefused)
      throw new ApiError(422, 'connector_url', err.message, [{ path: 'source.url', message: err.message }]);
    throw err;
  }
}

/**
 * Changes a connector from an API-shaped patch (`PatchConnectorSchema`; `source` merged over the
 * stored one, `auth_value` kept when absent, removed when null): the one path both
 * `PATCH /api/v1/connectors/:id` and the dashboard take. Throws an ApiError, storing nothing, when
 * the result would not pass the checks of a new connector; audited.
 */
export async function updateConnector(
  c: Context<AppEnv>,
  org: OrgOf,
  row: ConnectorRow,
  raw: unknown,
  actor: ConnectorActor,
): Promise<ConnectorRow> {
  const { store, clock } = c.get('deps');
  const body = validate(PatchConnectorSchema, raw);
  if (body.name !== undefined) await nameTaken(c, org.id, body.name, row.id);
  const source = body.source
    ? (validate(sourceSchemaOf(row.kind), { ...row.source, ...body.source }, 'source') as Record<string, unknown>)
    : row.source;
  let mapping = row.mapping as Mapping | null;
  if (body.mapping) {
    if (row.kind === 'attendance')
      throw new ApiError(
        400,
        'bad_request',
        'Attendance connectors have no mapping: they write attendance_days, late_count and work_hours.',
      );
    const parsed = MappingSchema.safeParse(body.mapping);
    if (!parsed.success)
      throw new ApiError(400, 'bad_request', 'mapping is invalid.', zodDetails(parsed.error, 'mapping'));
    mapping = parsed.data;
  }
  if (body.auth_value !== undefined && row.kind !== 'http')
    throw new ApiError(400, 'bad_request', 'auth_value applies to http connectors only.');
  const secret = body.auth_value === undefined ? row.secret : body.auth_value;
  const spec: ConnectorSpec = { kind: row.kind, source, mapping, secret };
  if (row.kind === 'http') spec.source = { ...source, url: checkUrlOr422(c, String(source.url)) };
  const sourceChanged = !!body.source || !!body.mapping || body.auth_value !== undefined;
  const enabling = body.enabled === true && !row.enabled;
  if (sourceChanged || enabling) await checkSpec(c, spec);
  const now = clock.now();
  const next: ConnectorRow = {
    ...row,
    name: body.name ?? row.name,
    enabled: body.enabled ?? row.enabled,
    schedule: body.schedule ?? row.schedule,
    source: spec.source,
    mapping: spec.mapping as Record<string, unknown> | null,
    secret: spec.secret,
    // A changed source or schedule starts afresh: no retry pending from the old settings.
    ...(sourceChanged || body.schedule ? { failures: 0, retryAt: null } : {}),
    updatedAt: now.toISOString(),
  };
  await store.atomic([
    store.db
      .update(connectors)
      .set({
        name: next.name,
        enabled: next.enabled,
        schedule: next.schedule,
        source: next.source,
        mapping: next.mapping,
        secret: next.secret,
        failures: next.failures,
        retryAt: next.retryAt,
        updatedAt: next.updatedAt,
      })
      .where(eq(connectors.id, row.id)),
    audit(
      c,
      org,
      actor,
      'connector.updated',
      row.id,
      {
        before: auditData(row),
        after: auditData(next),
        ...(body.auth_value !== undefined ? { auth_value: body.auth_value === null ? 'removed' : 'changed' } : {}),
      },
      now,
    ),
  ]);
  return next;
}

connectorsRoutes.patch('/:id', async (c) => {
  const { store, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const row = await load(c, org.id);
  const next = await updateConnector(c, org, row, await readJson(c), API_ACTOR);
  return c.json(presentConnector(next, orgTimeZoneOf(org, config), new Date(next.updatedAt)));
});

/** Removes a connector (the points it stored stay); audited. */
export async function deleteConnector(c: Context<AppEnv>, org: OrgOf, row: ConnectorRow, actor: ConnectorActor) {
  const { store, clock } = c.get('deps');
  await store.atomic([
    store.db.delete(connectors).where(eq(connectors.id, row.id)),
    audit(c, org, actor, 'connector.deleted', row.id, auditData(row), clock.now()),
  ]);
}

connectorsRoutes.delete('/:id', async (c) => {
  const org = await resolveOrg(c, c.get('deps').store);
  await deleteConnector(c, org, await load(c, org.id), API_ACTOR);
  return c.body(null, 204);
});

/** Runs a connector now (outside its schedule) and records the run in the audit log. */
export async function runConnectorNow(c: Context<AppEnv>, org: OrgOf, row: ConnectorRow, actor: ConnectorActor) {
  const services = c.get('deps');
  const report = await runConnector(services, org, row, orgTimeZoneOf(org, services.config));
  await services.store.atomic([
    audit(
      c,
      org,
      actor,
      'connector.run',
      row.id,
      { status: report.status, read: report.read, stored: report.stored, rejected: report.rejected },
      services.clock.now(),
    ),
  ]);
  return report;
}

/** Runs a connector now (outside its schedule) and answers its report. */
connectorsRoutes.post('/:id/run', async (c) => {
  const org = await resolveOrg(c, c.get('deps').store);
  return c.json(await runConnectorNow(c, org, await load(c, org.id), API_ACTOR));
});

/**
 * The fields and first rows of a tabular source (`{kind, source, auth_value?}`), for picking a
 * mapping before saving; the API's `/sample` and the dashboard's picker both read through here.
 */
export async function sampleSource(
  c: Context<AppEnv>,
  raw: unknown,
): Promise<{ fields: string[]; rows: Record<string, unknown>[] }> {
  const services = c.get('deps');
  const body = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
  const kind = body?.kind;
  if (kind !== 'http' && kind !== 'bitable')
    throw new ApiError(400, 'bad_request', 'kind must be http or bitable (attendance has fixed metrics).');
  const source = validate(sourceSchemaOf(kind), body!.source, 'source') as Record<string, unknown>;
  const secret = kind === 'http' && typeof body!.auth_value === 'string' ? body!.auth_value.slice(0, 4000) : null;
  if (kind === 'http') source.url = checkUrlOr422(c, String(source.url));
  else if (!platformConfigured(services.config, 'lark'))
    throw new ApiError(422, 'not_configured', 'lark is not configured on this server.');
  try {
    const rows = await readRows(services, { kind, source, mapping: null, secret }, { limit: 20 });
    return { fields: rows.fields, rows: rows.rows.slice(0, 5) };
  } catch (err) {
    if (err instanceof SourceError)
      throw new ApiError(422, 'connector_source', `The source could not be read: ${err.message}`);
    throw err;
  }
}

connectorsRoutes.post('/sample', async (c) => {
  await resolveOrg(c, c.get('deps').store);
  return c.json(await sampleSource(c, await readJson(c)));
});
