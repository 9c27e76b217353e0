// npm run bench:webhook — the Lark webhook under load over real HTTP: signed,
// encrypted `im.message.receive_v1` pushes from the demo org's people (check-ins
// and `我的OKR`), at 50 and 200 keep-alive connections, against Polaris on Node
// (SQLite file, real migrations, WAL; outbox 'manual') and, in the same run on the
// same machine with the same bodies, two baselines: a bare Hono POST route and the
// official Lark SDK's EventDispatcher behind node:http (verify + decrypt, no storage).
// Each server and the load generator run in their own processes (bench/webhook-server.ts,
// bench/webhook-load.ts), so CPU per event is the server's own process.cpuUsage().
// Knobs: BENCH_WEBHOOK_SECONDS (8), BENCH_WEBHOOK_WARMUP (2), BENCH_WEBHOOK_EVENTS (40000 distinct
// event_ids per run), BENCH_WEBHOOK_CONNECTIONS (50,200), BENCH_WEBHOOK_SCENARIOS (bare,sdk,polaris);
// BENCH_WEBHOOK_PROFILE=<dir> writes a --cpu-prof of each Polaris server process there.
// Delivery included (issue 16 goal 1): BENCH_WEBHOOK_DELIVERED (600) pushes from BENCH_WEBHOOK_DELIVERED_CONNECTIONS
// (20) connections to Polaris with its outbox on, sending every reply to a Lark emulator at Lark's pace (50/s,
// 1000/min); the server's CPU is counted from before the first push until the last reply is delivered and the
// server is idle, and compared with the SDK dispatcher's CPU for the same pushes. Beside it, the floor
// (bench/send-floor.ts): the SDK's receive plus one bare node:http send to the emulator at Lark's pace.
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { decryptLarkPayload } from '../bots/lark/crypto';
import { createLarkEmulator, serveLarkEmulator } from '../bots/lark/emulator';
import { verifyLarkSignature } from '../bots/lark/verify';
import { buildSignedPushes } from './webhook-events';
import type { LoadJob, LoadResult } from './webhook-load';
import { seedWebhookDb } from './webhook-seed';
import type { ServerKind, ServerOptions } from './webhook-server';
import type { SendFloorJob, SendFloorResult } from './send-floor';
import { BENCH_LARK_APP, nextMessage, serverMark, type CpuMark } from './child';

const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WEBHOOK_WARMUP ?? 2);
const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 40_000);
const CONNECTIONS = (process.env.BENCH_WEBHOOK_CONNECTIONS ?? '50,200').split(',').map(Number);
const PROFILE_DIR = process.env.BENCH_WEBHOOK_PROFILE;
const ONLY = process.env.BENCH_WEBHOOK_SCENARIOS?.split(',');
const DELIVERED = Number(process.env.BENCH_WEBHOOK_DELIVERED ?? 600);
const DELIVERED_CONNECTIONS = Number(process.env.BENCH_WEBHOOK_DELIVERED_CONNECTIONS ?? 20);
/** Pushes (and their replies) before the delivered run's CPU mark, for the JIT. */
const DELIVERED_WARMUP = Number(process.env.BENCH_WEBHOOK_DELIVERED_WARMUP ?? 200);

const APP = BENCH_LARK_APP;

const SCENARIOS: { kind: ServerKind; label: string }[] = [
  { kind: 'bare', label: 'bare Hono POST' },
  { kind: 'sdk', label: 'Lark SDK dispatcher' },
  { kind: 'polaris', label: 'Polaris' },
];

