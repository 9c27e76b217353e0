// `npm run bench:digest`: 10,000 people in 1,000 teams.
//  1. Baseline: read the rows a digest needs (people, teams, objectives, KRs,
//     the week's check-ins, pending adjustments, identities) with plain selects.
//  2. Compute every team digest and enqueue it (weekly-digest job, real runner).
//  3. Drain the outbox against the Lark emulator over HTTP and report the send
//     rate (Lark allows 50/s per app) and how many 230020 rate-limit errors came back.
import Database from 'better-sqlite3';
import { and, eq, gte } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLarkEmulator, serveLarkEmulator } from '../bots/lark/emulator';
import { useCryptoProvider } from '../bots/common/crypto-provider';
import { nodeCryptoProvider } from '../src/node/crypto';
import { runJobNow } from '../src/jobs';
import { createPolaris } from '../src/app';
import { fixedClock } from '../core/clock';
import { loadConfig } from '../src/config';
import { adjustments, checkIns, identities, keyResults, objectives, outbox, people, teams } from '../storage/schema';
import { openSqlite } from '../storage/sqlite';
import { generateOrg } from './generate';
import { progress } from './progress';
import { peakRssLine } from './proc';

// As the Node server (src/node.ts) runs: node:crypto for digests and signatures.
useCryptoProvider(nodeCryptoProvider);

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 1_000);
const dir = mkdtempSync(join(tmpdir(), 'polaris-bench-digest-'));
const path = join(dir, 'polaris.db');

try {
  openSqlite(path).close(); // migrate
  const raw = new Database(path);
  const org = generateOrg(raw, { people: PEOPLE, teams: TEAMS });
  // Every person reachable on Lark; every team with a Lark group chat (one digest per team).
  raw
    .prepare(
      `INSERT OR IGNORE INTO identities (org_id, person_id, platform, platform_user_id) SELECT org_id, id, 'lark', 'ou_' || id FROM people WHERE org_id = ?`,
    )
    .run(org.orgId);
  raw.prepare(`UPDATE teams SET lark_chat_id = 'oc_' || id WHERE org_id = ?`).run(org.orgId);
  raw.close();
  console.log(`org: ${org.people} people, ${TEAMS} teams, ${org.objectives} objectives, ${org.keyResults} KRs`);

  const emulator = createLarkEmulator({ appId: 'cli_bench', appSecret: 'bench-secret', verificationToken: 'v' });
  const server = await serveLarkEmulator(emulator, 0);
  const store = openSqlite(path);
  // Monday 09:00 Shanghai of the generated data's week.
  const clock = fixedClock(new Date(org.now.getTime() + 3 * 86_400_000 - 3_600_000));
  const config = loadConfig({
    LARK_APP_ID: 'cli_bench',
    LARK_APP_SECRET: 'bench-secret',
    LARK_VERIFICATION_TOKEN: 'bench-verification-token',
    LARK_ENCRYPT_KEY: 'bench-encrypt-key',
    LARK_DOMAIN: server.url,
  });
  const { services } = createPolaris({ store, config, clock, deliverImmediately: false });

  // CPU time of this process (one thread runs both), beside wall time: on a shared machine other
  // processes stretch wall time, and the fan-out's time-boxed slices with it.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // 1. Baseline: the same rows, read and nothing else.
  let t = performance.now();
  let c = cpuMs();
  const weekAgo = new Date(clock.now().getTime() - 7 * 86_400_000).toISOString();
  const rows = [
    await store.db.select().from(people).where(eq(people.orgId, org.orgId)),
    await store.db.select().from(teams).where(eq(teams.orgId, org.orgId)),
    await store.db.select().from(objectives).where(eq(objectives.orgId, org.orgId)),
    await store.db.select().from(keyResults).where(eq(keyResults.orgId, org.orgId)),
    await store.db
      .select()
      .from(checkIns)
      .where(and(eq(checkIns.orgId, org.orgId), gte(checkIns.createdAt, weekAgo))),
    await store.db
      .select()
      .from(adjustments)
      .where(and(eq(adjustments.orgId, org.orgId), eq(adjustments.status, 'pending'))),
    await store.db.select().from(identities).where(eq(identities.orgId, org.orgId)),
  ].reduce((s, r) => s + r.length, 0);
  const baselineMs = performance.now() - t;
  const baselineCpuMs = cpuMs() - c;
  console.log(`baseline: read ${rows} rows in ${baselineMs.toFixed(0)} ms (CPU ${baselineCpuMs.toFixed(0)} ms)`);

  // 2. Compute and enqueue every digest.
  t = performance.now();
  c = cpuMs();
  const digests = progress('digests');
  const results = await runJobNow(services, 'weekly-digest', {
    afterBatch: ({ done, total }) => digests.update(`${done}/${total}`),
  });
  digests.done();
  const digestMs = performance.now() - t;
  const digestCpuMs = cpuMs() - c;
  const enqueued = (await store.db.select({ id: outbox.id }).from(outbox)).length;
  console.log(`digest: ${results.map((r) => `${r.outcome} ${JSON.stringify(r.stats)}`).join('; ')}`);
  console.log(
    `digest: computed and enqueued ${enqueued} messages in ${digestMs.toFixed(0)} ms (${(digestMs / baselineMs).toFixed(1)}× the baseline read); CPU ${digestCpuMs.toFixed(0)} ms (${(digestCpuMs / baselineCpuMs).toFixed(1)}× the baseline's CPU)`,
  );
  const ratio = digestMs / baselineMs;
  console.log(
    `  goal (issue 16.4): compute + enqueue ≤ 3× reading the rows: ${ratio.toFixed(1)}× — ${ratio <= 3 ? 'met' : 'NOT met'}`,
  );

  // 3. Drain against the emulator.
  // The outbox compares next_attempt_at with the clock: from here on let time run, from the digest's instant.
  const offset = clock.now().getTime() - Date.now();
  Object.assign(services.clock, { now: () => new Date(Date.now() + offset) });
  t = performance.now();
  const report = { sent: 0, retried: 0, failed: 0, deferred: 0 };
  let burst: { sent: number; seconds: number } | undefined;
  const sending = progress('sent');
  for (let round = 0; round < 200; round++) {
    const r = await services.outbox.drain();
    for (const k of Object.keys(report) as (keyof typeof report)[]) report[k] += r[k];
    // The first drain runs until a limit defers the rest: its rate is the per-second pace.
    burst ??= { sent: report.sent, seconds: (performance.now() - t) / 1000 };
    sending.update(`${report.sent}/${enqueued}`);
    if (report.sent + report.failed >= enqueued) break;
    await new Promise((r2) => setTimeout(r2, 200));
  }
  sending.done();
  const drainS = (performance.now() - t) / 1000;
  const sends = emulator.calls.filter((c) => c.path === '/open-apis/im/v1/messages' && c.method === 'POST');
  const limited = sends.filter((c) => (c.response as { code?: number } | undefined)?.code === 230020).length;
  console.log(
    `drain: ${report.sent} sent, ${report.failed} failed, ${report.retried} retried in ${drainS.toFixed(1)} s; 230020 errors: ${limited}`,
  );
  if (burst)
    console.log(
      `  first ${burst.sent} in ${burst.seconds.toFixed(1)} s → ${(burst.sent / burst.seconds).toFixed(1)} msg/s (Lark: 50/s per app); the rest waited for Lark's 1000/min app cap`,
    );
  console.log(peakRssLine('the bench process: org, digest job, outbox and Lark emulator'));
  await server.close();
  store.close();
  if (limited > 0 || report.failed > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
