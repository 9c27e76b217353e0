// Who you can be in the playground: everyone in the demo org, and nobody else, with the platform ids the emulators use for them, grouped the way a
// visitor thinks of them: managers, coaches, teachers.
import { and, asc, count, eq, ne } from 'drizzle-orm';
import { DEMO_SLUG } from '../../storage/seed/demo';
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

/** The demo org (`npm run seed:demo`, slug `demo`): the only org the playground shows or signs in to. */
export async function demoOrg(store: Store): Promise<typeof organizations.$inferSelect | undefined> {
  const [org] = await store.db.select().from(organizations).where(eq(organizations.slug, DEMO_SLUG)).limit(1);
  return org;
}

/** Orgs other than the demo: real people's data, which the playground must never expose. */
export async function realOrgCount(store: Store): Promise<number> {
  const [{ n }] = await store.db.select({ n: count() }).from(organizations).where(ne(organizations.slug, DEMO_SLUG));
  return n;
}

/** The person with this id in the demo org and their id on `platform`, if they have one. */
export async function demoPlatformUser(store: Store, personId: string, platform: Platform) {
  const org = await demoOrg(store);
  if (!org) return undefined;
  const [row] = await store.db
    .select({ userId: identities.platformUserId, name: people.name })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.personId, personId), eq(identities.platform, platform), eq(identities.orgId, org.id)))
    .limit(1);
  return row;
}

/** Is this platform user id someone in the demo org (whom the emulated sign-in may sign in)? */
export async function isDemoUser(store: Store, platform: Platform, userId: string): Promise<boolean> {
  const org = await demoOrg(store);
  if (!org) return false;
  const [row] = await store.db
    .select({ id: identities.personId })
    .from(identities)
    .where(and(eq(identities.orgId, org.id), eq(identities.platform, platform), eq(identities.platformUserId, userId)))
    .limit(1);
  return Boolean(row);
}

export async function playgroundOrg(store: Store): Promise<PlaygroundOrg | undefined> {
  const org = await demoOrg(store);
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