interface Row {
  kind: ServerKind;
  label: string;
  connections: number;
  load: LoadResult;
  reqPerSec: number;
  cpuUsPerEvent: number;
  serverAnswered: Record<string, number>;
  stored?: { processedEvents: number; checkIns: number; outbox: number };
  /** The server process's peak resident set (process.resourceUsage().maxRSS). */
  peakRssMb: number;
  /** Events still in the inbox when the bench stopped waiting for it to drain. */
  left?: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverPeakRss(server: ChildProcess): Promise<number> {
  const reply = nextMessage<{ peakRssMb: number }>(server, 'rss');
  server.send({ type: 'rss' });
  return (await reply).peakRssMb;
}

const answeredTotal = (mark: CpuMark) => Object.values(mark.answered).reduce((a, b) => a + b, 0);
const cpuOf = (mark: CpuMark) => mark.usage.user + mark.usage.system;
/** Below this much CPU per 100 ms the server has nothing left to do. */
const IDLE_CPU_US = 5_000;
/** Under --cpu-prof the profiler's own sampling keeps a resting server above IDLE_CPU_US. */
const idleCpuUs = () => (PROFILE_DIR ? 4 * IDLE_CPU_US : IDLE_CPU_US);

/** Events stored and not yet handled (pending, including those waiting out a retry backoff). */
function inboxPending(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM inbox WHERE status = 'pending'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** How long the bench waits for the server to go idle (inbox drained) before it says so and goes on. */
const QUIET_TIMEOUT_MS = Number(process.env.BENCH_WEBHOOK_QUIET_TIMEOUT_MS ?? 180_000);

/**
 * The server's counters once it is idle: requests the load generator abandoned
 * when a run ended are still worked on, and their CPU time must land on the same
 * side of the mark as their count. For Polaris, idle also means its inbox is drained:
 * a push is acknowledged once stored and handled in the background, so a run that
 * stored faster than it handled leaves a backlog whose handling belongs to this run
 * (and whose claims the row checks count). `drained` is false when the wait ran out.
 */
async function quietServerMark(
  server: ChildProcess,
  databasePath?: string,
): Promise<CpuMark & { drained: boolean; pending: number }> {
  const deadline = performance.now() + QUIET_TIMEOUT_MS;
  let last = await serverMark(server);
  let pending = 0;
  for (;;) {
    await sleep(100);
    const next = await serverMark(server);
    pending = databasePath ? inboxPending(databasePath) : 0;
    const quiet = answeredTotal(next) === answeredTotal(last) && cpuOf(next) - cpuOf(last) < idleCpuUs();
    if (quiet && pending === 0) return { ...next, drained: true, pending };
    if (performance.now() > deadline) return { ...next, drained: false, pending };
    last = next;
  }
}

function countRows(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { processedEvents: count('processed_events'), checkIns: count('check_ins'), outbox: count('outbox') };
  } finally {
    db.close();
  }
}

/** The bench's bodies must be what Polaris accepts: checked once with the adapter's own functions. */
async function checkBodiesMatchAdapter(specs: LoadJob['specs']) {
  const [push] = buildSignedPushes(APP, specs, 1, 'check');
  const headers = {
    timestamp: push.headers['x-lark-request-timestamp'],
    nonce: push.headers['x-lark-request-nonce'],
    signature: push.headers['x-lark-signature'],
  };
  const verdict = await verifyLarkSignature({
    encryptKey: APP.encryptKey,
    headers,
    rawBody: push.body,
    now: new Date(),
  });
  if (!verdict.ok) throw new Error(`bench bodies fail Polaris's signature check: ${verdict.reason}`);
  const envelope = JSON.parse(
    await decryptLarkPayload(APP.encryptKey, (JSON.parse(push.body) as { encrypt: string }).encrypt),
  );
  if (envelope.header?.event_type !== 'im.message.receive_v1')
    throw new Error('bench bodies do not decrypt to im.message.receive_v1');
}

async function runScenario(
  scenario: (typeof SCENARIOS)[number],
  connections: number,
  ctx: { dir: string; template: string; specs: LoadJob['specs']; before: ReturnType<typeof countRows> },
): Promise<Row> {
  const databasePath = join(ctx.dir, `${scenario.kind}-${connections}.db`);
  if (scenario.kind === 'polaris') copyFileSync(ctx.template, databasePath);
  const options: ServerOptions = {
    databasePath,
    appId: APP.appId,
    appSecret: APP.appSecret,
    verificationToken: APP.verificationToken,
    encryptKey: APP.encryptKey,
  };
  const profile = scenario.kind === 'polaris' && PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const server = fork(here('./webhook-server.ts'), [scenario.kind, JSON.stringify(options)], {
    execArgv: [...process.execArgv, ...profile],
  });
  const load = fork(here('./webhook-load.ts'), [], { execArgv: process.execArgv });
  try {
    const { port, path } = await nextMessage<{ port: number; path: string }>(server, 'ready');
    const job: LoadJob = {
      url: `http://127.0.0.1:${port}`,
      path,
      connections,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: SECONDS,
      app: APP,
      specs: ctx.specs,
      events: EVENTS,
      runId: `${scenario.kind}${connections}`,
    };
    const measuring = nextMessage(load, 'measure');
    load.send({ type: 'job', ...job });
    await measuring;
    const inboxOf = scenario.kind === 'polaris' ? databasePath : undefined;
    const start = await quietServerMark(server, inboxOf);
    const finished = nextMessage<LoadResult>(load, 'result');
    load.send({ type: 'go' });
    const result = await finished;
    const end = await quietServerMark(server, inboxOf);
    const peakRssMb = await serverPeakRss(server);

    const stopped = new Promise((resolve) => server.once('exit', resolve));
    server.send({ type: 'stop' });
    await stopped;

    const cpuUs = end.usage.user - start.usage.user + end.usage.system - start.usage.system;
    // Events the server worked on in the window: answered 200, or abandoned by the client at the end.
    const worked = (mark: CpuMark) => (mark.answered['200'] ?? 0) + (mark.answered.aborted ?? 0);
    const acked = worked(end) - worked(start);
    const row: Row = {
      kind: scenario.kind,
      label: scenario.label,
      connections,
      load: result,
      reqPerSec: result.ok / result.durationSeconds,
      cpuUsPerEvent: acked ? cpuUs / acked : NaN,
      serverAnswered: end.answered,
      peakRssMb,
      left: end.drained ? undefined : end.pending,
    };
    if (scenario.kind === 'polaris') {
      const after = countRows(databasePath);
      row.stored = {
        processedEvents: after.processedEvents - ctx.before.processedEvents,
        checkIns: after.checkIns - ctx.before.checkIns,
        outbox: after.outbox - ctx.before.outbox,
      };
    }
    return row;
  } finally {
    if (server.exitCode === null) server.kill();
    if (load.exitCode === null) load.kill();
  }
}

interface DeliveredRow {
  kind: 'delivered' | 'sdk';
  events: number;
  cpuUsPerEvent: number;
  wallSeconds: number;
  ackP99: number;
  delivered?: number;
  pending?: number;
  failed?: number;
  peakRssMb: number;
}

function outboxCounts(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all() as {
      status: string;
      n: number;
    }[];
    const inbox = (db.prepare(`SELECT count(*) AS n FROM inbox`).get() as { n: number }).n;
    const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    return { sent: by.sent ?? 0, pending: by.pending ?? 0, failed: by.failed ?? 0, inbox };
  } finally {
    db.close();
  }
}

