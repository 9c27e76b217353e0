// Idempotency of job runs: a double trigger, a run frozen mid-fan-out and
// taken over, and a process killed mid-fan-out and restarted all end with
// every recipient getting exactly one digest.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { runDueJobs, runJobNow } from '../../src/jobs';
import { DEFAULT_LEASE_MS } from '../../jobs/runner';
import { jobRuns, outbox } from '../../storage/schema';
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
  for (const s of h.sent) counts.set(s.to.id, (counts.get(s.to.id) ?? 0) + 1);
  expect(counts.size).toBe(recipients);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
}

describe('job runs are idempotent', () => {
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
    h.clock.advance(60_000);
    expect((await runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] }))[0].outcome).toBe('busy');
    h.clock.advance(DEFAULT_LEASE_MS);
    const [resumed] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] });
    expect(resumed).toMatchObject({ outcome: 'done', resumedFrom: row.cursor });
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
    expect((await h.store.db.select().from(jobRuns).where(eq(jobRuns.job, 'weekly-digest')))[0].status).toBe('done');
  });

  it('a process killed mid-fan-out (SIGKILL) is resumed by the next run without duplicates', async () => {
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
    const committed = (await h.store.db.select().from(outbox)).length;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(recipients);

    h.clock.advance(DEFAULT_LEASE_MS + 1000);
    const [resumed] = await runDueJobs(h.services, h.clock.now(), { jobNames: ['weekly-digest'] });
    expect(resumed.outcome).toBe('done');
    // Re-running the same period afterwards (a restart, a manual run) adds nothing.
    expect((await runJobNow(h.services, 'weekly-digest'))[0].outcome).toBe('already_done');
    await h.services.outbox.drain();
    expectExactlyOnce(h, recipients);
  });
});
