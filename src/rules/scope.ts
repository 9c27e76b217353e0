// Who a rule applies to: the org's people, narrowed by the rule's scope.
import { eq } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { people, teams } from '../../storage/schema';
import type { Scope } from '../../core/rules/definition';

export interface ScopePerson {
  id: string;
  externalId: string;
  name: string;
  title: string | null;
  teamId: string | null;
  managerId: string | null;
  coachId: string | null;
  locale: 'zh-CN' | 'en';
  /** On leave until this date: no alerts. */
  pausedUntil: string | null;
}

export interface OrgDirectory {
  people: ScopePerson[];
  byId: Map<string, ScopePerson>;
  byExternalId: Map<string, ScopePerson>;
  teams: { id: string; name: string; parentId: string | null }[];
}

export async function loadDirectory(store: Store, orgId: string): Promise<OrgDirectory> {
  const list = await store.db
    .select({
      id: people.id,
      externalId: people.externalId,
      name: people.name,
      title: people.title,
      teamId: people.teamId,
      managerId: people.managerId,
      coachId: people.coachId,
      locale: people.locale,
      pausedUntil: people.pausedUntil,
    })
    .from(people)
    .where(eq(people.orgId, orgId));
  const teamRows = await store.db
    .select({ id: teams.id, name: teams.name, parentId: teams.parentId })
    .from(teams)
    .where(eq(teams.orgId, orgId));
  return {
    people: list,
    byId: new Map(list.map((p) => [p.id, p])),
    byExternalId: new Map(list.map((p) => [p.externalId, p])),
    teams: teamRows,
  };
}

/** Team ids named by id or name, plus their sub-teams when asked. */
function teamIds(dir: OrgDirectory, refs: string[], includeSubteams: boolean): Set<string> {
  const wanted = new Set(dir.teams.filter((t) => refs.includes(t.id) || refs.includes(t.name)).map((t) => t.id));
  if (!includeSubteams) return wanted;
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of dir.teams)
      if (t.parentId && wanted.has(t.parentId) && !wanted.has(t.id)) {
        wanted.add(t.id);
        grew = true;
      }
  }
  return wanted;
}

/** A predicate: is this person in the rule's scope? */
export function scopeFilter(dir: OrgDirectory, scope: Scope): (p: ScopePerson) => boolean {
  switch (scope.type) {
    case 'org':
      return () => true;
    case 'team': {
      const ids = teamIds(dir, scope.teams, scope.includeSubteams);
      return (p) => !!p.teamId && ids.has(p.teamId);
    }
    case 'role': {
      const words = scope.titles.map((w) => w.toLowerCase());
      return (p) => !!p.title && words.some((w) => p.title!.toLowerCase().includes(w));
    }
    case 'people': {
      const ids = new Set(scope.people);
      return (p) => ids.has(p.externalId);
    }
  }
}

/** Scope references that match nothing, for write-time warnings. */
export function unmatchedScope(dir: OrgDirectory, scope: Scope): string[] {
  if (scope.type === 'team') return scope.teams.filter((r) => !dir.teams.some((t) => t.id === r || t.name === r));
  if (scope.type === 'people') return scope.people.filter((r) => !dir.byExternalId.has(r));
  return [];
}
