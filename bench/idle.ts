// npm run bench:idle — issue 16 goal 5, memory at rest: the server as `npm start` runs it (the bundle
// scripts/start.mjs builds; `npm run dev`, tsx, is measured too) with no
// platform configured (the playground: the demo org 星火教育集团 seeded into an empty SQLite file,
// the three emulators mounted), started in its own process, asked once for /healthz and the
// dashboard, then left idle for BENCH_IDLE_SECONDS (10). Its resident set is read from
// /proc/<pid>/status (VmRSS now, VmHWM its peak), and its CPU over the idle seconds from /proc/<pid>/stat.
// Goal: under 150 MB idle. Linux only (/proc).
// npm start caps V8's young generation (--max-semi-space-size=8): by default it may grow to 2 × 16 MB
// of semi-spaces, which module loading and seeding the demo fill at start and an idle server keeps
// (README, "Deploying on Node", memory); a second start without the flag shows what it saves.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { procCpuMs, procMemoryMb } from './proc';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const GOAL_MB = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface IdleFigures {
  readyS: number;
  readyRssMb: number;
  rssMb: number;
  peakMb: number;
  idleCpuMs: number;
  pid: number;
}

/** `npm start` (the bundle, scripts/start.mjs) and `npm run dev` (tsx src/node.ts), as commands of this Node. */
// `npm start` is read from package.json, flags included, so this bench measures what users run.
const START = startArgs();
function startArgs(): string[] {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start is no longer a node command: ${scripts.start}`);
  return args.map((arg) => (arg.endsWith('.mjs') ? join(root, arg) : arg));
}
const DEV = ['--import', 'tsx', fileURLToPath(new URL('../src/node.ts', import.meta.url))];

async function measure(args: string[], extraEnv: Record<string, string> = {}): Promise<IdleFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-idle-'));
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...extraEnv,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'polaris.db'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const started = performance.now();
    const base = `http://127.0.0.1:${port}`;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before answering`);
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (performance.now() - started > 120_000) throw new Error('server did not answer /healthz within 120 s');
      await sleep(100);
    }
    const readyS = (performance.now() - started) / 1000;
    // One page each, as a first visitor would: the playground and the demo's public endpoints.
    for (const path of ['/', '/healthz']) await fetch(`${base}${path}`).then((r) => r.arrayBuffer());
    const pid = child.pid!;
    const atReady = procMemoryMb(pid);
    const cpuBefore = procCpuMs(pid);
    await sleep(IDLE_SECONDS * 1000);
    const idle = procMemoryMb(pid);
    const idleCpuMs = procCpuMs(pid) - cpuBefore;
    return { readyS, readyRssMb: atReady.rssMb, rssMb: idle.rssMb, peakMb: idle.peakMb, idleCpuMs, pid };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(12_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const idle = await measure(START);
console.log(
  `idle: \`npm start\` with no platform configured (playground, demo org seeded into an empty SQLite file), ready in ${idle.readyS.toFixed(1)} s; RSS ${idle.readyRssMb.toFixed(0)} MB when ready`,
);
console.log(
  `  after ${IDLE_SECONDS} s idle: RSS ${idle.rssMb.toFixed(0)} MB, peak RSS ${idle.peakMb.toFixed(0)} MB (server process, /proc/${idle.pid}/status); ${idle.idleCpuMs.toFixed(0)} ms CPU while idle`,
);
// The same bundle with V8's default young generation (up to 2 × 16 MB), to show what the flag saves.
const roomy = await measure(START.filter((arg) => !arg.startsWith('--max-semi-space-size')));
console.log(
  `  the same bundle without --max-semi-space-size (V8's default): RSS ${roomy.rssMb.toFixed(0)} MB after ${IDLE_SECONDS} s idle, peak RSS ${roomy.peakMb.toFixed(0)} MB`,
);
const dev = await measure(DEV);
console.log(
  `  \`npm run dev\` (tsx src/node.ts, no bundle) for comparison: RSS ${dev.rssMb.toFixed(0)} MB after ${IDLE_SECONDS} s idle, peak RSS ${dev.peakMb.toFixed(0)} MB`,
);
console.log(
  `  goal (issue 16.5): under ${GOAL_MB} MB idle (npm start): ${idle.rssMb.toFixed(0)} MB — ${idle.rssMb < GOAL_MB ? 'met' : 'NOT met'}`,
);