/**
 * Issue 16 goal 1: the server's CPU per fully handled push, reply delivered to the platform (the Lark
 * emulator, which enforces Lark's 50/s and 1000/min) at the platform's pace, against the SDK
 * dispatcher's CPU for the same pushes. Polaris's CPU is counted from a quiet mark before the first
 * measured push until every reply is sent and the server is idle again.
 */
async function runDelivered(
  kind: 'delivered' | 'sdk',
  ctx: { dir: string; template: string; specs: LoadJob['specs'] },
): Promise<DeliveredRow> {
  const databasePath = join(ctx.dir, `${kind}-delivered.db`);
  copyFileSync(ctx.template, databasePath);
  const emulator = kind === 'delivered' ? createLarkEmulator({ ...APP }) : undefined;
  const lark = emulator ? await serveLarkEmulator(emulator, 0) : undefined;
  const options: ServerOptions = {
    databasePath,
    appId: APP.appId,
    appSecret: APP.appSecret,
    verificationToken: APP.verificationToken,
    encryptKey: APP.encryptKey,
    larkDomain: lark?.url,
  };
  const profile = kind === 'delivered' && PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const server = fork(here('./webhook-server.ts'), [kind, JSON.stringify(options)], {
    execArgv: [...process.execArgv, ...profile],
  });
  const load = fork(here('./webhook-load.ts'), [], { execArgv: process.execArgv });
  const allDelivered = async (expected: number) => {
    for (;;) {
      const c = outboxCounts(databasePath);
      if (c.inbox === 0 && c.pending === 0 && c.sent + c.failed >= expected) return c;
      await sleep(200);
    }
  };
  try {
    const { port, path } = await nextMessage<{ port: number; path: string }>(server, 'ready');
    const job: LoadJob = {
      url: `http://127.0.0.1:${port}`,
      path,
      connections: DELIVERED_CONNECTIONS,
      warmupSeconds: 0,
      durationSeconds: 0,
      amounts: { warmup: DELIVERED_WARMUP, measured: DELIVERED },
      app: APP,
      specs: ctx.specs,
      events: DELIVERED_WARMUP + DELIVERED,
      runId: `${kind}-delivered`,
    };
    const measuring = nextMessage(load, 'measure');
    load.send({ type: 'job', ...job });
    await measuring;
    if (kind === 'delivered') await allDelivered(DELIVERED_WARMUP);
    const start = await quietServerMark(server, kind === 'delivered' ? databasePath : undefined);
    const began = performance.now();
    const finished = nextMessage<LoadResult>(load, 'result');
    load.send({ type: 'go' });
    const result = await finished;
    const counts = kind === 'delivered' ? await allDelivered(DELIVERED_WARMUP + DELIVERED) : undefined;
    const wallSeconds = (performance.now() - began) / 1000;
    const end = await quietServerMark(server, kind === 'delivered' ? databasePath : undefined);
    const peakRssMb = await serverPeakRss(server);
    const stopped = new Promise((resolve) => server.once('exit', resolve));
    server.send({ type: 'stop' });
    await stopped;
    const cpuUs = cpuOf(end) - cpuOf(start);
    return {
      kind,
      events: result.ok,
      cpuUsPerEvent: cpuUs / DELIVERED,
      wallSeconds,
      ackP99: result.latencyMs.p99,
      delivered: counts ? counts.sent - DELIVERED_WARMUP : undefined,
      pending: counts?.pending,
      failed: counts?.failed,
      peakRssMb,
    };
  } finally {
    if (server.exitCode === null) server.kill();
    if (load.exitCode === null) load.kill();
    await lark?.close();
  }
}

