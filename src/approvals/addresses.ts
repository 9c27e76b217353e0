// Where to reach a person: their one-to-one chat on the platform the
// conversation is happening on, or else on any platform they are bound to.
import { and, eq } from 'drizzle-orm';
import type { Address, Platform } from '../../bots/types';
import type { Store } from '../../storage/db';
import { identities, people } from '../../storage/schema';
import type { Person } from '../../storage/repos/types';

const ORDER: Platform[] = ['lark', 'wecom', 'dingtalk'];

export async function addressOf(store: Store, personId: string, preferred?: Platform): Promise<Address | undefined> {
  const rows = await store.db.select().from(identities).where(eq(identities.personId, personId));
  const pick =
    rows.find((r) => r.platform === preferred) ??
    [...rows].sort((a, b) => ORDER.indexOf(a.platform) - ORDER.indexOf(b.platform))[0];
  return pick ? { platform: pick.platform, kind: 'user', id: pick.platformUserId } : undefined;
}

/** The person a one-to-one address belongs to (to answer in their language). */
export async function personAt(
  store: Store,
  orgId: string,
  address: { platform: Platform; id: string },
): Promise<Person | undefined> {
  const [row] = await store.db
    .select({ person: people })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(
      and(
        eq(identities.orgId, orgId),
        eq(identities.platform, address.platform),
        eq(identities.platformUserId, address.id),
      ),
    )
    .limit(1);
  return row?.person;
}
