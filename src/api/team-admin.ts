// Team administration shared by the API (/api/v1/teams/...) and the dashboard's teams page:
// rename, move (reparent), merge and delete (issue 19: "a bad import leaves teams no one can
// remove"). Each operation reads, checks, and returns every write as statements for one
// atomic batch with its audit entry, so a refused operation changes nothing. Refusals are
// ApiErrors with an English and a Chinese message (the dashboard shows the viewer's one).
//
// What each operation carries along:
// - rename: alert rules that scope a team by its old *name* are rewritten to the new name
//   (core/rules/definition.ts accepts ids or names), so a rename never silently narrows a rule.
// - move: refused when the new parent is the team itself or one of its sub-teams (a loop).
// - merge A into B: A's people, objectives, sub-teams and rule references go to B; B keeps its
//   own name and settings and takes A's manager, time zone and group chats only where it has
//   none; if B was below A, B takes A's place under A's parent (so no loop can form); then A
//   is deleted.
// - delete: refused while the team holds people (active or leavers: merge or empty it first),
//   owns objectives (merge instead, so their owner never dangles) or is named by an alert rule;
//   its sub-teams move up to its parent.
// A team mirrored from a platform directory (external_key) is changed like any other; the next
// directory sync applies the platform's structure again (docs/directory.md).
import { and, eq, inArray } from 'drizzle-orm';
import { isUniqueViolation, type Statement, type Store } from '../../storage/db';
import { objectives, people, rules, teams } from '../../storage/schema';
import { type ActorType, auditStatement } from '../../storage/repos/audit';
import { allTeams } from '../../storage/repos/people';
import type { Team } from '../../storage/repos/types';
import { ApiError, bilingual } from './errors';

export interface TeamActor {
  type: ActorType;
  id?: string | null;
}

export interface TeamPatch {
  name?: string;
  parent_id?: string | null;
  manager_id?: string | null;
  timezone?: string | null;
  lark_chat_id?: string | null;
  wecom_chat_id?: string | null;
  dingtalk_conversation_id?: string | null;
}

interface Plan<T> {
  statements: Statement[];
  result: T;
}

async function teamsOf(store: Store, orgId: string) {
  const list = await allTeams(store, orgId);
  return { list, byId: new Map(list.map((t) => [t.id, t])) };
}

function mustFind(byId: Map<string, Team>, id: string, field?: string): Team {
  const team = byId.get(id);
  if (team) return team;
  if (field)
    throw new ApiError(400, 'bad_request', bilingual('apiError.team.unknownRef', { field, id }), [
      { field, message: 'no such team' },
    ]);
  throw new ApiError(404, 'not_found', bilingual('apiError.team.notFound', { id }));
}

/** True when `candidate` is `team` or lies below it. */
export function isSelfOrBelow(byId: Map<string, Team>, teamId: string, candidate: string | null): boolean {
  const seen = new Set<string>();
  for (let at: string | null = candidate; at; at = byId.get(at)?.parentId ?? null) {
    if (at === teamId) return true;
    if (seen.has(at)) return false; // an existing loop elsewhere is not this change's fault
    seen.add(at);
  }
  return false;
}

/** Rule definitions whose team scope names one of `refs`, with the refs replaced by `replacement`. */
async function rewriteRuleScopes(
  store: Store,
  orgId: string,
  refs: string[],
  replacement: string | undefined,
  now: string,
): Promise<{ statements: Statement[]; names: string[] }> {
  const rows = await store.db.select().from(rules).where(eq(rules.orgId, orgId));
  const statements: Statement[] = [];
  const names: string[] = [];
  for (const rule of rows) {
    const scope = (rule.definition as { scope?: { type?: string; teams?: unknown } }).scope;
    if (scope?.type !== 'team' || !Array.isArray(scope.teams)) continue;
    const teamRefs = scope.teams as string[];
    if (!teamRefs.some((r) => refs.includes(r))) continue;
    names.push(rule.name);
    if (replacement === undefined) continue;
    const next = [...new Set(teamRefs.map((r) => (refs.includes(r) ? replacement : r)))];
    const definition = { ...rule.definition, scope: { ...scope, teams: next } };
    statements.push(
      store.db
        .update(rules)
        .set({ definition, updatedAt: now })
        .where(and(eq(rules.orgId, orgId), eq(rules.id, rule.id))),
    );
  }
  return { statements, names };
}

