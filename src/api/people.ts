// /api/v1/people: import the org chart, list, read and edit people.
import { and, asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import type { Statement } from '../../storage/db';
import { isUniqueViolation } from '../../storage/db';
import { people, rules, type Platform } from '../../storage/schema';
import { auditStatement } from '../../storage/repos/audit';
import {
  getPerson,
  hasControlCharacters,
  getTeam,
  identitiesOf,
  identityMap,
  peopleByIds,
  personSearch,
  setIdentityStatements,
  wouldLoop,
} from '../../storage/repos/people';
import type { Person } from '../../storage/repos/types';
import { mediaType, readBytes, readJson, validate } from './body';
import { ApiError, badRequest, bilingual, conflict, notFound } from './errors';
import { decodeImportCsv } from './import-decode';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { MAX_IMPORT_BYTES, LocaleSchema, TimezoneSchema, parseImportBody, planImport } from './people-import';
import { presentPerson, personRef } from './present';

export const peopleRoutes = new Hono<AppEnv>();

peopleRoutes.post('/import', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const type = mediaType(c);
  if (!['application/json', 'text/csv', 'application/csv'].includes(type)) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send the import as application/json (an array of people) or text/csv (got ${type ? `"${type}"` : 'no Content-Type'}).`,
    );
  }
  const bytes = await readBytes(c, MAX_IMPORT_BYTES);
  // CSV from Excel may be GBK; JSON is UTF-8 by definition (RFC 8259), and bytes that are not
  // UTF-8 are refused rather than read with replacement characters.
  const decoded =
    type === 'application/json' ? { text: decodeUtf8Json(bytes), encoding: undefined } : await decodeImportCsv(bytes);
  const { rows, ignored, mapped } = parseImportBody(type, decoded.text);
  const { statements, result } = await planImport(store, org.id, rows, clock.now());
  // An import changes who owns and manages what: the next evaluation of every rule is a baseline
  // that records its firings without sending them (docs/rules.md, "Sending").
  statements.push(store.db.update(rules).set({ baselineAt: null }).where(eq(rules.orgId, org.id)));
  try {
    await store.atomic(statements);
  } catch (err) {
    // Another import or edit won a race for the same email or id between our reads and this write.
    if (isUniqueViolation(err))
      throw conflict('A concurrent change took one of these emails or platform ids; nothing was imported. Retry.');
    throw err;
  }
  return c.json({
    ...result,
    ...(decoded.encoding ? { encoding: decoded.encoding } : {}),
    ...(mapped ? { mapped_columns: mapped } : {}),
    ignored_columns: ignored,
  });
});

function decodeUtf8Json(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', bilingual('apiError.import.notUtf8Json'));
  }
}

peopleRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const page = readPage(c);
  const q = c.req.query('q')?.trim();
  const teamId = c.req.query('team')?.trim();
  if (q && hasControlCharacters(q))
    throw badRequest('The search text q must not contain control characters.', [
      { path: 'q', message: 'control characters (such as %00) are not allowed' },
    ]);
  // Leavers stay in the database (their history matters) but are hidden unless asked for.
  const status = c.req.query('status')?.trim() || 'active';
  if (status !== 'active' && status !== 'inactive' && status !== 'all')
    throw badRequest('status must be active, inactive or all', [
      { path: 'status', message: 'one of active, inactive, all' },
    ]);
  const rows = await store.db
    .select()
    .from(people)
    .where(
      and(
        personSearch(org.id, { teamId: teamId || undefined, q: q || undefined }),
        status === 'all' ? undefined : eq(people.status, status),
        afterCursor([people.id], page.after),
      ),
    )
    .orderBy(asc(people.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (p) => [p.id], presentPerson));
});

async function personDetail(store: AppEnv['Variables']['deps']['store'], orgId: string, person: Person) {
  const [ids, related, team] = await Promise.all([
    identitiesOf(store, person.id),
    peopleByIds(
      store,
      orgId,
      [person.managerId, person.coachId].filter((x): x is string => !!x),
    ),
    person.teamId ? getTeam(store, orgId, person.teamId) : undefined,
  ]);
  const find = (id: string | null) => related.find((p) => p.id === id);
  return {
    ...presentPerson(person),
    identities: identityMap(ids),
    team: team ? { id: team.id, name: team.name } : null,
    manager: personRef(find(person.managerId)),
    coach: personRef(find(person.coachId)),
  };
}

peopleRoutes.get('/:id', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const person = await getPerson(store, org.id, c.req.param('id'));
  if (!person) throw notFound('Person', c.req.param('id'));
  return c.json(await personDetail(store, org.id, person));
});

const nullableText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();
const PatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email('not an email address').max(320).nullable().optional(),
    title: nullableText(200),
    team_id: nullableText(100),
    manager_id: nullableText(100),
    coach_id: nullableText(100),
    role: z.enum(['member', 'admin']).optional(),
    leader: z.boolean().optional(),
    locale: LocaleSchema,
    timezone: TimezoneSchema.nullable().optional(),
    paused_until: z.iso.date('a date as YYYY-MM-DD').nullable().optional(),
    status: z.enum(['active', 'inactive']).optional(),
    lark_open_id: nullableText(200),
    wecom_userid: nullableText(200),
    dingtalk_staff_id: nullableText(200),
  })
  .strict();

const PATCH_PLATFORMS: [Platform, 'lark_open_id' | 'wecom_userid' | 'dingtalk_staff_id'][] = [
  ['lark', 'lark_open_id'],
  ['wecom', 'wecom_userid'],
  ['dingtalk', 'dingtalk_staff_id'],
];

peopleRoutes.patch('/:id', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const id = c.req.param('id');
  const person = await getPerson(store, org.id, id);
  if (!person) throw notFound('Person', id);
  const body = validate(PatchSchema, await readJson(c));
  const now = clock.now();
  const set: Partial<Person> = { updatedAt: now.toISOString() };
  if (body.name !== undefined) set.name = body.name;
  if (body.email !== undefined) set.email = body.email?.toLowerCase() ?? null;
  if (body.title !== undefined) set.title = body.title;
  if (body.role !== undefined) set.role = body.role;
  if (body.leader !== undefined) set.leader = body.leader;
  if (body.locale !== undefined) set.locale = body.locale ?? 'zh-CN';
  if (body.timezone !== undefined) set.timezone = body.timezone;
  if (body.paused_until !== undefined) set.pausedUntil = body.paused_until;
  if (body.status !== undefined) set.status = body.status;
  if (body.team_id !== undefined) {
    if (body.team_id && !(await getTeam(store, org.id, body.team_id)))
      throw badRequest(`team_id ${body.team_id} does not exist`, [{ field: 'team_id', message: 'no such team' }]);
    set.teamId = body.team_id;
    // Set by hand: the directory sync leaves it until the admin clears it (null).
    set.teamSetByHand = body.team_id !== null;
  }
  for (const field of ['manager_id', 'coach_id'] as const) {
    const ref = body[field];
    if (ref === undefined) continue;
    if (ref === id)
      throw badRequest(`A person cannot be their own ${field === 'manager_id' ? 'manager' : 'coach'}.`, [
        { field, message: 'refers to the person themself' },
      ]);
    if (ref && !(await getPerson(store, org.id, ref)))
      throw badRequest(`${field} ${ref} does not exist`, [{ field, message: 'no such person' }]);
    if (field === 'manager_id') {
      set.managerId = ref;
      set.managerSetByHand = ref !== null;
    } else set.coachId = ref;
  }
  if (set.managerId) {
    const chain = new Map<string, string | null>();
    for (let m: string | null = set.managerId, hops = 0; m && hops < 1000 && !chain.has(m); hops++) {
      const p = await getPerson(store, org.id, m);
      chain.set(m, p?.managerId ?? null);
      m = p?.managerId ?? null;
    }
    if (wouldLoop((x) => chain.get(x), id, set.managerId)) {
      throw badRequest('That manager would create a loop in the reporting line.', [
        { field: 'manager_id', message: 'the manager reports (directly or indirectly) to this person' },
      ]);
    }
  }
  const statements: Statement[] = [
    store.db
      .update(people)
      .set(set)
      .where(and(eq(people.orgId, org.id), eq(people.id, id))),
  ];
  for (const [platform, field] of PATCH_PLATFORMS) {
    if (body[field] !== undefined)
      statements.push(...setIdentityStatements(store, org.id, id, platform, body[field] ?? null));
  }
  statements.push(
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'person.update',
      entityType: 'person',
      entityId: id,
      data: body,
      now,
    }),
  );
  try {
    await store.atomic(statements);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('That email or platform id already belongs to another person.');
    throw err;
  }
  return c.json(await personDetail(store, org.id, (await getPerson(store, org.id, id))!));
});