/** bench/send-floor.ts against a fresh emulator (its windows untouched by the delivered run). */
async function runSendFloor(): Promise<SendFloorResult> {
  const lark = await serveLarkEmulator(createLarkEmulator({ ...APP }), 0);
  const child = fork(here('./send-floor.ts'), [], { execArgv: process.execArgv });
  try {
    const result = nextMessage<SendFloorResult>(child, 'result');
    const job: SendFloorJob = { type: 'job', url: lark.url, appId: APP.appId, appSecret: APP.appSecret, sends: 400 };
    child.send(job);
    return await result;
  } finally {
    if (child.exitCode === null) child.kill();
    await lark.close();
  }
}

function printDelivered(rows: DeliveredRow[], floor: SendFloorResult | undefined) {
  const polaris = rows.find((r) => r.kind === 'delivered');
  const sdk = rows.find((r) => r.kind === 'sdk');
  if (!polaris || !sdk || !floor) return;
  console.log(
    `\nfully handled, reply delivered (${DELIVERED} pushes from ${DELIVERED_CONNECTIONS} connections after ${DELIVERED_WARMUP} warm-up pushes; replies to the Lark emulator at Lark's pace):`,
  );
  console.log(
    `  Polaris: ${polaris.cpuUsPerEvent.toFixed(0)} µs CPU per event incl. delivery; ${polaris.events} acknowledged (ack p99 ${ms(polaris.ackP99)}), ${polaris.delivered} replies delivered in ${polaris.wallSeconds.toFixed(1)} s, ${polaris.failed} failed; peak RSS ${polaris.peakRssMb.toFixed(0)} MB`,
  );
  console.log(
    `  Lark SDK dispatcher: ${sdk.cpuUsPerEvent.toFixed(0)} µs CPU per event (verify + decrypt, no storage, no reply); peak RSS ${sdk.peakRssMb.toFixed(0)} MB`,
  );
  const least = sdk.cpuUsPerEvent + floor.cpuUsPerSend;
  console.log(
    `  floor: one bare node:http send to the emulator at Lark's pace (no SDK, no storage) ${floor.cpuUsPerSend.toFixed(0)} µs CPU${floor.failed ? ` (${floor.failed} not 200)` : ''}; the SDK's receive + that send ${least.toFixed(0)} µs = ${(least / sdk.cpuUsPerEvent).toFixed(1)}× the SDK's, the least any handler that replies can reach here`,
  );
  const ratio = polaris.cpuUsPerEvent / sdk.cpuUsPerEvent;
  console.log(
    `  goal (issue 16.1): CPU per fully handled event incl. delivery ≤ 2× the SDK's: ${ratio.toFixed(1)}× (${(polaris.cpuUsPerEvent / least).toFixed(1)}× the floor) — ${ratio <= 2 ? 'met' : 'NOT met'}`,
  );
}