/** PATCH: rename, move and edit a team's settings. */
export async function planTeamUpdate(
  store: Store,
  orgId: string,
  id: string,
  patch: TeamPatch,
  actor: TeamActor,
  now: Date,
): Promise<Plan<Team>> {
  const { list, byId } = await teamsOf(store, orgId);
  const team = mustFind(byId, id);
  const at = now.toISOString();
  const set: Partial<Team> = {};
  const statements: Statement[] = [];
  if (patch.name !== undefined && patch.name !== team.name) {
    const clash = list.find((t) => t.name === patch.name && t.id !== id);
    if (clash) throw new ApiError(409, 'conflict', bilingual('apiError.team.nameTaken', { name: patch.name }));
    set.name = patch.name;
    statements.push(...(await rewriteRuleScopes(store, orgId, [team.name], patch.name, at)).statements);
  }
  if (patch.parent_id !== undefined && patch.parent_id !== team.parentId) {
    if (patch.parent_id !== null) {
      mustFind(byId, patch.parent_id, 'parent_id');
      if (isSelfOrBelow(byId, id, patch.parent_id))
        throw new ApiError(
          409,
          'conflict',
          bilingual('apiError.team.loop', { team: team.name, parent: byId.get(patch.parent_id)!.name }),
        );
    }
    set.parentId = patch.parent_id;
  }
  if (patch.manager_id !== undefined && patch.manager_id !== team.managerId) {
    if (patch.manager_id !== null) {
      const [manager] = await store.db
        .select({ id: people.id })
        .from(people)
        .where(and(eq(people.orgId, orgId), eq(people.id, patch.manager_id)))
        .limit(1);
      if (!manager)
        throw new ApiError(400, 'bad_request', bilingual('apiError.team.unknownPerson', { id: patch.manager_id }), [
          { field: 'manager_id', message: 'no such person' },
        ]);
    }
    set.managerId = patch.manager_id;
  }
  if (patch.timezone !== undefined) set.timezone = patch.timezone;
  if (patch.lark_chat_id !== undefined) set.larkChatId = patch.lark_chat_id;
  if (patch.wecom_chat_id !== undefined) set.wecomChatId = patch.wecom_chat_id;
  if (patch.dingtalk_conversation_id !== undefined) set.dingtalkConversationId = patch.dingtalk_conversation_id;
  const updated = { ...team, ...set };
  if (Object.keys(set).length === 0) return { statements: [], result: team };
  statements.unshift(
    store.db
      .update(teams)
      .set(set)
      .where(and(eq(teams.orgId, orgId), eq(teams.id, id))),
  );
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(set) as (keyof Team)[]) changes[key] = { from: team[key], to: set[key] };
  statements.push(
    auditStatement(store, {
      orgId,
      actorType: actor.type,
      actorId: actor.id,
      action: 'team.update',
      entityType: 'team',
      entityId: id,
      data: changes,
      now,
    }),
  );
  return { statements, result: updated };
}

export interface MergeResult {
  into: Team;
  people_moved: number;
  objectives_moved: number;
  teams_moved: number;
  rules_updated: string[];
}

