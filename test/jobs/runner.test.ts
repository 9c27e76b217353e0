// Idempotency of job runs: a double trigger, a run frozen mid-fan-out and
// taken over, a process killed mid-fan-out and restarted, a run held by a
// process on another host, and a run stopped by shutdown all end with every
// recipient getting exactly one digest; a killed run resumes at the restart.
// Timing here is the injected clock, never real seconds.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { startScheduler } from '../../jobs/node-scheduler';
import { DEFAULT_LEASE_MS, type RunResult } from '../../jobs/runner';
import { jobRegistry, runDueJobs, runJobNow } from '../../src/jobs';
import { jobRuns, outbox, teams } from '../../storage/schema';
import { addKr, addObjective, addPerson, addTeam, jobsHarness, seedOrg } from './fixtures';

const MONDAY_9 = '2026-11-30T01:00:00Z';
const TEAMS = 80;

async function seedTeams(h: ReturnType<typeof jobsHarness>) {
  const { orgId, cycleId } = await seedOrg(h);
  for (let i = 0; i < TEAMS; i++) {
    const team = await addTeam(h, orgId, `team-${String(i).padStart(3, '0')}`);
    for (const n of ['a', 'b']) {
      const p = await addPerson(h, orgId, `${n}${i}`, { teamId: team });
      await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: p }), 'visits');
    }
  }
  return { orgId, recipients: TEAMS * 2 };
}

function expectExactlyOnce(h: ReturnType<typeof jobsHarness>, recipients: number) {
  const counts = new Map<string, number>();
  // Digests only: a start-up tick also runs rules-evaluate, whose KR alerts go to the same people.
  const digests = h.sent.filter((s) => s.message.card?.header.title.endsWith('周报'));
  for (const s of digests) counts.set(s.to.id, (counts.get(s.to.id) ?? 0) + 1);
  expect(counts.size).toBe(recipients);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
}

// One case spawns a child process (tsx), which can exceed the default 20 s on a loaded machine.
describe('job runs are idempotent', { timeout: 120_000 }, () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('a double trigger runs the digest once', async () => {
    h = jobsHarness({ now: MONDAY_9 });
    const { recipients } = await seedTeams(h);
    const only = { jobNames: ['weekly-digest'] };
    const [a, b] = await Promise.all([
      runDueJobs(h.services, h.clock.now(), only),
      runDueJobs(h.services, h.clock.now(), only),
    ]);
    const outcomes = [...a, ...b].map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['busy', 'done']);
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
  });

  it('a run frozen mid-fan-out is taken over after its lease and resumes after its cursor', async () => {
    h = jobsHarness({ now: MONDAY_9 });
    const { recipients } = await seedTeams(h);
    let batches = 0;
    // The first runner "hangs" after two batches (like a killed instance): it never finishes.
    void runDueJobs(h.services, h.clock.now(), {
      jobNames: ['weekly-digest'],
      afterBatch: () => (++batches === 2 ? new Promise(() => {}) : undefined),
    });
    await new Promise((r) => setTimeout(r, 300));
    const [row] = await h.store.db.select().from(jobRuns);
    expect(row).toMatchObject({ status: 'running' });
    expect(row.cursor).toMatch(/^team:/);
    const pendingBefore = (await h.store.db.select().from(outbox)).length;
    expect(pendingBefore).toBeGreaterThan(0);
    expect(pendingBefore).toBeLessThan(recipients);

    // Within the lease another tick leaves it alone.
    h.clock.advance(DEFAULT_LEASE_MS / 2);
    expect((await runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] }))[0].outcome).toBe('busy');
    h.clock.advance(DEFAULT_LEASE_MS);
    const [resumed] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] });
    expect(resumed).toMatchObject({ outcome: 'done', resumedFrom: row.cursor });
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
    expect((await h.store.db.select().from(jobRuns).where(eq(jobRuns.job, 'weekly-digest')))[0].status).toBe('done');
  });

  it('a process killed mid-fan-out (SIGKILL) is taken over by the start-up tick at once, without duplicates', async () => {
    h = jobsHarness({ now: MONDAY_9 });
    const { recipients } = await seedTeams(h);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'crash-child.ts'), h.path, MONDAY_9],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(child.stdout).not.toContain('finished');
    const [row] = await h.store.db.select().from(jobRuns);
    expect(row).toMatchObject({ status: 'running', cursor: expect.stringMatching(/^team:/) });
    expect(row.owner).toContain(`:${child.pid}:`);
    const committed = (await h.store.db.select().from(outbox)).length;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(recipients);

    // The restart, at the same instant (its heartbeat is fresh): the dead pid's run is taken over by the first tick.
    const results = await startAndFirstTick(h);
    const digest = results.find((r) => r.job === 'weekly-digest')!;
    expect(digest).toMatchObject({ outcome: 'done', resumedFrom: row.cursor, tookOverFrom: row.owner });
    // Re-running the same period afterwards (a restart, a manual run) adds nothing.
    expect((await runJobNow(h.services, 'weekly-digest'))[0].outcome).toBe('already_done');
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
  });

  it('a run held by a process on another host is resumed once its lease lapses, well within a minute', async () => {
    h = jobsHarness({ now: MONDAY_9 });
    const { recipients } = await seedTeams(h);
    // What a process on another host leaves behind when it dies 10 s after its last heartbeat: a
    // running row, a cursor after team 20 (whose messages it committed), an owner we cannot check.
    await runDueJobs(h.services, h.clock.now(), {
      jobNames: ['weekly-digest'],
      afterBatch: ({ done }) => {
        if (done >= 25) throw new Error('stand-in crash');
      },
    });
    const [crashed] = await h.store.db.select().from(jobRuns);
    const foreign = 'node:another-host:4242:abcdef/12345678';
    await h.store.db
      .update(jobRuns)
      .set({ status: 'running', owner: foreign, heartbeatAt: h.clock.now().toISOString(), stats: {} });
    h.clock.advance(10_000);

    const seen: RunResult[][] = [];
    let resumed: (value: RunResult) => void;
    const done = new Promise<RunResult>((resolve) => (resumed = resolve));
    const scheduler = startScheduler(h.services, jobRegistry, {
      log: () => {},
      retryBusyMs: 20,
      onResults(results) {
        seen.push(results);
        const digest = results.find((r) => r.job === 'weekly-digest');
        if (digest?.outcome === 'busy') h.clock.advance(DEFAULT_LEASE_MS); // time passes until the retry
        if (digest?.outcome === 'done') resumed(digest);
      },
    });
    try {
      const result = await done;
      expect(seen[0].find((r) => r.job === 'weekly-digest')?.outcome).toBe('busy');
      expect(result).toMatchObject({ resumedFrom: crashed.cursor, tookOverFrom: foreign });
      // Restart at +10 s, resumed at +10 s + the lease: within a minute of the restart.
      expect(DEFAULT_LEASE_MS).toBeLessThanOrEqual(50_000);
    } finally {
      await scheduler.stop();
    }
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
  });

  it('a shutdown stops a run before its next batch and releases it; the next start resumes it at once', async () => {
    h = jobsHarness({ now: MONDAY_9 });
    const { recipients } = await seedTeams(h);
    const shutdown = new AbortController();
    const [first] = await runDueJobs(h.services, h.clock.now(), {
      jobNames: ['weekly-digest'],
      signal: shutdown.signal,
      afterBatch: () => shutdown.abort(),
    });
    expect(first.outcome).toBe('interrupted');
    const [row] = await h.store.db.select().from(jobRuns);
    expect(row).toMatchObject({ status: 'running', owner: null, heartbeatAt: null });
    // The first batch (one item: fan-out batches start small and grow, core/loop.ts) is committed.
    expect(row.cursor).toMatch(/^(team:|company$)/);
    // Same instant, fresh process: no lease to wait for.
    const digest = (await startAndFirstTick(h)).find((r) => r.job === 'weekly-digest')!;
    expect(digest).toMatchObject({ outcome: 'done', resumedFrom: row.cursor, tookOverFrom: 'released' });
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
  });
});

