// Retention: the daily job deletes old sent messages, dedupe records, failed inbox
// rows, resolved firings and finished job runs — and nothing still in use — and
// GET /api/v1/orgs/:org reports the table sizes.
import { afterEach, describe, expect, it } from 'vitest';
import { runJobNow } from '../../src/jobs';
import { parseRetention } from '../../jobs/retention';
import { loadConfig } from '../../src/config';
import { alertNotices, inbox, jobRuns, outbox, processedEvents, ruleFirings } from '../../storage/schema';
import { createTestApp } from '../helpers/app';
import { IDS, seedSmallOrg } from '../helpers/fixtures';

let h: ReturnType<typeof createTestApp>;
afterEach(() => h?.close());

const NOW = new Date('2026-11-27T02:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

function outboxRow(id: string, status: 'pending' | 'sent' | 'failed', createdAt: string) {
  return {
    id,
    orgId: IDS.org,
    platform: 'lark' as const,
    operation: 'send' as const,
    target: { platform: 'lark', kind: 'user', id: 'ou_x' },
    payload: { text: 'hi' },
    idempotencyKey: id,
    status,
    createdAt,
    nextAttemptAt: createdAt,
  };
}

describe('retention', () => {
  it('prunes what is old and done, keeps what is recent or still pending, and reports table sizes', async () => {
    h = createTestApp({ now: NOW.toISOString() });
    await seedSmallOrg(h.store);
    const { db } = h.store;
    await db
      .insert(outbox)
      .values([
        outboxRow('o_old_sent', 'sent', ago(40)),
        outboxRow('o_old_failed', 'failed', ago(40)),
        outboxRow('o_old_pending', 'pending', ago(40)),
        outboxRow('o_new_sent', 'sent', ago(2)),
      ]);
    await db.insert(processedEvents).values([
      { platform: 'lark', eventId: 'e_old', receivedAt: ago(31) },
      { platform: 'lark', eventId: 'e_new', receivedAt: ago(1) },
    ]);
    await db.insert(inbox).values([
      { id: 'i_old_failed', platform: 'lark', eventId: 'x1', event: {}, receivedAt: ago(40), status: 'failed' },
      { id: 'i_old_pending', platform: 'lark', eventId: 'x2', event: {}, receivedAt: ago(40), status: 'pending' },
    ]);
    const firing = (id: string, state: 'firing' | 'resolved', resolvedAt: string | null) => ({
      id,
      orgId: IDS.org,
      ruleId: 'r',
      subject: id,
      period: 'p',
      state,
      firedAt: ago(400),
      resolvedAt,
    });
    await db
      .insert(ruleFirings)
      .values([
        firing('f_old', 'resolved', ago(200)),
        firing('f_recent', 'resolved', ago(10)),
        firing('f_open', 'firing', null),
      ]);
    await db
      .insert(alertNotices)
      .values({ personId: IDS.alice, firingId: 'f_old', orgId: IDS.org, day: '2026-05-01', createdAt: ago(200) });
    await db.insert(jobRuns).values([
      { job: 'weekly-digest', orgId: IDS.org, period: '2026-W01', status: 'done', startedAt: ago(120) },
      { job: 'weekly-digest', orgId: IDS.org, period: '2026-W47', status: 'done', startedAt: ago(7) },
    ]);

    const before = await (await h.api('GET', '/api/v1/orgs/acme')).json();
    expect(before.table_sizes).toMatchObject({
      outbox: 4,
      outbox_pending: 1,
      rule_firings: 3,
      alert_notices: 1,
      job_runs: 2,
    });
    expect(before.table_sizes.installation).toMatchObject({ processed_events: 2, inbox: 2 });

    const { services } = (await import('../../src/app')).createPolaris({
      store: h.store,
      config: h.config,
      clock: h.clock,
    });
    const [run] = await runJobNow(services, 'retention');
    expect(run.outcome).toBe('done');
    expect(run.stats).toMatchObject({ outbox: 2, processedEvents: 1, inbox: 1, firings: 1, jobRuns: 1 });

    const ids = async <T extends { id: string }>(rows: Promise<T[]>) => (await rows).map((r) => r.id).sort();
    expect(await ids(db.select().from(outbox))).toEqual(['o_new_sent', 'o_old_pending']);
    expect(await ids(db.select().from(inbox))).toEqual(['i_old_pending']);
    expect(await ids(db.select().from(ruleFirings))).toEqual(['f_open', 'f_recent']);
    expect(await db.select().from(alertNotices)).toHaveLength(0);
    expect((await db.select().from(processedEvents)).map((e) => e.eventId)).toEqual(['e_new']);

    const after = await (await h.api('GET', '/api/v1/orgs/acme')).json();
    expect(after.table_sizes).toMatchObject({ outbox: 2, rule_firings: 2 });
  });

  it('takes overrides from RETENTION_DAYS and refuses a malformed one at start', () => {
    expect(parseRetention('outbox=60, firings=365')).toMatchObject({ outbox: 60, firings: 365, jobRuns: 90 });
    expect(() => loadConfig({ RETENTION_DAYS: 'outbox=0' })).toThrow(/RETENTION_DAYS/);
    expect(() => loadConfig({ RETENTION_DAYS: 'mailbox=3' })).toThrow(/tables: outbox/);
  });
});
