// /api/v1/teams: list and create teams (centres, departments), read one, and rename, move, merge
// and delete them (the rules of each operation are in team-admin.ts).
import { and, asc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../services';
import { isUniqueViolation } from '../../storage/db';
import { newId } from '../../storage/ids';
import { teams } from '../../storage/schema';
import { auditStatement } from '../../storage/repos/audit';
import { getPerson, getTeam } from '../../storage/repos/people';
import { readBody } from './body';
import { badRequest, conflict, notFound } from './errors';
import { resolveOrg } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { TimezoneSchema } from './people-import';
import { presentTeam } from './present';
import { commitTeamPlan, planTeamDelete, planTeamMerge, planTeamUpdate } from './team-admin';

export const teamsRoutes = new Hono<AppEnv>();

teamsRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const page = readPage(c);
  const rows = await store.db
    .select()
    .from(teams)
    .where(and(eq(teams.orgId, org.id), afterCursor([teams.id], page.after)))
    .orderBy(asc(teams.id))
    .limit(page.limit + 1);
  return c.json(toPage(rows, page.limit, (t) => [t.id], presentTeam));
});

teamsRoutes.get('/:id', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const team = await getTeam(store, org.id, c.req.param('id'));
  if (!team) throw notFound('Team', c.req.param('id'));
  return c.json(presentTeam(team));
});

const optionalId = z.string().trim().min(1).max(200).nullable().optional();
const CreateTeam = z
  .object({
    name: z.string().trim().min(1).max(200),
    parent_id: optionalId,
    manager_id: optionalId,
    timezone: TimezoneSchema.nullable().optional(),
    lark_chat_id: optionalId,
    wecom_chat_id: optionalId,
    dingtalk_conversation_id: optionalId,
  })
  .strict();

teamsRoutes.post('/', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = await readBody(c, CreateTeam);
  if (body.parent_id && !(await getTeam(store, org.id, body.parent_id))) {
    throw badRequest(`parent_id ${body.parent_id} does not exist`, [{ field: 'parent_id', message: 'no such team' }]);
  }
  if (body.manager_id && !(await getPerson(store, org.id, body.manager_id))) {
    throw badRequest(`manager_id ${body.manager_id} does not exist`, [
      { field: 'manager_id', message: 'no such person' },
    ]);
  }
  const now = clock.now();
  const row = {
    id: newId('team'),
    orgId: org.id,
    name: body.name,
    parentId: body.parent_id ?? null,
    managerId: body.manager_id ?? null,
    timezone: body.timezone ?? null,
    larkChatId: body.lark_chat_id ?? null,
    wecomChatId: body.wecom_chat_id ?? null,
    dingtalkConversationId: body.dingtalk_conversation_id ?? null,
    externalKey: null,
    createdAt: now.toISOString(),
  };
  try {
    await store.atomic([
      store.db.insert(teams).values(row),
      auditStatement(store, {
        orgId: org.id,
        actorType: 'admin',
        action: 'team.create',
        entityType: 'team',
        entityId: row.id,
        data: { name: row.name },
        now,
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A team named "${body.name}" already exists.`);
    throw err;
  }
  return c.json(presentTeam(row), 201);
});

// The same fields, each optional (null clears parent, manager, zone and chats).
const PatchTeam = CreateTeam.partial();

// Rename, move (parent_id; null: top level), or edit a team's settings. Admin only, like all of /api/v1.
teamsRoutes.patch('/:id', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = await readBody(c, PatchTeam);
  const { statements, result } = await planTeamUpdate(
    store,
    org.id,
    c.req.param('id'),
    body,
    { type: 'admin' },
    clock.now(),
  );
  await commitTeamPlan(store, statements, body.name);
  return c.json(presentTeam(result));
});

const MergeTeam = z.object({ into: z.string().trim().min(1).max(200) }).strict();

// Merge this team into another: its people, objectives, sub-teams and rule references move; it is deleted.
teamsRoutes.post('/:id/merge', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = await readBody(c, MergeTeam);
  const { statements, result } = await planTeamMerge(
    store,
    org.id,
    c.req.param('id'),
    body.into,
    { type: 'admin' },
    clock.now(),
  );
  await commitTeamPlan(store, statements);
  return c.json({ ...result, into: presentTeam(result.into) });
});

// Delete an empty team (no people, objectives or rules naming it); its sub-teams move up.
teamsRoutes.delete('/:id', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const { statements, result } = await planTeamDelete(store, org.id, c.req.param('id'), { type: 'admin' }, clock.now());
  await commitTeamPlan(store, statements);
  return c.json({ deleted: c.req.param('id'), ...result });
});
