// A burst loses nothing and handles nothing twice (issue 16 goal 2, "new tests check that the burst
// loses nothing"). Over real HTTP, against a real SQLite file: a few thousand signed, encrypted
// Lark pushes from hundreds of people over 50 keep-alive connections, some of them pushed twice
// (Lark re-pushes an event it is not sure we took: soon after, and long after), and mid-burst the
// server process is killed (SIGKILL, no shutdown) and another one started on the same file, while
// the pushes it never answered are pushed again. Then every event must have been handled exactly
// once: one dedupe claim, one reply queued for its sender, one check-in per check-in message, and
// nothing left in the inbox. No timing is asserted.
import { type ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { nextMessage } from '../../bench/child';
import { buildSignedPushes, type SignedPush } from '../../bench/webhook-events';
import { messageSpecs, roundRobinByPerson, seedGeneratedLarkOrg } from '../../bench/webhook-seed';
import type { ServerOptions } from '../../bench/webhook-server';
import type { Clock } from '../../core/clock';
import { startNode } from '../../src/node';
import { openSqlite } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';
import { LARK } from '../helpers/e2e';

const ROOT = join(import.meta.dirname, '..', '..');
const TENANT = 'tenant_burst';
const APP = { ...LARK, tenantKey: TENANT };
const PEOPLE = 300;
/** Distinct events. */
const EVENTS = 2000;
const CONNECTIONS = 50;
/** The first server is killed once this many pushes were answered 200. */
const KILL_AFTER = 700;
/** Every 8th event is pushed again 40 pushes later (often while the first is in flight), every 50th at the very end. */
const SOON_EVERY = 8;
const SOON_AFTER = 40;
const LATE_EVERY = 50;
/** An inbox row claimed by a process that dies stays locked this long (src/inbound/inbox.ts LOCK_MS). */
const INBOX_LOCK_MS = 60_000;

interface Push {
  event: number;
  signed: SignedPush;
  /** HTTP statuses and transport errors, in order. */
  answers: (number | string)[];
}

/** Check-ins per author, keyed by the author's Lark open id (`ou_<person id>` in the generated org). */
function checkInsByAuthor(sqlite: Database.Database): Map<string, number> {
  const rows = sqlite
    .prepare(`SELECT 'ou_' || author_id AS id, count(*) AS n FROM check_ins GROUP BY author_id`)
    .all() as { id: string; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Sends pushes from `queue` over `connections` keep-alive connections until it is empty or `stop()` is true. */
async function pushAll(port: number, queue: Push[], failed: Push[], onOk: (push: Push) => void, stop: () => boolean) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const send = (push: Push) =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: '/webhooks/lark',
          method: 'POST',
          headers: { ...push.signed.headers, 'content-length': Buffer.byteLength(push.signed.body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            push.answers.push(res.statusCode ?? 0);
            if (res.statusCode === 200) onOk(push);
            else failed.push(push);
            resolve();
          });
          res.on('error', (error) => {
            push.answers.push(error.message);
            failed.push(push);
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        push.answers.push(error.message);
        failed.push(push);
        resolve();
      });
      req.end(push.signed.body);
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let push = queue.shift(); push; push = stop() ? undefined : queue.shift()) await send(push);
    }),
  );
  agent.destroy();
}

