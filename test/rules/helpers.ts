// Shared set-up for the rules tests: the small org plus a coach (教研主管) for
// Alice and Bob, and a recording Lark adapter so planned messages can be seen.
import type { PlatformAdapter, SentRef } from '../../bots/types';
import type { Store } from '../../storage/db';
import { identities, people } from '../../storage/schema';
import { eq, inArray } from 'drizzle-orm';
import { IDS, seedSmallOrg } from '../helpers/fixtures';

export const COACH = { id: 'per_coach', externalId: 'E010', lark: 'ou_coach' };

export async function seedOrgWithCoach(store: Store) {
  await seedSmallOrg(store);
  await store.atomic([
    store.db.insert(people).values({
      id: COACH.id,
      orgId: IDS.org,
      externalId: COACH.externalId,
      name: '赵教研',
      title: '教研主管',
      managerId: IDS.manager,
      locale: 'zh-CN',
    }),
    store.db
      .insert(identities)
      .values({ orgId: IDS.org, personId: COACH.id, platform: 'lark', platformUserId: COACH.lark }),
    store.db
      .update(people)
      .set({ coachId: COACH.id, title: '数学老师' })
      .where(inArray(people.id, [IDS.alice, IDS.bob])),
  ]);
  await store.db.update(people).set({ title: 'English Teacher' }).where(eq(people.id, IDS.bob));
  return IDS;
}

export function recordingAdapter(platform: 'lark' | 'wecom' = 'lark') {
  const sent: { to: string; card: unknown; text?: string; id: string }[] = [];
  const updated: { messageId: string; card: unknown }[] = [];
  const adapter: PlatformAdapter = {
    platform,
    webhookPaths: [''],
    inlineCardUpdates: true,
    limits: { perSecond: 1000 },
    async handleWebhook() {
      return new Response('no');
    },
    async send(to, message): Promise<SentRef> {
      const id = `m_${sent.length + 1}`;
      sent.push({ to: to.id, card: message.card, text: message.text, id });
      return { platform, messageId: id };
    },
    async update(ref, message) {
      updated.push({ messageId: ref.messageId, card: message.card });
    },
  };
  return { adapter, sent, updated };
}

/** ISO timestamps of local noon (Asia/Shanghai) `weeksAgo` weeks before `now`. */
export function weeksAgo(now: Date, weeks: number, days = 0): string {
  return new Date(now.getTime() - weeks * 7 * 86_400_000 - days * 86_400_000).toISOString();
}