const pad = (value: string, width: number, left = false) => (left ? value.padEnd(width) : value.padStart(width));
/** autocannon's latency histogram counts whole milliseconds. */
const ms = (n: number) => (n < 1 ? '<1 ms' : `${n} ms`);

function errorsOf(row: Row): string {
  const non200 = Object.entries(row.load.statusCounts).filter(([code]) => code !== '200');
  const parts = non200.map(([code, n]) => `${n}×${code}`);
  if (row.load.errors) parts.push(`${row.load.errors} socket errors`);
  if (row.load.timeouts) parts.push(`${row.load.timeouts} timeouts`);
  return parts.length ? parts.join(', ') : '0';
}

function printTable(rows: Row[]) {
  const header = [
    pad('scenario', 22, true),
    pad('conns', 5),
    pad('req/s', 8),
    pad('p50', 9),
    pad('p99', 9),
    pad('CPU µs/event', 13),
    pad('peak RSS', 9),
    '  errors (non-200 / socket / timeout)',
  ];
  console.log(header.join(' '));
  for (const r of rows) {
    console.log(
      [
        pad(r.label, 22, true),
        pad(String(r.connections), 5),
        pad(r.reqPerSec.toFixed(0), 8),
        pad(ms(r.load.latencyMs.p50), 9),
        pad(ms(r.load.latencyMs.p99), 9),
        pad(r.cpuUsPerEvent.toFixed(0), 13),
        pad(`${r.peakRssMb.toFixed(0)} MB`, 9),
        `  ${errorsOf(r)}`,
      ].join(' '),
    );
  }
}

function printVerdicts(rows: Row[]) {
  const find = (kind: ServerKind, connections: number) =>
    rows.find((r) => r.kind === kind && r.connections === connections);
  const verdicts: boolean[] = [];
  const verdict = (ok: boolean) => {
    verdicts.push(ok);
    return ok ? 'met' : 'MISSED';
  };
  console.log('\nratios and targets (Polaris vs the baselines at the same connection count):');
  for (const connections of CONNECTIONS) {
    const polaris = find('polaris', connections);
    const sdk = find('sdk', connections);
    const bare = find('bare', connections);
    if (!polaris || !sdk || !bare) continue;
    const vsSdk = polaris.reqPerSec / sdk.reqPerSec;
    const vsBare = polaris.reqPerSec / bare.reqPerSec;
    console.log(
      `  ${connections} connections: throughput ${(vsSdk * 100).toFixed(0)}% of the SDK dispatcher's (target ≥ 100%: ${verdict(vsSdk >= 1)}), ` +
        `${(vsBare * 100).toFixed(0)}% of the bare route's (target ≥ 30%: ${verdict(vsBare >= 0.3)}); ` +
        `CPU per event ${(polaris.cpuUsPerEvent / sdk.cpuUsPerEvent).toFixed(1)}× the SDK's, ${(polaris.cpuUsPerEvent / bare.cpuUsPerEvent).toFixed(1)}× the bare route's`,
    );
    if (connections === 50)
      console.log(
        `  50 connections: Polaris p99 ${ms(polaris.load.latencyMs.p99)} (target < 50 ms: ${verdict(polaris.load.latencyMs.p99 < 50)})`,
      );
  }
  if (!verdicts.length) console.log('  (needs all three scenarios)');
  else
    console.log(
      verdicts.every(Boolean)
        ? 'all targets met'
        : `${verdicts.filter((v) => !v).length} of ${verdicts.length} targets missed`,
    );
}

