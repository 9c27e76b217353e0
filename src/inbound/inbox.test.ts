import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageEvent } from '../../bots/types';
import { checkIns, inbox, outbox, processedEvents } from '../../storage/schema';
import { IDS, seedSmallOrg } from '../../test/helpers/fixtures';
import { createTestApp } from '../../test/helpers/app';
import { createPolaris } from '../app';
import { Inbox } from './inbox';

const message = (eventId: string, text: string): MessageEvent => ({
  type: 'message',
  platform: 'lark',
  eventId,
  sender: { platformUserId: 'ou_alice' },
  conversation: { id: 'oc_1', type: 'direct' },
  replyTo: { platform: 'lark', kind: 'user', id: 'ou_alice' },
  text,
  mentionedBot: false,
  raw: {},
});

let t: ReturnType<typeof createTestApp>;
afterEach(() => t?.close());

async function setup() {
  t = createTestApp();
  await seedSmallOrg(t.store);
  const { services } = createPolaris({
    store: t.store,
    config: t.config,
    clock: t.clock,
    adapters: [],
    deliverImmediately: false,
  });
  return services;
}

describe('inbox', () => {
  it('stores an event once, handles it later, and removes it with the effects', async () => {
    const services = await setup();
    await services.inbox.accept(message('ev_1', 'KR1 45'));
    await services.inbox.accept(message('ev_1', 'KR1 45'));
    expect(await t.store.db.select().from(inbox)).toHaveLength(1);
    expect(await t.store.db.select().from(checkIns)).toHaveLength(0);

    expect(await services.inbox.drain()).toBe(1);
    expect(await t.store.db.select().from(inbox)).toHaveLength(0);
    const rows = await t.store.db.select().from(checkIns).where(eq(checkIns.keyResultId, IDS.aliceKr1));
    expect(rows.map((r) => r.value)).toEqual([45]);
    expect(await t.store.db.select().from(outbox)).toHaveLength(1);
  });

  it('drops a redelivery of an event that was already handled without handling it again', async () => {
    const services = await setup();
    await services.inbox.accept(message('ev_2', 'KR1 50'));
    await services.inbox.drain();
    await services.inbox.accept(message('ev_2', 'KR1 50'));
    await services.inbox.drain();
    expect(await t.store.db.select().from(inbox)).toHaveLength(0);
    expect(await t.store.db.select().from(checkIns)).toHaveLength(1);
    expect(await t.store.db.select().from(processedEvents)).toHaveLength(1);
  });

  it('handles events in the order they arrived', async () => {
    const services = await setup();
    for (const [i, v] of [10, 20, 30].entries()) await services.inbox.accept(message(`ev_o${i}`, `KR1 ${v}`));
    await services.inbox.drain();
    const rows = await t.store.db.select().from(checkIns).orderBy(checkIns.id);
    expect(rows.map((r) => [r.previousValue, r.value])).toEqual([
      [30, 10],
      [10, 20],
      [20, 30],
    ]);
  });

  it('keeps an event whose handling fails, retries it with backoff, and parks it after five attempts', async () => {
    await setup();
    const broken = new Inbox({
      store: t.store,
      clock: t.clock,
      dispatch: async () => {
        throw new Error('database is locked');
      },
    });
    await broken.accept(message('ev_f', 'KR1 1'));
    await broken.drain();
    // Locked for the backoff: an immediate retry does nothing.
    expect(await broken.drain()).toBe(0);
    expect((await t.store.db.select().from(inbox))[0]).toMatchObject({ status: 'pending', attempts: 1 });
    for (let i = 0; i < 4; i++) {
      t.clock.advance(60_000);
      await broken.drain();
    }
    const [row] = await t.store.db.select().from(inbox);
    expect(row).toMatchObject({ status: 'failed', attempts: 5, lastError: 'database is locked' });
    t.clock.advance(3_600_000);
    expect(await broken.drain()).toBe(0);
  });
});
