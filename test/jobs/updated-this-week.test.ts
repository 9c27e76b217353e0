// "Updated this week" means the same in the weekly digest, the `团队` card and
// check-in reminders: a check-in on one of the person's manual KRs this week.
// A metric-fed KR that the business system updated yesterday is not the person's update.
import { eq, inArray } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { computeTeamDigests } from '../../jobs/digest-data';
import { runJobNow } from '../../src/jobs';
import type { JobMessage } from '../../jobs/types';
import { cycles, keyResults, teams } from '../../storage/schema';
import { startHarness, message, type Harness } from '../approvals/harness';
import { IDS } from '../helpers/fixtures';

let h: Harness;
afterEach(() => h?.close());

const NOW = '2026-11-27T08:00:00Z'; // Friday 16:00 in Shanghai

describe('updated this week', () => {
  it('the digest, 团队 and the reminders agree: a metric KR updated by the feed is not a check-in', async () => {
    h = await startHarness({ now: NOW });
    const tenDaysAgo = new Date(Date.parse(NOW) - 10 * 86_400_000).toISOString();
    const yesterday = new Date(Date.parse(NOW) - 86_400_000).toISOString();
    // Alice: her manual KRs last updated ten days ago; her KR3 is fed by a metric that arrived yesterday.
    await h.store.db
      .update(keyResults)
      .set({ lastCheckInAt: tenDaysAgo })
      .where(inArray(keyResults.id, [IDS.aliceKr1, IDS.aliceKr2]));
    await h.store.db
      .update(keyResults)
      .set({ progressMode: 'metric', metricKey: 'complaints', lastCheckInAt: yesterday })
      .where(eq(keyResults.id, IDS.aliceKr3));

    // 团队 (her manager).
    await h.dispatch(message('ou_manager', '团队'));
    const teamCard = JSON.stringify(h.sent('ou_manager').at(-1)!.message.card);
    expect(teamCard).toMatch(/本周未更新：[^"]*张伟/);

    // Check-in reminders.
    const reminded: JobMessage[] = [];
    await runJobNow(h.services, 'checkin-reminders', { dryRun: true, onMessage: (m) => reminded.push(m) });
    expect(reminded.map((m) => m.to.id)).toContain('ou_alice');

    // The weekly digest of her team (the week before Monday 09:00 of next week).
    const [cycle] = await h.store.db.select().from(cycles).where(eq(cycles.id, IDS.cycle));
    const teamRows = await h.store.db.select().from(teams).where(eq(teams.orgId, IDS.org));
    const data = await computeTeamDigests(h.store, IDS.org, cycle, teamRows, {
      start: new Date(Date.parse(NOW) - 4 * 86_400_000 - 7 * 3_600_000), // Monday 00:00 local
      now: new Date(NOW),
      timeZone: 'Asia/Shanghai',
      today: '2026-11-27',
      week: '2026-W48',
    });
    const notCheckedIn = data.flatMap((d) => d.digest.notCheckedIn);
    expect(notCheckedIn).toContain('张伟');
  });
});
