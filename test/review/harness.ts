// The review's dispatch-level harness: a real SQLite file (migrated), the small org of
// test/helpers/fixtures.ts, Polaris wired to a recording Lark-like adapter, the admin API
// through app.request(), and an injected clock.
import { createPolaris } from '../../src/app';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { openSqlite } from '../../storage/sqlite';
import { auditLog, reviewObjectives, reviews } from '../../storage/schema';
import { ADMIN_TOKEN, tempDbPath } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';
import { click, message, recordingAdapter } from '../approvals/harness';
import type { BotEvent } from '../../bots/types';
import { eq } from 'drizzle-orm';

export { ADMIN_TOKEN, click, message };

export async function startReviewHarness(options: { now?: string } = {}) {
  const db = tempDbPath();
  const store = openSqlite(db.path);
  const clock = fixedClock(options.now ?? '2026-12-20T02:00:00Z');
  const config = loadConfig({ ADMIN_TOKEN });
  await seedSmallOrg(store);
  const recorder = recordingAdapter('lark', true);
  const pending: Promise<unknown>[] = [];
  const { app, services } = createPolaris({
    store,
    config,
    clock,
    adapters: [recorder.adapter],
    defer: (p) => {
      pending.push(p);
    },
  });
  const settle = async () => {
    while (pending.length) await pending.shift();
    await services.outbox.drain();
  };
  const h = {
    store,
    clock,
    services,
    log: recorder.log,
    async api(method: string, path: string, body?: unknown) {
      const init: RequestInit = { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await app.request(path, init);
      await settle();
      return res;
    },
    /** A raw request to the app (the dashboard), settled afterwards. */
    async request(path: string, init: RequestInit = {}) {
      const res = await app.request(path, init);
      await settle();
      return res;
    },
    async dispatch(event: BotEvent) {
      const result = await services.dispatch(event);
      await settle();
      return result;
    },
    /** Messages sent to a Lark open_id, newest last. */
    sent: (to: string) => recorder.log.filter((r) => r.op === 'send' && r.to?.id === to),
    lastText: (to: string) =>
      recorder.log.filter((r) => r.op === 'send' && r.to?.id === to && r.message.text).at(-1)?.message.text ?? '',
    async review(personId: string) {
      const [row] = await store.db.select().from(reviews).where(eq(reviews.personId, personId));
      return row;
    },
    async reviewObjectives(reviewId: string) {
      return store.db.select().from(reviewObjectives).where(eq(reviewObjectives.reviewId, reviewId));
    },
    async audits(action: string) {
      return store.db.select().from(auditLog).where(eq(auditLog.action, action));
    },
    async close() {
      await services.outbox.stop();
      store.close();
      db.cleanup();
    },
  };
  return h;
}

export type ReviewHarness = Awaited<ReturnType<typeof startReviewHarness>>;

/** The text a person sees in a card (markers of user text removed). */
export const cardText = (card: unknown) => JSON.stringify(card).replace(/[\uE000\uE001]/g, '');
