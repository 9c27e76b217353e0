// npm run bench:workers — issue 16 goal 6: CPU time per handled webhook on workerd, so that a
// Workers user knows their bill. `wrangler dev --local` (offline: local D1 migrated from the same
// SQL files, WRANGLER_SEND_METRICS=false) runs src/worker.ts with the demo org of bench:webhook
// (bench/webhook-seed.ts, copied into D1 as SQL), its Lark tenant bound, and LARK_DOMAIN set to a
// Lark emulator in this process, so every reply is delivered as on Lark (at Lark's 50/s).
// The load is bench:webhook's: signed, encrypted im.message.receive_v1 pushes (check-ins and
// `我的OKR`) from bench/webhook-load.ts in its own process.
//
// Method: workerd runs as children of wrangler (two processes: the Worker's and wrangler's dev proxy,
// both counted); their CPU time (user + system, all threads) is read from /proc/<pid>/stat (fields 14 and 15, clock ticks) at two idle marks: after the warm-up pushes
// are handled and their replies delivered, and after the measured pushes are, each mark taken once
// /healthz says the inbox and outbox are empty and workerd used under 20 ms in the last 500 ms.
// CPU per webhook = the difference / measured pushes. It counts everything workerd did for them:
// verify, decrypt, store in the inbox, handle (check-in, reply card, outbox row), deliver the reply,
// and the local D1 (SQLite inside workerd); plus the bench's /healthz polls (one a second),
// whose cost is measured over 5 idle seconds and also reported subtracted.
// On Cloudflare, billed CPU excludes time waiting on D1 and fetch, and D1 runs elsewhere, so this
// is an upper bound for the Worker's own CPU. wrangler's own process (Node) is reported apart.
// Knobs: BENCH_WORKERS_EVENTS (300 measured), BENCH_WORKERS_WARMUP (60), BENCH_WORKERS_CONNECTIONS (10).
// Linux only (/proc).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createLarkEmulator, serveLarkEmulator } from '../bots/lark/emulator';
import { startWranglerDev } from '../test/helpers/wrangler';
import { procCpuMs, procMemoryMb } from './proc';
import type { LoadJob, LoadResult } from './webhook-load';
import { seedWebhookDb } from './webhook-seed';
import { BENCH_LARK_APP, nextMessage } from './child';

const EVENTS = Number(process.env.BENCH_WORKERS_EVENTS ?? 300);
const WARMUP = Number(process.env.BENCH_WORKERS_WARMUP ?? 60);
const CONNECTIONS = Number(process.env.BENCH_WORKERS_CONNECTIONS ?? 10);
const IDLE_CPU_MS = 20;
/** How often the bench asks /healthz while it waits (each ask costs workerd a D1 query). */
const POLL_MS = 1000;
const IDLE_RATE_SECONDS = 5;
const DRAIN_TIMEOUT_MS = 180_000;
const HEALTH_TIMEOUT_MS = 30_000;

const APP = BENCH_LARK_APP;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SQLite file's rows as INSERT statements, for `wrangler d1 execute` (the schema comes from the migrations). */
function dumpRows(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('__drizzle_migrations', 'd1_migrations')`,
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const literal = (v: unknown) =>
      v === null || v === undefined
        ? 'NULL'
        : typeof v === 'number' || typeof v === 'bigint'
          ? String(v)
          : Buffer.isBuffer(v)
            ? `X'${v.toString('hex')}'`
            : `'${String(v).replaceAll("'", "''")}'`;
    const lines = ['PRAGMA defer_foreign_keys = true;'];
    for (const table of tables) {
      // Generated columns (hidden 2 or 3) are computed by D1 again.
      const columns = (db.prepare(`PRAGMA table_xinfo("${table}")`).all() as { name: string; hidden: number }[])
        .filter((c) => c.hidden === 0)
        .map((c) => c.name);
      const select = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"`;
      for (const row of db.prepare(select).all() as Record<string, unknown>[]) {
        lines.push(
          `INSERT OR IGNORE INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => literal(row[c])).join(', ')});`,
        );
      }
    }
    return lines.join('\n');
  } finally {
    db.close();
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The workerd processes below `root` (wrangler runs two: the Worker's and its dev proxy's). */
function findWorkerd(root: number): number[] {
  const parentOf = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
      names.set(Number(entry), name);
    } catch {
      /* gone */
    }
  }
  const below = (pid: number) => {
    for (let p = parentOf.get(pid); p; p = parentOf.get(p)) if (p === root) return true;
    return false;
  };
  return [...names].filter(([pid, name]) => name === 'workerd' && below(pid)).map(([pid]) => pid);
}