/** Merges team `id` into `intoId` and deletes it. */
export async function planTeamMerge(
  store: Store,
  orgId: string,
  id: string,
  intoId: string,
  actor: TeamActor,
  now: Date,
): Promise<Plan<MergeResult>> {
  const { list, byId } = await teamsOf(store, orgId);
  const source = mustFind(byId, id);
  const target = mustFind(byId, intoId, 'into');
  if (source.id === target.id) throw new ApiError(400, 'bad_request', bilingual('apiError.team.mergeSelf'));
  const at = now.toISOString();
  const [members, owned] = await Promise.all([
    store.db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.orgId, orgId), eq(people.teamId, id))),
    store.db
      .select({ id: objectives.id })
      .from(objectives)
      .where(and(eq(objectives.orgId, orgId), eq(objectives.ownerTeamId, id))),
  ]);
  const children = list.filter((t) => t.parentId === id && t.id !== target.id);
  const targetSet: Partial<Team> = {};
  // The target below the source takes the source's place, so the source's other sub-teams can
  // move under it without a loop.
  if (isSelfOrBelow(byId, id, target.id)) targetSet.parentId = source.parentId;
  if (!target.managerId && source.managerId) targetSet.managerId = source.managerId;
  if (!target.timezone && source.timezone) targetSet.timezone = source.timezone;
  if (!target.larkChatId && source.larkChatId) targetSet.larkChatId = source.larkChatId;
  if (!target.wecomChatId && source.wecomChatId) targetSet.wecomChatId = source.wecomChatId;
  if (!target.dingtalkConversationId && source.dingtalkConversationId)
    targetSet.dingtalkConversationId = source.dingtalkConversationId;
  const ruleRewrite = await rewriteRuleScopes(store, orgId, [source.id, source.name], target.id, at);

  const statements: Statement[] = [];
  if (members.length)
    statements.push(
      store.db
        .update(people)
        .set({ teamId: target.id, updatedAt: at })
        .where(and(eq(people.orgId, orgId), eq(people.teamId, id))),
    );
  if (owned.length)
    statements.push(
      store.db
        .update(objectives)
        .set({ ownerTeamId: target.id })
        .where(and(eq(objectives.orgId, orgId), eq(objectives.ownerTeamId, id))),
    );
  if (children.length)
    statements.push(
      store.db
        .update(teams)
        .set({ parentId: target.id })
        .where(
          and(
            eq(teams.orgId, orgId),
            inArray(
              teams.id,
              children.map((t) => t.id),
            ),
          ),
        ),
    );
  statements.push(...ruleRewrite.statements);
  statements.push(store.db.delete(teams).where(and(eq(teams.orgId, orgId), eq(teams.id, id))));
  if (Object.keys(targetSet).length)
    statements.push(
      store.db
        .update(teams)
        .set(targetSet)
        .where(and(eq(teams.orgId, orgId), eq(teams.id, target.id))),
    );
  const result: MergeResult = {
    into: { ...target, ...targetSet },
    people_moved: members.length,
    objectives_moved: owned.length,
    teams_moved: children.length,
    rules_updated: ruleRewrite.names,
  };
  statements.push(
    auditStatement(store, {
      orgId,
      actorType: actor.type,
      actorId: actor.id,
      action: 'team.merge',
      entityType: 'team',
      entityId: id,
      data: {
        name: source.name,
        into: target.id,
        intoName: target.name,
        people: members.length,
        objectives: owned.length,
        subteams: children.length,
        rules: ruleRewrite.names,
      },
      now,
    }),
  );
  return { statements, result };
}

/** Deletes an empty team; its sub-teams move up to its parent. */
export async function planTeamDelete(
  store: Store,
  orgId: string,
  id: string,
  actor: TeamActor,
  now: Date,
): Promise<Plan<{ teams_moved: number }>> {
  const { list, byId } = await teamsOf(store, orgId);
  const team = mustFind(byId, id);
  const [members, owned] = await Promise.all([
    store.db
      .select({ id: people.id, status: people.status })
      .from(people)
      .where(and(eq(people.orgId, orgId), eq(people.teamId, id))),
    store.db
      .select({ id: objectives.id })
      .from(objectives)
      .where(and(eq(objectives.orgId, orgId), eq(objectives.ownerTeamId, id))),
  ]);
  if (members.length) {
    const leavers = members.filter((m) => m.status === 'inactive').length;
    throw new ApiError(
      409,
      'conflict',
      bilingual(leavers ? 'apiError.team.hasPeople' : 'apiError.team.hasPeopleNoLeavers', {
        name: team.name,
        count: members.length,
        leavers,
      }),
      { people: members.length, inactive: leavers },
    );
  }
  if (owned.length)
    throw new ApiError(
      409,
      'conflict',
      bilingual('apiError.team.hasObjectives', { name: team.name, count: owned.length }),
      {
        objectives: owned.length,
      },
    );
  const ruleRefs = await rewriteRuleScopes(store, orgId, [team.id, team.name], undefined, now.toISOString());
  if (ruleRefs.names.length)
    throw new ApiError(
      409,
      'conflict',
      bilingual('apiError.team.inRules', { name: team.name, rules: ruleRefs.names.join(', ') }),
      { rules: ruleRefs.names },
    );
  const children = list.filter((t) => t.parentId === id);
  const statements: Statement[] = [];
  if (children.length)
    statements.push(
      store.db
        .update(teams)
        .set({ parentId: team.parentId })
        .where(and(eq(teams.orgId, orgId), eq(teams.parentId, id))),
    );
  statements.push(store.db.delete(teams).where(and(eq(teams.orgId, orgId), eq(teams.id, id))));
  statements.push(
    auditStatement(store, {
      orgId,
      actorType: actor.type,
      actorId: actor.id,
      action: 'team.delete',
      entityType: 'team',
      entityId: id,
      data: { name: team.name, parentId: team.parentId, subteams: children.length },
      now,
    }),
  );
  return { statements, result: { teams_moved: children.length } };
}

/** Runs a plan; a unique-name race with another writer is a clear 409. */
export async function commitTeamPlan(store: Store, statements: Statement[], name?: string): Promise<void> {
  if (!statements.length) return;
  try {
    await store.atomic(statements);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ApiError(409, 'conflict', bilingual('apiError.team.nameTaken', { name: name ?? '' }));
    throw err;
  }
}
