// Where a job's or rule's messages go. Each person has one primary platform:
// the one they last wrote to the bot from, else the org's default platform
// (`settings.default_platform`), else the first of Lark, WeCom, DingTalk they
// are bound to. Only platforms that can be addressed count (configured on this
// server, or every platform when the CLI enqueues for the server to deliver).
// Alerts, reminders and digests go to the primary platform only. A team's
// digest goes to its group chat on the first such platform that has one.
import { inArray } from 'drizzle-orm';
import type { Address } from '../bots/types';
import type { Store } from '../storage/db';
import type { Team } from '../storage/repos/types';
import { identities, people, type Platform } from '../storage/schema';

const ORDER: Platform[] = ['lark', 'wecom', 'dingtalk'];

/** Platforms messages may be addressed to: anything with `has(platform)` (the adapters map, a set). */
export interface Addressable {
  has(platform: string): boolean;
}

export interface PersonPlatforms {
  /** Platform user id per bound platform. */
  ids: Partial<Record<Platform, string>>;
  /** The platform the person last wrote from, if any. */
  last: Platform | null;
}

export type IdentityIndex = Map<string, PersonPlatforms>;

/** Platform user ids (and the last platform written from) of the given people, in chunks under D1's parameter limit. */
export async function loadIdentities(store: Store, personIds: string[]): Promise<IdentityIndex> {
  const out: IdentityIndex = new Map();
  const ids = [...new Set(personIds)];
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const rows = await store.db.select().from(identities).where(inArray(identities.personId, chunk));
    const lasts = await store.db
      .select({ id: people.id, last: people.lastPlatform, status: people.status })
      .from(people)
      .where(inArray(people.id, chunk));
    const lastOf = new Map(lasts.map((r) => [r.id, r.last]));
    // Inactive people (leavers) have no address: no job or rule ever messages them.
    const inactive = new Set(lasts.filter((r) => r.status === 'inactive').map((r) => r.id));
    for (const r of rows) {
      if (inactive.has(r.personId)) continue;
      const entry = out.get(r.personId) ?? { ids: {}, last: lastOf.get(r.personId) ?? null };
      entry.ids[r.platform] = r.platformUserId;
      out.set(r.personId, entry);
    }
  }
  return out;
}

/** The person's primary platform among the addressable ones they are bound to. */
export function primaryPlatform(
  bound: PersonPlatforms | undefined,
  addressable: Addressable,
  orgDefault?: Platform | null,
): Platform | undefined {
  if (!bound) return undefined;
  const usable = (p: Platform | null | undefined): p is Platform => !!p && addressable.has(p) && !!bound.ids[p];
  if (usable(bound.last)) return bound.last;
  if (usable(orgDefault)) return orgDefault;
  return ORDER.find(usable);
}

/** The one address a person's alerts, reminders and digests go to, or undefined when unreachable. */
export function personAddress(
  index: IdentityIndex,
  personId: string,
  addressable: Addressable,
  orgDefault?: Platform | null,
): Address | undefined {
  const bound = index.get(personId);
  const platform = primaryPlatform(bound, addressable, orgDefault);
  return platform ? { platform, kind: 'user', id: bound!.ids[platform]! } : undefined;
}

export function teamChatAddress(team: Team, addressable: Addressable): Address | undefined {
  const chats: Record<Platform, string | null> = {
    lark: team.larkChatId,
    wecom: team.wecomChatId,
    dingtalk: team.dingtalkConversationId,
  };
  const platform = ORDER.find((p) => addressable.has(p) && chats[p]);
  return platform ? { platform, kind: 'group', id: chats[platform]! } : undefined;
}