function printPolarisChecks(rows: Row[]) {
  console.log('\nPolaris did the work (rows added per run, warm-up included):');
  for (const r of rows.filter((row) => row.stored)) {
    const answered200 = r.serverAnswered['200'] ?? 0;
    const aborted = r.serverAnswered.aborted ?? 0;
    const repeated = Math.max(0, r.load.issued - EVENTS);
    const stored = r.stored!;
    // Each handled push commits its dedupe claim, check-in and reply in one transaction, so the counts must agree.
    // A push that repeats an earlier event_id (the pool wrapped) is answered 200 as a duplicate and claims nothing.
    const agrees = stored.processedEvents === answered200 + aborted - repeated;
    const verdict =
      r.left !== undefined
        ? `inbox NOT drained after ${QUIET_TIMEOUT_MS / 1000} s (${r.left} events still pending)`
        : agrees
          ? 'one claim per handled push'
          : 'MISMATCH between pushes handled and claims stored';
    console.log(
      `  ${r.connections} connections: ${answered200} pushes answered 200${aborted ? ` (+${aborted} abandoned by the client when a run ended, still handled)` : ''}; ` +
        `processed_events +${stored.processedEvents}, check_ins +${stored.checkIns}, outbox +${stored.outbox}: ${verdict}` +
        (repeated
          ? `; ${repeated} pushes repeated an earlier event_id (the pool of ${EVENTS} wrapped) and were answered as duplicates`
          : '; no event_id repeated'),
    );
    if (r.load.latencyMs.max > 3000)
      console.log(
        `    slowest acknowledgement ${r.load.latencyMs.max} ms: Lark re-pushes what is not answered within 3 s`,
      );
  }
}

export async function benchWebhook() {
  const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-webhook-'));
  try {
    const template = join(dir, 'template.db');
    const { specs, people } = await seedWebhookDb(template, APP.tenantKey);
    await checkBodiesMatchAdapter(specs);
    const before = countRows(template);
    const checkIns = specs.filter((s) => s.text !== '我的OKR').length;
    const load = () =>
      loadavg()
        .map((n) => n.toFixed(1))
        .join(' ');
    console.log(
      `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${load()}; the load generator runs on the same machine, in its own process`,
    );
    console.log(
      `load: signed, encrypted im.message.receive_v1 pushes from ${people} people of the demo org; mix of ${specs.length} messages, ${checkIns} check-ins (\`KRn v 信心 c\`) to ${specs.length - checkIns} \`我的OKR\`; ${EVENTS} distinct event_ids per run, bodies and signatures built before the clock starts`,
    );
    console.log(
      `runs: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured per scenario, keep-alive, one request in flight per connection`,
    );
    console.log(
      'Polaris: SQLite file (migrations, WAL), outbox in manual mode (delivery to Lark is not measured). Each 200 follows the durable, deduplicated inbox write; the inbox then commits the dedupe claim, the check-in and the queued reply in one transaction. CPU per event counts both, measured once the server is idle',
    );
    console.log(
      'Lark SDK dispatcher: @larksuiteoapi/node-sdk EventDispatcher({ encryptKey, verificationToken }) via adaptDefault on node:http; verifies the signature, decrypts, calls an empty handler; no storage, no dedupe\n',
    );

    const rows: Row[] = [];
    for (const connections of CONNECTIONS) {
      for (const scenario of SCENARIOS.filter((sc) => !ONLY || ONLY.includes(sc.kind))) {
        rows.push(await runScenario(scenario, connections, { dir, template, specs, before }));
      }
    }
    const delivered: DeliveredRow[] = [];
    let floor: SendFloorResult | undefined;
    if (!ONLY || ONLY.includes('delivered')) {
      for (const kind of ['sdk', 'delivered'] as const)
        delivered.push(await runDelivered(kind, { dir, template, specs }));
      floor = await runSendFloor();
    }
    console.log(
      'throughput = HTTP 200s / s seen by the client; latency = acknowledgement time of 200s; CPU = server process user+system time / events it handled (200s sent, plus the few requests the client abandoned when the run ended)\n',
    );
    printTable(rows);
    printVerdicts(rows);
    printPolarisChecks(rows);
    printDelivered(delivered, floor);
    console.log(
      `\nload average after the runs: ${load()} (other work on this machine skews req/s and latency; CPU µs/event is the steadier figure)`,
    );
    if (PROFILE_DIR) console.log(`\nCPU profiles of the Polaris server processes: ${PROFILE_DIR}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWebhook();
