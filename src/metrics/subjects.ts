// Which subjects a batch may name: "org", a person's external id, or a team
// (its id or its name). Looked up in chunks under D1's 100-parameter limit.
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { people, teams } from '../../storage/schema';

export const ORG_SUBJECT = 'org';
const CHUNK = 90;

/** The subjects of `subjects` that name nothing in the org. */
export async function unknownSubjects(store: Store, orgId: string, subjects: Iterable<string>): Promise<Set<string>> {
  const missing = new Set([...subjects].filter((s) => s !== ORG_SUBJECT));
  const list = [...missing];
  for (let i = 0; i < list.length; i += CHUNK) {
    const chunk = list.slice(i, i + CHUNK);
    const found = await store.db
      .select({ id: people.externalId })
      .from(people)
      .where(and(eq(people.orgId, orgId), inArray(people.externalId, chunk)));
    for (const r of found) missing.delete(r.id);
  }
  const rest = [...missing];
  for (let i = 0; i < rest.length; i += CHUNK / 2) {
    const chunk = rest.slice(i, i + CHUNK / 2);
    const found = await store.db
      .select({ id: teams.id, name: teams.name })
      .from(teams)
      .where(and(eq(teams.orgId, orgId), or(inArray(teams.id, chunk), inArray(teams.name, chunk))));
    for (const r of found) {
      missing.delete(r.id);
      missing.delete(r.name);
    }
  }
  return missing;
}
