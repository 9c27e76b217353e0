// Where a job's messages go: a person's one-to-one chat on the first platform
// that is both configured and bound to them, or a team's group chat.
import { and, eq, inArray } from 'drizzle-orm';
import type { Address, PlatformAdapter } from '../bots/types';
import type { Store } from '../storage/db';
import type { Team } from '../storage/repos/types';
import { identities, people, type Platform } from '../storage/schema';

const ORDER: Platform[] = ['lark', 'wecom', 'dingtalk'];

export type IdentityIndex = Map<string, Partial<Record<Platform, string>>>;

/**
 * Platform user ids of the given people, in chunks under D1's parameter limit.
 * Inactive people (leavers) have no address: no job ever messages them.
 */
export async function loadIdentities(store: Store, personIds: string[]): Promise<IdentityIndex> {
  const out: IdentityIndex = new Map();
  const ids = [...new Set(personIds)];
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await store.db
      .select({
        personId: identities.personId,
        platform: identities.platform,
        platformUserId: identities.platformUserId,
      })
      .from(identities)
      .innerJoin(people, eq(people.id, identities.personId))
      .where(and(inArray(identities.personId, ids.slice(i, i + 90)), eq(people.status, 'active')));
    for (const r of rows) out.set(r.personId, { ...out.get(r.personId), [r.platform]: r.platformUserId });
  }
  return out;
}

export function personAddress(
  index: IdentityIndex,
  personId: string,
  adapters: ReadonlyMap<string, PlatformAdapter>,
): Address | undefined {
  const bound = index.get(personId);
  if (!bound) return undefined;
  const platform = ORDER.find((p) => adapters.has(p) && bound[p]);
  return platform ? { platform, kind: 'user', id: bound[platform]! } : undefined;
}

export function teamChatAddress(team: Team, adapters: ReadonlyMap<string, PlatformAdapter>): Address | undefined {
  const chats: Record<Platform, string | null> = {
    lark: team.larkChatId,
    wecom: team.wecomChatId,
    dingtalk: team.dingtalkConversationId,
  };
  const platform = ORDER.find((p) => adapters.has(p) && chats[p]);
  return platform ? { platform, kind: 'group', id: chats[platform]! } : undefined;
}