interface Health {
  inbox?: { pending: number; failed: number };
  outbox?: { pending: number; failed: number };
}

async function health(base: string): Promise<Health> {
  // A hung Worker must fail the bench with its log, not after undici's 300 s header timeout.
  return (await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) })).json()) as Health;
}

/** Waits until the inbox and outbox are empty and workerd is idle; returns the queues as last seen. */
async function idleMark(base: string, cpu: () => number): Promise<{ cpuMs: number; health: Health; drained: boolean }> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const h = await health(base);
    const empty = (h.inbox?.pending ?? 1) === 0 && (h.outbox?.pending ?? 1) === 0;
    if (empty) {
      const before = cpu();
      await sleep(500);
      const after = cpu();
      if (after - before < IDLE_CPU_MS) return { cpuMs: after, health: h, drained: true };
    } else await sleep(POLL_MS);
    if (performance.now() > deadline) return { cpuMs: cpu(), health: h, drained: false };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-workers-'));
const emulator = createLarkEmulator({
  appId: APP.appId,
  appSecret: APP.appSecret,
  verificationToken: APP.verificationToken,
});
const lark = await serveLarkEmulator(emulator, 0);
let load: ChildProcess | undefined;
let dev: Awaited<ReturnType<typeof startWranglerDev>> | undefined;
try {
  const template = join(dir, 'template.db');
  const { specs, people } = await seedWebhookDb(template, APP.tenantKey);
  const started = performance.now();
  dev = await startWranglerDev({
    seedSql: dumpRows(template),
    vars: {
      ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
      LARK_APP_ID: APP.appId,
      LARK_APP_SECRET: APP.appSecret,
      LARK_VERIFICATION_TOKEN: APP.verificationToken,
      LARK_ENCRYPT_KEY: APP.encryptKey,
      LARK_DOMAIN: lark.url,
      LOG_LEVEL: 'warn',
    },
  });
  const workerds = findWorkerd(dev.pid);
  if (!workerds.length) throw new Error('no workerd process found below wrangler');
  const wrangler = parentOf(workerds[0]) ?? dev.pid;
  const workerd = workerds.join(', ');
  const cpu = () => workerds.reduce((sum, pid) => sum + procCpuMs(pid), 0);
  console.log(
    `workers: wrangler dev --local (workerd pids ${workerd}, local D1) up in ${((performance.now() - started) / 1000).toFixed(1)} s; demo org, ${people} people on Lark; replies to a Lark emulator at Lark's pace`,
  );

  load = fork(here('./webhook-load.ts'), [], { execArgv: process.execArgv });
  const job: LoadJob = {
    url: dev.base,
    path: '/webhooks/lark',
    connections: CONNECTIONS,
    warmupSeconds: 0,
    durationSeconds: 0,
    amounts: { warmup: WARMUP, measured: EVENTS },
    app: APP,
    specs,
    events: WARMUP + EVENTS,
    runId: 'workers',
  };
  const measuring = nextMessage(load, 'measure');
  load.send({ type: 'job', ...job });
  await measuring;
  await idleMark(dev.base, cpu);
  // What workerd spends doing nothing but answer the bench's /healthz polls, per second.
  const idleFrom = cpu();
  for (let i = 0; i < IDLE_RATE_SECONDS; i++) {
    await sleep(POLL_MS);
    await health(dev.base);
  }
  const idleMsPerS = (cpu() - idleFrom) / IDLE_RATE_SECONDS;
  const start = await idleMark(dev.base, cpu);
  const wranglerStart = procCpuMs(wrangler);
  const sentBefore = emulator.calls.filter((c) => c.path === '/open-apis/im/v1/messages' && c.method === 'POST').length;
  const began = performance.now();
  const finished = nextMessage<LoadResult>(load, 'result');
  load.send({ type: 'go' });
  const result = await finished;
  const end = await idleMark(dev.base, cpu);
  const wallS = (performance.now() - began) / 1000;
  const wranglerMs = procCpuMs(wrangler) - wranglerStart;
  const sends = emulator.calls.filter((c) => c.path === '/open-apis/im/v1/messages' && c.method === 'POST');
  const delivered = sends.slice(sentBefore).filter((c) => (c.response as { code?: number } | undefined)?.code === 0);
  const memory = workerds
    .map(procMemoryMb)
    .reduce((a, m) => ({ rssMb: a.rssMb + m.rssMb, peakMb: a.peakMb + m.peakMb }), { rssMb: 0, peakMb: 0 });
  const cpuMs = end.cpuMs - start.cpuMs;
  const perEvent = cpuMs / EVENTS;
  const netPerEvent = Math.max(0, cpuMs - idleMsPerS * wallS) / EVENTS;

  console.log(
    `  ${EVENTS} pushes over ${CONNECTIONS} connections after ${WARMUP} warm-up pushes: ${result.ok} acknowledged 200 (${(result.ok / result.durationSeconds).toFixed(0)}/s, ack p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms), ${delivered.length} replies delivered, all in ${wallS.toFixed(1)} s`,
  );
  console.log(
    `  queues after: inbox ${end.health.inbox?.pending} pending / ${end.health.inbox?.failed} failed, outbox ${end.health.outbox?.pending} pending / ${end.health.outbox?.failed} failed${end.drained ? '' : ` — NOT drained within ${DRAIN_TIMEOUT_MS / 1000} s`}`,
  );
  console.log(
    `  workerd CPU per handled webhook (verify, decrypt, inbox, handle, reply delivered; local D1 included): ${perEvent.toFixed(2)} ms (${cpuMs.toFixed(0)} ms over ${EVENTS} pushes, /proc/<pid>/stat of workerd ${workerd}, 10 ms ticks)`,
  );
  console.log(
    `  idle workerd with the bench's /healthz polls: ${idleMsPerS.toFixed(0)} ms CPU per second; net of that over the ${wallS.toFixed(1)} s: ${netPerEvent.toFixed(2)} ms per webhook`,
  );
  console.log(
    `  wrangler's own process (Node, not the Worker) meanwhile: ${wranglerMs.toFixed(0)} ms CPU; workerd RSS ${memory.rssMb.toFixed(0)} MB, peak ${memory.peakMb.toFixed(0)} MB (both processes)`,
  );
  const complete = result.ok === EVENTS && delivered.length === EVENTS && end.drained;
  console.log(
    `  goal (issue 16.6): report CPU per handled webhook on workerd — ${complete ? `met: ${perEvent.toFixed(2)} ms per webhook` : 'NOT met: not every push was acknowledged, handled and answered'}`,
  );
  if (!complete) process.exitCode = 1;
} catch (error) {
  console.error(
    // undici's 'fetch failed' says why only in its cause (refused, reset, closed).
    `workers bench failed: ${error}${(error as { cause?: unknown })?.cause ? ` (cause: ${(error as { cause?: unknown }).cause})` : ''}\n${error instanceof Error ? error.stack : ''}\nlast of wrangler's output:\n${dev?.output().slice(-4000) ?? '(not started)'}`,
  );
  process.exitCode = 1;
} finally {
  if (load && load.exitCode === null) load.kill();
  await dev?.stop();
  await lark.close();
  rmSync(dir, { recursive: true, force: true });
}
