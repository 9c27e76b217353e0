// Who you can be in the playground: everyone in the org (the demo org when it
// exists), with the platform ids the emulators use for them, grouped the way a
// visitor thinks of them: managers, coaches, teachers.
import { asc, eq } from 'drizzle-orm';
import type { Platform } from '../../bots/types';
import type { Store } from '../../storage/db';
import { identities, objectives, organizations, people, teams } from '../../storage/schema';

export type PersonGroup = 'teacher' | 'manager' | 'coach';

export interface PlaygroundPerson {
  id: string;
  name: string;
  title: string;
  team: string;
  locale: string;
  group: PersonGroup;
  managerId: string | null;
  hasObjectives: boolean;
  ids: Partial<Record<Platform, string>>;
}

export interface PlaygroundOrg {
  id: string;
  name: string;
  people: PlaygroundPerson[];
}

export async function playgroundOrg(store: Store): Promise<PlaygroundOrg | undefined> {
  const orgs = await store.db.select().from(organizations).orderBy(asc(organizations.createdAt));
  const org = orgs.find((o) => o.slug === 'demo') ?? orgs[0];
  if (!org) return undefined;
  const [rows, ids, teamRows, owners] = await Promise.all([
    store.db.select().from(people).where(eq(people.orgId, org.id)).orderBy(asc(people.externalId)),
    store.db.select().from(identities).where(eq(identities.orgId, org.id)),
    store.db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.orgId, org.id)),
    store.db.select({ owner: objectives.ownerPersonId }).from(objectives).where(eq(objectives.orgId, org.id)),
  ]);
  const teamName = new Map(teamRows.map((t) => [t.id, t.name]));
  const managers = new Set(rows.map((p) => p.managerId).filter(Boolean));
  const coaches = new Set(rows.map((p) => p.coachId).filter(Boolean));
  const withObjectives = new Set(owners.map((o) => o.owner).filter(Boolean));
  const byPerson = new Map<string, Partial<Record<Platform, string>>>();
  for (const i of ids) byPerson.set(i.personId, { ...byPerson.get(i.personId), [i.platform]: i.platformUserId });
  return {
    id: org.id,
    name: org.name,
    people: rows.map((p) => ({
      id: p.id,
      name: p.name,
      title: p.title ?? '',
      team: p.teamId ? (teamName.get(p.teamId) ?? '') : '',
      locale: p.locale,
      group: coaches.has(p.id) ? 'coach' : managers.has(p.id) ? 'manager' : 'teacher',
      managerId: p.managerId,
      hasObjectives: withObjectives.has(p.id),
      ids: byPerson.get(p.id) ?? {},
    })),
  };
}

/** The person a first visit starts as: a teacher who has OKRs, so `我的OKR` shows a real card. */
export function defaultPerson(org: PlaygroundOrg): PlaygroundPerson | undefined {
  return (
    org.people.find((p) => p.group === 'teacher' && p.hasObjectives && p.ids.lark && p.ids.wecom && p.ids.dingtalk) ??
    org.people[0]
  );
}
