// npm run bench — every benchmark, one after the other, each in its own process
// so one bench's memory and timers cannot skew the next (never part of npm test).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = [
  'rollup',
  'webhook',
  'burst',
  'digest',
  'rules',
  'review',
  'soak',
  'outbound-webhooks',
  'idle',
  'workers',
];
const only = process.argv.slice(2);
let failed = 0;
for (const name of BENCHES.filter((b) => !only.length || only.includes(b))) {
  console.log(`\n== bench: ${name} ==`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${run.status ?? run.signal}`);
  }
}
process.exit(failed ? 1 : 0);
