// npm run bench:idle — issue 16 goal 5, memory at rest: the server as `npm start` runs it with no
// platform configured (the playground: the demo org 星火教育集团 seeded into an empty SQLite file,
// the three emulators mounted), started in its own process, asked once for /healthz and the
// dashboard, then left idle for BENCH_IDLE_SECONDS (10). Its resident set is read from
// /proc/<pid>/status (VmRSS now, VmHWM its peak), and its CPU over the idle seconds from /proc/<pid>/stat.
// Goal: under 150 MB idle. Linux only (/proc).
// A second start with NODE_OPTIONS=--max-semi-space-size=4 shows what V8's young generation holds:
// by default it may grow to 2 × 16 MB of semi-spaces, which module loading and seeding the demo
// fill at start and an idle server keeps (README, "Deploying on Node", memory).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

async function measure(extraEnv: Record<string, string>): Promise<IdleFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-idle-'));
  const port = await freePort();
  const node = fileURLToPath(new URL('../src/node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', node], {
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

const idle = await measure({});
console.log(
  `idle: \`npm start\` with no platform configured (playground, demo org seeded into an empty SQLite file), ready in ${idle.readyS.toFixed(1)} s; RSS ${idle.readyRssMb.toFixed(0)} MB when ready`,
);
console.log(
  `  after ${IDLE_SECONDS} s idle: RSS ${idle.rssMb.toFixed(0)} MB, peak RSS ${idle.peakMb.toFixed(0)} MB (server process, /proc/${idle.pid}/status); ${idle.idleCpuMs.toFixed(0)} ms CPU while idle`,
);
const small = await measure({ NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=4`.trim() });
console.log(
  `  with NODE_OPTIONS=--max-semi-space-size=4: RSS ${small.rssMb.toFixed(0)} MB after ${IDLE_SECONDS} s idle, peak RSS ${small.peakMb.toFixed(0)} MB`,
);
console.log(
  `  goal (issue 16.5): under ${GOAL_MB} MB idle: ${idle.rssMb.toFixed(0)} MB — ${idle.rssMb < GOAL_MB ? 'met' : 'NOT met'} (${small.rssMb.toFixed(0)} MB — ${small.rssMb < GOAL_MB ? 'met' : 'NOT met'} with the smaller young generation)`,
);
