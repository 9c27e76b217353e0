// Who sent a platform event: the org (from the platform tenant, or the identity
// itself) and the person bound to the platform user id.
import { and, eq } from 'drizzle-orm';
import type { BotEvent } from '../../bots/types';
import type { Store } from '../../storage/db';
import { identities, organizations, people, platformTenants } from '../../storage/schema';
import type { OrgRow, PersonRow } from '../chat/context';

export async function resolveSender(
  store: Store,
  event: BotEvent,
): Promise<{ org: OrgRow; person: PersonRow } | undefined> {
  let orgId: string | undefined;
  if (event.tenantKey) {
    const [tenant] = await store.db
      .select({ orgId: platformTenants.orgId })
      .from(platformTenants)
      .where(and(eq(platformTenants.platform, event.platform), eq(platformTenants.tenantKey, event.tenantKey)));
    orgId = tenant?.orgId;
  }
  const conditions = [
    eq(identities.platform, event.platform),
    eq(identities.platformUserId, event.sender.platformUserId),
  ];
  if (orgId) conditions.push(eq(identities.orgId, orgId));
  const matches = await store.db
    .select({ person: people, org: organizations })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .innerJoin(organizations, eq(organizations.id, identities.orgId))
    .where(and(...conditions))
    .limit(2);
  // The same platform id in two orgs without a tenant mapping is ambiguous: refuse rather than guess.
  if (matches.length !== 1) return undefined;
  return matches[0];
}
