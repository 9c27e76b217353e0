// Who sent a platform event: the org its tenant acts in (storage/repos/tenants.ts), and the
// person bound to the platform user id in that org. An event from a tenant that is bound to
// no org acts in none, even when its user id exists somewhere.
import { and, eq, sql } from 'drizzle-orm';
import type { BotEvent } from '../../bots/types';
import type { Store } from '../../storage/db';
import { preparedQuery } from '../../storage/prepared';
import { orgOfTenant } from '../../storage/repos/tenants';
import { identities, organizations, people, type Platform } from '../../storage/schema';
import type { OrgRow, PersonRow } from '../chat/context';

// Every inbound event asks this: prepared once (storage/prepared.ts).
const personByPlatformId = preparedQuery((db) =>
  db
    .select({ person: people, org: organizations })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .innerJoin(organizations, eq(organizations.id, identities.orgId))
    .where(
      and(
        eq(identities.orgId, sql.placeholder('orgId')),
        eq(identities.platform, sql.placeholder('platform')),
        eq(identities.platformUserId, sql.placeholder('platformUserId')),
      ),
    )
    .limit(1)
    .prepare(),
);

/** The person with `platformUserId` on `platform` in the org `tenantKey` acts in. */
export async function resolvePlatformUser(
  store: Store,
  platform: Platform,
  tenantKey: string | undefined,
  platformUserId: string,
): Promise<{ org: OrgRow; person: PersonRow } | undefined> {
  const orgId = await orgOfTenant(store, platform, tenantKey);
  if (!orgId) return undefined;
  const [match] = await personByPlatformId(store.db).all({ orgId, platform, platformUserId });
  return match;
}

export async function resolveSender(
  store: Store,
  event: BotEvent,
): Promise<{ org: OrgRow; person: PersonRow } | undefined> {
  return resolvePlatformUser(store, event.platform, event.tenantKey, event.sender.platformUserId);
}
