// `npx polaris run-job` end to end: the bin script, tsx, a real SQLite file.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { outbox } from '../../storage/schema';
import { addKr, addObjective, addPerson, addTeam, jobsHarness, seedOrg } from './fixtures';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'polaris.mjs');

// Each case spawns tsx twice; on a loaded 2-core machine that alone can take longer than the default 20 s.
describe('polaris run-job', { timeout: 120_000 }, () => {
  let h: ReturnType<typeof jobsHarness>;
  afterEach(() => h?.close());

  it('--dry-run prints the cards and writes nothing; unknown jobs are refused', async () => {
    h = jobsHarness({ now: new Date().toISOString() });
    const { orgId, cycleId } = await seedOrg(h);
    await h.store.db
      .update((await import('../../storage/schema')).cycles)
      .set({ startsOn: '2000-01-01', endsOn: '2099-12-31' });
    const team = await addTeam(h, orgId, 'Sales');
    const p = await addPerson(h, orgId, 'ana', { teamId: team });
    await addKr(h, orgId, cycleId, await addObjective(h, orgId, cycleId, 'grow', { personId: p }), 'visits');
    const env = {
      ...process.env,
      DATABASE_PATH: h.path,
      LARK_APP_ID: 'cli_test',
      LARK_APP_SECRET: 'secret',
      LARK_VERIFICATION_TOKEN: 'cli-verification-token',
      LARK_ENCRYPT_KEY: 'cli-encrypt-key',
      LARK_DOMAIN: 'http://127.0.0.1:9',
    };

    const dry = spawnSync(process.execPath, [BIN, 'run-job', 'weekly-digest', '--dry-run'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Sales · 周报');
    expect(dry.stderr).toMatch(/dry_run/);
    expect(await h.store.db.select().from(outbox)).toHaveLength(0);

    const bad = spawnSync(process.execPath, [BIN, 'run-job', 'nope'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Unknown job "nope"');
  });

  it('runs from any working directory (it used to look for tsx in the current one)', () => {
    const run = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 });
    expect(run.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(run.stdout).toContain('polaris run-job');
  });
});
