// npm run bench — every benchmark, one after the other (never part of npm test).
import { benchRollup } from './rollup';

const benches: [string, () => Promise<void>][] = [['rollup', benchRollup]];

for (const [name, run] of benches) {
  console.log(`\n== bench: ${name} ==`);
  await run();
}
