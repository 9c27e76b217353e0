// npm run bench:outbound — what emitting outbound webhook events costs a check-in. Every check-in's
// batch now carries one INSERT … SELECT FROM webhook_subscriptions (storage/webhook-events.ts).
// Measured as ratios against a baseline in the same run: the same check-in batch without that
// statement, then with it and no subscriber, then with it and three subscribers (three rows).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { checkInStatements } from '../storage/repos/okrs';
import { keyResults, webhookSubscriptions } from '../storage/schema';
import { openSqlite } from '../storage/sqlite';
import { IDS, seedSmallOrg } from '../test/helpers/fixtures';
import { peakRssLine } from './proc';

const ROUNDS = 3;
const CHECK_INS = 2000;

const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-'));
const store = openSqlite(join(dir, 'bench.db'));
try {
  await seedSmallOrg(store);
  const [kr] = await store.db.select().from(keyResults).where(eq(keyResults.id, IDS.aliceKr1));

  async function run(withEvent: boolean): Promise<number> {
    const start = performance.now();
    for (let i = 0; i < CHECK_INS; i++) {
      const { statements } = checkInStatements(store, {
        orgId: IDS.org,
        kr,
        value: i % 100,
        source: 'api',
        now: new Date(),
      });
      // The event statement is the last one; the baseline leaves it out.
      await store.atomic(withEvent ? statements : statements.slice(0, -1));
    }
    return performance.now() - start;
  }

  const best = async (withEvent: boolean) => {
    let min = Number.POSITIVE_INFINITY;
    for (let r = 0; r < ROUNDS; r++) min = Math.min(min, await run(withEvent));
    return min;
  };

  await run(true); // warm-up
  const baseline = await best(false);
  const noSubscribers = await best(true);
  for (let i = 0; i < 3; i++)
    await store.db.insert(webhookSubscriptions).values({
      id: `whs_bench_${i}`,
      orgId: IDS.org,
      url: `https://hooks.example.com/${i}`,
      events: ['checkin.created', 'rule.fired'],
      secret: 'whsec_bench_0123456789abcdef',
    });
  const threeSubscribers = await best(true);
  const perCheckIn = (ms: number) => `${((ms / CHECK_INS) * 1000).toFixed(0)} µs`;
  console.log(`check-in batch, best of ${ROUNDS} × ${CHECK_INS}:`);
  console.log(`  without the event statement (baseline)  ${perCheckIn(baseline)}  1.00×`);
  console.log(
    `  with it, no subscriber                   ${perCheckIn(noSubscribers)}  ${(noSubscribers / baseline).toFixed(2)}×`,
  );
  console.log(
    `  with it, three subscribers (3 rows)      ${perCheckIn(threeSubscribers)}  ${(threeSubscribers / baseline).toFixed(2)}×`,
  );
  console.log(peakRssLine());
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
