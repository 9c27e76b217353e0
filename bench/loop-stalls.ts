// How long the weekly digest and a rule pass hold the event loop, with no traffic: the server's
// services on a generated 3,000-person org (as in bench:soak), the job run in process beside a
// turn-by-turn probe (setImmediate). Each stall is reported in wall time and in this process's CPU
// time (process.cpuUsage), which a busy shared machine inflates far less than wall time.
//   npx tsx bench/loop-stalls.ts            BENCH_STALL_PEOPLE (3000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../storage/sqlite';
import { generateOrg } from './generate';
import { peakRssLine } from './proc';

const PEOPLE = Number(process.env.BENCH_STALL_PEOPLE ?? 3000);
const dir = mkdtempSync(join(tmpdir(), 'polaris-stalls-'));
const path = join(dir, 'p.db');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
try {
  openSqlite(path).close();
  const raw = new Database(path);
  const org = generateOrg(raw, { people: PEOPLE, teams: Math.max(1, Math.round(PEOPLE / 10)) });
  raw
    .prepare(
      `INSERT OR IGNORE INTO identities (org_id, person_id, platform, platform_user_id) SELECT org_id, id, 'lark', 'ou_' || id FROM people WHERE org_id = ?`,
    )
    .run(org.orgId);
  raw.close();
  const { createPolaris } = await import('../src/app');
  const { loadConfig } = await import('../src/config');
  const { runJobNow } = await import('../src/jobs');
  const { PLATFORMS } = await import('../bots/types');
  const store = openSqlite(path);
  const { services } = createPolaris({
    store,
    config: loadConfig({ DATABASE_PATH: path }),
    addressablePlatforms: [...PLATFORMS],
  });
  for (const job of ['weekly-digest', 'rules-evaluate']) {
    const stalls: { wall: number; cpu: number }[] = [];
    let lastWall = performance.now();
    let lastCpu = cpuMs();
    let running = true;
    const probe = () => {
      const wall = performance.now();
      const cpu = cpuMs();
      stalls.push({ wall: wall - lastWall, cpu: cpu - lastCpu });
      lastWall = wall;
      lastCpu = cpu;
      if (running) setImmediate(probe);
    };
    setImmediate(probe);
    const started = performance.now();
    const results = await runJobNow(services, job, { force: true });
    running = false;
    const ms = performance.now() - started;
    const top = (key: 'wall' | 'cpu') =>
      stalls
        .map((s) => s[key])
        .sort((a, b) => b - a)
        .slice(0, 3)
        .map((v) => v.toFixed(0))
        .join(', ');
    const messages = results.reduce((n, r) => n + (r.stats.messages ?? r.stats.fired ?? 0), 0);
    console.log(
      `${job}: ${(ms / 1000).toFixed(1)} s, ${messages} messages/firings, ${stalls.length} loop turns; longest stalls wall ${top('wall')} ms, CPU ${top('cpu')} ms`,
    );
  }
  store.close();
  console.log(peakRssLine());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
