// npm run bench — every benchmark, one after the other, each in its own process
// so one bench's memory and timers cannot skew the next (never part of npm test).
// Each bench prints its goals ("goal (issue N.M): … — met | NOT met", or "target …: MISSED") and
// its peak RSS; this runner echoes everything and ends with those lines gathered in one summary,
// so one run answers "which goals hold" without scrolling back through every bench.
import { spawn } from 'node:child_process';
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

/** A line worth repeating in the summary: a goal or target with its verdict, or a peak RSS. */
const isSummaryLine = (line: string) =>
  (/\b(goal|target)\b/.test(line) && /\b(met|MISSED)\b/.test(line)) || /^\s*peak RSS\b/.test(line);

/** The verdicts on a line: one line can carry several ("target ≥ 100%: MISSED, … target ≥ 30%: met"). */
const verdictsOf = (line: string) => [...line.matchAll(/NOT met|MISSED|\bmet\b/g)].map((m) => m[0] === 'met');

function runBench(name: string): Promise<{ status: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`)], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: { ...process.env, ...ENV[name] },
    });
    const lines: string[] = [];
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      process.stdout.write(chunk);
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter(isSummaryLine));
    });
    child.on('close', (status, signal) => {
      if (isSummaryLine(partial)) lines.push(partial);
      if (status === null) console.error(`bench ${name} ended by ${signal}`);
      resolve({ status, lines });
    });
  });
}

const only = process.argv.slice(2);
const summary: string[] = [];
let failed = 0;
for (const name of BENCHES.filter((b) => !only.length || only.includes(b))) {
  console.log(`\n== bench: ${name} ==`);
  const { status, lines } = await runBench(name);
  if (status !== 0) {
    failed++;
    console.error(`bench ${name} exited with ${status}`);
  }
  summary.push(`${name}${status === 0 ? '' : ' (FAILED)'}`, ...lines.map((l) => `  ${l.trim()}`));
}
const verdicts = summary.flatMap(verdictsOf);
const missed = verdicts.filter((ok) => !ok).length;
console.log(`\n== goals and peak memory, this run ==\n${summary.join('\n')}`);
console.log(
  `\n${verdicts.length - missed} of ${verdicts.length} goals met${failed ? `; ${failed} bench(es) failed` : ''}`,
);
process.exit(failed ? 1 : 0);