describe('a burst of pushes with duplicates and a crash in the middle', () => {
  it('handles every acknowledged event exactly once', async () => {
    const db = tempDbPath();
    closers.push(db.cleanup);
    const orgId = seedGeneratedLarkOrg(db.path, PEOPLE, TENANT);
    const seeded = openSqlite(db.path);
    const specs = roundRobinByPerson((await messageSpecs(seeded, orgId, new Date())).specs, EVENTS);
    const checkInsBefore = checkInsByAuthor(seeded.sqlite);
    seeded.close();
    expect(specs).toHaveLength(EVENTS);
    const runId = `burst${Date.now()}`;
    // Two builds of the same events: same event ids and messages, fresh ciphertext and signature (a re-push).
    const first = buildSignedPushes(APP, specs, EVENTS, runId);
    const again = buildSignedPushes(APP, specs, EVENTS, runId);
    const late = buildSignedPushes(APP, specs, EVENTS, runId);
    const schedule: Push[] = first.map((signed, event) => ({ event, signed, answers: [] }));
    for (let event = EVENTS - 1; event >= 0; event--)
      if (event % SOON_EVERY === 3)
        schedule.splice(Math.min(schedule.length, event + 1 + SOON_AFTER), 0, {
          event,
          signed: again[event],
          answers: [],
        });
    for (let event = 0; event < EVENTS; event += LATE_EVERY) schedule.push({ event, signed: late[event], answers: [] });
    const pushes = [...schedule];

    // The first server, in its own process (the bench's: outbox manual, replies stay queued).
    const options: ServerOptions = { databasePath: db.path, ...APP };
    const child: ChildProcess = fork(join(ROOT, 'bench/webhook-server.ts'), ['polaris', JSON.stringify(options)], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    closers.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const { port: firstPort } = await nextMessage<{ port: number }>(child, 'ready');

    const failed: Push[] = [];
    const ackedByFirst = new Set<number>();
    let killed = false;
    const died = new Promise((resolve) => child.once('exit', resolve));
    await pushAll(
      firstPort,
      schedule,
      failed,
      (push) => {
        ackedByFirst.add(push.event);
        if (!killed && ackedByFirst.size >= KILL_AFTER) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
      () => killed,
    );
    await died;
    expect(killed).toBe(true);

    // The next server on the same file. Its clock can be moved past the lock of the rows the dead
    // process had claimed, as the minute passing would.
    let offsetMs = 0;
    const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
    const next = await startNode({
      env: {},
      config: { port: 0, databasePath: db.path, lark: { ...LARK, domain: 'http://127.0.0.1:9' } },
      quiet: true,
      outbox: 'manual',
      scheduler: false,
      playground: false,
      clock,
    });
    closers.push(() => next.stop());
    // What the first server never answered is pushed again (Lark would), then the rest of the burst.
    for (let round = 0; round < 5 && (failed.length || schedule.length); round++) {
      const queue = [...failed.splice(0), ...schedule.splice(0)];
      await pushAll(
        next.port,
        queue,
        failed,
        () => {},
        () => false,
      );
    }
    expect(failed.map((p) => `${p.event}: ${p.answers.join(', ')}`)).toEqual([]);
    expect(pushes.every((p) => p.answers.at(-1) === 200)).toBe(true);
    expect(pushes.some((p) => p.answers.length > 1)).toBe(true); // some were cut off by the kill

    const cut = pushes.filter((p) => p.answers.length > 1).length;
    const locked = next.store.sqlite
      .prepare(`SELECT count(*) AS n FROM inbox WHERE locked_until > ?`)
      .pluck()
      .get(new Date().toISOString());
    console.log(
      `burst: ${pushes.length} pushes of ${EVENTS} events; first server killed after ${ackedByFirst.size} acks; ${cut} pushes pushed again after it; ${locked} inbox rows locked by the dead process`,
    );

    // Handle everything: what the dead process had claimed is taken over once its lock lapses.
    offsetMs = INBOX_LOCK_MS + 1000;
    const { sqlite } = next.store;
    const count = (sql: string, ...params: unknown[]) => (sqlite.prepare(sql).get(...params) as { n: number }).n;
    for (let round = 0; round < 50 && count('SELECT count(*) AS n FROM inbox') > 0; round++) {
      await next.services.inbox.drain();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sqlite.prepare('SELECT event_id, status, attempts, last_error FROM inbox LIMIT 5').all()).toEqual([]);

    // Exactly once: one claim per distinct event, none missing, none extra.
    const claimed = sqlite
      .prepare('SELECT event_id FROM processed_events WHERE platform = ? AND event_id LIKE ?')
      .pluck()
      .all('lark', `${runId}_ev_%`) as string[];
    const expected = Array.from({ length: EVENTS }, (_, i) => `${runId}_ev_${i}`);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(expected.filter((id) => !claimed.includes(id))).toEqual([]);
    expect(claimed.length).toBe(EVENTS);
    for (const event of ackedByFirst) expect(claimed).toContain(`${runId}_ev_${event}`);

    // One reply per event to its sender, and one check-in per check-in message.
    const perSender = new Map<string, { messages: number; checkIns: number }>();
    for (const spec of specs) {
      const s = perSender.get(spec.openId) ?? { messages: 0, checkIns: 0 };
      s.messages++;
      if (spec.text.startsWith('KR')) s.checkIns++;
      perSender.set(spec.openId, s);
    }
    const replies = new Map(
      (
        sqlite.prepare(`SELECT json_extract(target, '$.id') AS id, count(*) AS n FROM outbox GROUP BY 1`).all() as {
          id: string;
          n: number;
        }[]
      ).map((r) => [r.id, r.n]),
    );
    const checkIns = checkInsByAuthor(sqlite);
    const wrong = [...perSender].filter(
      ([openId, s]) =>
        replies.get(openId) !== s.messages ||
        (checkIns.get(openId) ?? 0) - (checkInsBefore.get(openId) ?? 0) !== s.checkIns,
    );
    expect(
      wrong.slice(0, 5).map(([openId, s]) => ({
        openId,
        ...s,
        replies: replies.get(openId),
        newCheckIns: (checkIns.get(openId) ?? 0) - (checkInsBefore.get(openId) ?? 0),
      })),
    ).toEqual([]);
    expect([...replies.values()].reduce((a, b) => a + b, 0)).toBe(EVENTS);
  }, 180_000);
});