describe('job message keys', () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('depend on (job, org, period, recipient, topic) only: a team moved to another zone mid-week gets no second digest', async () => {
    h = jobsHarness({ now: MONDAY_9 });
    const { orgId, cycleId } = await seedOrg(h);
    const team = await addTeam(h, orgId, 'Sales');
    const ana = await addPerson(h, orgId, 'ana', { teamId: team });
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: ana }), 'visits');
    const admin = await addPerson(h, orgId, 'boss', { teamId: team, role: 'admin' });
    expect(admin).toBeTruthy();
    const tick = () => runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] });
    expect((await tick()).map((r) => r.outcome)).toEqual(['done']);
    // The admin gets the team digest and the company digest: two topics, two messages.
    const rows = await h.store.db.select().from(outbox);
    expect(rows.map((r) => r.subject?.split(':')[0]).sort()).toEqual(['company-digest', 'digest', 'digest']);

    // Monday 09:00 in New York is still ISO week 49: the moved team's unit runs, but enqueues nothing new.
    await h.store.db.update(teams).set({ timezone: 'America/New_York' });
    h.clock.set('2026-11-30T14:00:00Z');
    const ny = await tick();
    expect(ny.map((r) => [r.period, r.outcome])).toEqual([
      ['2026-W49', 'already_done'],
      ['2026-W49@America/New_York', 'done'],
    ]);
    expect(await h.store.db.select().from(outbox)).toHaveLength(rows.length);
  });
});

/** What a restart does: start the scheduler and wait for its start-up tick. */
async function startAndFirstTick(h: ReturnType<typeof jobsHarness>): Promise<RunResult[]> {
  let first: (results: RunResult[]) => void;
  const results = new Promise<RunResult[]>((resolve) => (first = resolve));
  const scheduler = startScheduler(h.services, jobRegistry, { log: () => {}, onResults: (r) => first(r) });
  try {
    return await results;
  } finally {
    await scheduler.stop();
  }
}
