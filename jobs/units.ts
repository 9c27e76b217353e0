// Time-zone units: the org's zone, plus one per other zone its teams (or
// people) use, so a team in New York gets its Monday 09:00 digest at 09:00 New
// York time while the rest of the org gets it at 09:00 Shanghai time.
import { eq } from 'drizzle-orm';
import type { Organization, Person, Team } from '../storage/repos/types';
import { people, teams } from '../storage/schema';
import { isValidTimezone } from '../core/okr/pace';
import type { JobUnit, JobServices } from './types';

export function teamZone(team: Pick<Team, 'timezone'> | undefined, orgTimeZone: string): string {
  return team && isValidTimezone(team.timezone) ? team.timezone : orgTimeZone;
}

export function personZone(
  person: Pick<Person, 'timezone'>,
  team: Pick<Team, 'timezone'> | undefined,
  orgTimeZone: string,
): string {
  return isValidTimezone(person.timezone) ? person.timezone : teamZone(team, orgTimeZone);
}

function unitsOf(zones: Iterable<string>, orgTimeZone: string): JobUnit[] {
  const set = new Set(zones);
  set.delete(orgTimeZone);
  return [
    { timeZone: orgTimeZone, isOrgZone: true },
    ...[...set].sort().map((timeZone) => ({ timeZone, isOrgZone: false })),
  ];
}

export async function teamZoneUnits(services: JobServices, org: Organization, orgTimeZone: string): Promise<JobUnit[]> {
  const rows = await services.store.db
    .selectDistinct({ timezone: teams.timezone })
    .from(teams)
    .where(eq(teams.orgId, org.id));
  return unitsOf(
    rows.map((r) => teamZone(r, orgTimeZone)),
    orgTimeZone,
  );
}

export async function personZoneUnits(
  services: JobServices,
  org: Organization,
  orgTimeZone: string,
): Promise<JobUnit[]> {
  const rows = await services.store.db
    .selectDistinct({ personZone: people.timezone, teamZone: teams.timezone })
    .from(people)
    .leftJoin(teams, eq(teams.id, people.teamId))
    .where(eq(people.orgId, org.id));
  return unitsOf(
    rows.map((r) => personZone({ timezone: r.personZone }, { timezone: r.teamZone }, orgTimeZone)),
    orgTimeZone,
  );
}
