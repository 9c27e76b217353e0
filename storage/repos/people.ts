// People, their platform identities and teams: the lookups the API, chat flows
// and jobs share. Writes that must be atomic are returned as statements.
import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Statement, Store } from '../db';
import { identities, people, teams, type Platform } from '../schema';
import type { Identity, Person, Team } from './types';

export const PLATFORMS: readonly Platform[] = ['lark', 'wecom', 'dingtalk'];

export async function getPerson(store: Store, orgId: string, id: string): Promise<Person | undefined> {
  const [row] = await store.db
    .select()
    .from(people)
    .where(and(eq(people.orgId, orgId), eq(people.id, id)))
    .limit(1);
  return row;
}

export async function findPersonByExternalId(
  store: Store,
  orgId: string,
  externalId: string,
): Promise<Person | undefined> {
  const [row] = await store.db
    .select()
    .from(people)
    .where(and(eq(people.orgId, orgId), eq(people.externalId, externalId)))
    .limit(1);
  return row;
}

/**
 * The person behind a platform user id. Platform user ids are only unique inside
 * one tenant, so callers that know the tenant's org pass it; without it the
 * first match across orgs is returned (fine for single-org installs).
 */
export async function findPersonByIdentity(
  store: Store,
  platform: Platform,
  platformUserId: string,
  tenantOrgId?: string,
): Promise<Person | undefined> {
  const where = tenantOrgId
    ? and(
        eq(identities.orgId, tenantOrgId),
        eq(identities.platform, platform),
        eq(identities.platformUserId, platformUserId),
      )
    : and(eq(identities.platform, platform), eq(identities.platformUserId, platformUserId));
  const [row] = await store.db
    .select({ person: people })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(where)
    .limit(1);
  return row?.person;
}

export async function identitiesOf(store: Store, personId: string): Promise<Identity[]> {
  return store.db.select().from(identities).where(eq(identities.personId, personId));
}

/** Platform ids of a person as `{ lark, wecom, dingtalk }`, null where unbound. */
export function identityMap(rows: Identity[]): Record<Platform, string | null> {
  const out: Record<Platform, string | null> = { lark: null, wecom: null, dingtalk: null };
  for (const r of rows) out[r.platform] = r.platformUserId;
  return out;
}

export async function peopleByIds(store: Store, orgId: string, ids: string[]): Promise<Person[]> {
  const unique = [...new Set(ids)];
  const out: Person[] = [];
  // Chunks keep each statement under D1's bound-parameter limit.
  for (let i = 0; i < unique.length; i += 90) {
    out.push(
      ...(await store.db
        .select()
        .from(people)
        .where(and(eq(people.orgId, orgId), inArray(people.id, unique.slice(i, i + 90))))),
    );
  }
  return out;
}

export async function allPeople(store: Store, orgId: string): Promise<Person[]> {
  return store.db.select().from(people).where(eq(people.orgId, orgId));
}

export async function allIdentities(store: Store, orgId: string): Promise<Identity[]> {
  return store.db.select().from(identities).where(eq(identities.orgId, orgId));
}

/** Direct reports of a manager. */
export async function reportsOf(store: Store, orgId: string, managerId: string): Promise<Person[]> {
  return store.db
    .select()
    .from(people)
    .where(and(eq(people.orgId, orgId), eq(people.managerId, managerId)));
}

/**
 * A LIKE pattern matching `text` anywhere, with `%`, `_` and `\\` escaped (use with ESCAPE '\\'),
 * or undefined when the text holds control characters: SQLite reads a pattern as a C string,
 * so `%00` would cut it to a bare `%` that matches everyone.
 */
export function containsPattern(text: string): string | undefined {
  if (!text || hasControlCharacters(text)) return undefined;
  return `%${text.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`;
}

export function hasControlCharacters(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return /[\u0000-\u001f\u007f]/.test(text);
}

export function personSearch(orgId: string, filter: { teamId?: string; q?: string }): SQL {
  const conds: (SQL | undefined)[] = [eq(people.orgId, orgId)];
  if (filter.teamId) conds.push(eq(people.teamId, filter.teamId));
  if (filter.q) {
    const pattern = containsPattern(filter.q);
    // Callers reject such text first; never fall back to "everyone".
    if (!pattern) return sql`0`;
    // Drizzle's like() has no ESCAPE clause; without one SQLite would look for the backslashes.
    const matches = (column: typeof people.name | typeof people.externalId | typeof people.email) =>
      sql`${column} LIKE ${pattern} ESCAPE '\\'`;
    conds.push(or(matches(people.name), matches(people.externalId), matches(people.email)));
  }
  return and(...conds)!;
}

/** Whether making `managerId` the manager of `personId` would close a loop. */
export function wouldLoop(
  managerOf: (id: string) => string | null | undefined,
  personId: string,
  managerId: string | null,
): boolean {
  const seen = new Set<string>();
  for (let m: string | null | undefined = managerId; m; m = managerOf(m)) {
    if (m === personId) return true;
    if (seen.has(m)) return false; // an existing loop elsewhere is not this change's fault
    seen.add(m);
  }
  return false;
}

/** Statements that replace a person's identity on one platform (null removes it). */
export function setIdentityStatements(
  store: Store,
  orgId: string,
  personId: string,
  platform: Platform,
  platformUserId: string | null,
): Statement[] {
  const out: Statement[] = [
    store.db.delete(identities).where(and(eq(identities.personId, personId), eq(identities.platform, platform))),
  ];
  if (platformUserId) out.push(store.db.insert(identities).values({ orgId, personId, platform, platformUserId }));
  return out;
}

export async function getTeam(store: Store, orgId: string, id: string): Promise<Team | undefined> {
  const [row] = await store.db
    .select()
    .from(teams)
    .where(and(eq(teams.orgId, orgId), eq(teams.id, id)))
    .limit(1);
  return row;
}

export async function allTeams(store: Store, orgId: string): Promise<Team[]> {
  return store.db.select().from(teams).where(eq(teams.orgId, orgId));
}

/** Members of a team (people whose team_id is it). */
export async function teamMembers(store: Store, orgId: string, teamId: string): Promise<Person[]> {
  return store.db
    .select()
    .from(people)
    .where(and(eq(people.orgId, orgId), eq(people.teamId, teamId)));
}
