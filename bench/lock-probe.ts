// Probe how long a CLI job holds SQLite's write lock: generates the soak's org, runs
// `run-job <name>` in a child process and, every 2 ms meanwhile, tries BEGIN IMMEDIATE with no
// busy wait, recording the longest stretch the write lock could not be had.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../storage/sqlite';
import { generateOrg } from './generate';

const job = process.argv[2] ?? 'rules-evaluate';
const dir = mkdtempSync(join(tmpdir(), 'polaris-lock-'));
const path = join(dir, 'p.db');
try {
  openSqlite(path).close();
  const raw = new Database(path);
  const org = generateOrg(raw, { people: 3000, teams: 300 });
  raw
    .prepare(
      `INSERT OR IGNORE INTO identities (org_id, person_id, platform, platform_user_id) SELECT org_id, id, 'lark', 'ou_' || id FROM people WHERE org_id = ?`,
    )
    .run(org.orgId);
  raw.pragma('busy_timeout = 0');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run-job', job, '--force'], {
    env: { ...process.env, DATABASE_PATH: path },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  let busySince: number | undefined;
  const stretches: number[] = [];
  while (!exited) {
    try {
      raw.exec('BEGIN IMMEDIATE');
      raw.exec('COMMIT');
      if (busySince !== undefined) stretches.push(performance.now() - busySince);
      busySince = undefined;
    } catch {
      busySince ??= performance.now();
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  stretches.sort((a, b) => b - a);
  console.log(
    `${job}: ${((performance.now() - started) / 1000).toFixed(1)} s; lock held ${stretches.length} times; longest ${stretches
      .slice(0, 5)
      .map((s) => s.toFixed(0))
      .join(', ')} ms`,
  );
  raw.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
