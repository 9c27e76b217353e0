// npm run bench — every benchmark, one after the other, each in its own process
// so one bench's memory and timers cannot skew the next (never part of npm test).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// soak runs both of its cases (issue 22 item 3): the soak itself and a job beside traffic.
const BENCHES = [
  'rollup',
  'webhook',
  'burst',
  'digest',
  'rules',
  'rule-builder',
  'review',
  'soak',
  'loop-stalls',
  'outbound-webhooks',
  'idle',
  'workers',
];
const ENV: Record<string, Record<string, string>> = { soak: { BENCH_SOAK_CASE: 'both' } };
const only = process.argv.slice(2);
let failed = 0;
for (const name of BENCHES.filter((b) => !only.length || only.includes(b))) {
  console.log(`\n== bench: ${name} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, ...ENV[name] },
  });
  if (run.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${run.status ?? run.signal}`);
  }
}
process.exit(failed ? 1 : 0);
