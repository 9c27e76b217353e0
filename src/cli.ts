// `npx polaris <command>`: operator commands on the Node/SQLite deployment.
//   run-job <name> [--org <slug|id>] [--dry-run] [--no-send] [--force]
//   jobs                      list the scheduled jobs
//   backup <file>             online, consistent copy of the SQLite database
//   sync-directory --platform <p> [--org <slug|id>] [--dry-run]   sync the org chart from a platform directory
//   outbox list [--status failed|pending|sent] [--org <slug|id>] [--limit N]
//   outbox retry <id>         send a failed message again
//   rollups [--org <slug|id>] rebuild the stored roll-ups of every cycle (docs/okr-math.md)
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { mapCardText, plainCardText, type Card } from '../cards/model';
import { jobs, runJobNow } from './jobs';
import type { JobMessage } from '../jobs/types';
import { count } from 'drizzle-orm';
import { openSqlite } from '../storage/sqlite';
import { outbox } from '../storage/schema';
import { createPolaris } from './app';
import { PLATFORMS, type Platform, type PlatformAdapter } from '../bots/types';
import { loadConfig } from './config';
import { nodeInstance } from './node/instance';
import { systemClock } from '../core/clock';
import { ensureDefaultOrg } from './api/org';
import { runDirectorySync } from './directory/run';
import { listOutbox, OUTBOX_STATUSES, retryOutboxRow } from './outbox/admin';
import { findOrg } from './api/org';
import type { OutboxStatus } from '../storage/schema';
import { recomputeOrg } from '../storage/repos/rollup-store';

const USAGE = `Usage:
  polaris run-job <name> [--org <slug|id>] [--dry-run] [--no-send] [--force]
  polaris jobs
  polaris backup <file>   copy DATABASE_PATH to <file> while the server runs (never overwrites)
  polaris sync-directory --platform lark [--org <slug|id>] [--dry-run]
  polaris outbox list [--status failed|pending|sent] [--org <slug|id>] [--limit N]
  polaris outbox retry <id>
  polaris rollups [--org <slug|id>]   rebuild the stored OKR roll-ups from scratch (after an import)

Jobs: ${jobs.map((j) => j.name).join(', ')}
  --dry-run   print the cards instead of sending them (nothing is written)
  --no-send   enqueue into the outbox but leave delivery to the running server
  --force     run a period that already finished again (messages already enqueued are not repeated)

Without platform credentials in the environment, run-job enqueues every message
addressed to each person's primary platform and leaves delivery to the running
server (which has the credentials); nothing is lost or consumed.`;

// The command's own output, not log lines: results and cards go to stdout, progress and
// problems to stderr, whatever LOG_LEVEL says.
// biome-ignore lint/suspicious/noConsole: the command's own output
const print = (text: string) => console.log(text);
// biome-ignore lint/suspicious/noConsole: the command's own output
const complain = (text: string) => console.error(text);

/** A card as plain text for the terminal. */
export function cardAsText(input: Card): string {
  const card = mapCardText(input, plainCardText);
  const lines = [`┌ ${card.header.title}${card.header.subtitle ? ` — ${card.header.subtitle}` : ''}`];
  for (const b of card.blocks) {
    switch (b.type) {
      case 'markdown':
      case 'note':
        lines.push(
          ...b.text
            .replace(/\*\*/g, '')
            .split('\n')
            .map((l) => `│ ${l}`),
        );
        break;
      case 'progress':
        lines.push(
          `│ ${b.label.replace(/\*\*/g, '')}  ${'█'.repeat(Math.round(Math.min(b.percent, 100) / 10)).padEnd(10, '░')} ${b.percent}%${b.detail ? `  ${b.detail}` : ''}`,
        );
        break;
      case 'fields':
        for (const f of b.fields) lines.push(`│ ${f.label}: ${f.value}`);
        break;
      case 'actions':
        lines.push(`│ ${b.buttons.map((x) => `[${x.text}]`).join(' ')}`);
        break;
      case 'divider':
        lines.push('├────────');
        break;
    }
  }
  return `${lines.join('\n')}\n└`;
}

export async function main(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      'no-send': { type: 'boolean' },
      platform: { type: 'string' },
      force: { type: 'boolean' },
      status: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    print(USAGE);
    return command ? 0 : 1;
  }
  if (command === 'jobs') {
    for (const j of jobs)
      print(`${j.name.padEnd(20)} ${j.schedule.padEnd(14)} per ${j.period.padEnd(5)} ${j.description}`);
    return 0;
  }
  if (command === 'backup') return backup(name, loadConfig(env).databasePath);
  if (command === 'sync-directory') return syncDirectoryCommand(values, env);
  if (command === 'outbox') return outboxCommand(name, positionals[2], values, env);
  if (command === 'rollups') return rollupsCommand(values, env);
  if (command !== 'run-job' || !name) {
    complain(USAGE);
    return 1;
  }
  if (!jobs.some((j) => j.name === name)) {
    complain(`Unknown job "${name}".\n${USAGE}`);
    return 1;
  }

  const config = loadConfig(env);
  const store = openSqlite(config.databasePath);
  try {
    const dryRun = !!values['dry-run'];
    // A dry run on a server with no platform configured still shows every card, addressed as
    // if all three platforms were on; nothing can be sent through these stand-ins.
    const unconfigured = dryRun && !config.lark && !config.wecom && !config.dingtalk;
    if (unconfigured) complain('no platform is configured: showing the cards as if Lark, WeCom and DingTalk all were');
    // Not a dry run and no credentials here: address every platform and let the server deliver.
    const enqueueOnly = !dryRun && !config.lark && !config.wecom && !config.dingtalk;
    const { services } = createPolaris({
      store,
      config,
      adapters: unconfigured ? PLATFORMS.map(dryRunAdapter) : undefined,
      instance: nodeInstance(),
      addressablePlatforms: enqueueOnly ? PLATFORMS : undefined,
    });
    const [{ before }] = await store.db.select({ before: count() }).from(outbox);
    const started = Date.now();
    const printed: JobMessage[] = [];
    const results = await runJobNow(services, name, {
      orgIds: values.org,
      dryRun,
      force: !!values.force,
      log: complain,
      onMessage: (m) => {
        printed.push(m);
        print(`\n→ ${m.to.platform} ${m.to.kind} ${m.to.id} (${m.subject})`);
        print(m.message.card ? cardAsText(m.message.card) : m.message.text);
      },
    });
    for (const r of results)
      complain(
        `${r.job} ${r.orgId} ${r.period}: ${r.outcome} ${JSON.stringify(r.stats)}${r.error ? ` — ${r.error}` : ''}`,
      );
    const [{ after }] = await store.db.select({ after: count() }).from(outbox);
    complain(
      dryRun
        ? `dry run: ${printed.length} messages in ${Date.now() - started} ms`
        : `${after - before} messages enqueued in ${Date.now() - started} ms`,
    );
    for (const r of results)
      if (r.outcome === 'already_done')
        complain(`${r.job} ${r.period} already ran for ${r.orgId}; add --force to run it again`);
    if (enqueueOnly && after > before)
      complain(
        'no platform credentials in this environment: the messages wait in the outbox for the running server to deliver them',
      );
    if (!dryRun && !values['no-send'] && services.adapters.size) {
      const report = await services.outbox.drain();
      complain(`delivered: ${JSON.stringify(report)}`);
    }
    return results.some((r) => r.outcome === 'failed') ? 2 : 0;
  } finally {
    store.close();
  }
}

/** `polaris sync-directory`: one sync on the SQLite file, with progress lines on stderr and the summary on stdout. */
async function syncDirectoryCommand(
  values: { platform?: string; org?: string[]; 'dry-run'?: boolean },
  env: Record<string, string | undefined>,
): Promise<number> {
  const platform = values.platform as Platform | undefined;
  if (!platform || !PLATFORMS.includes(platform)) {
    complain(`--platform must be one of ${PLATFORMS.join(', ')}\n${USAGE}`);
    return 1;
  }
  const config = loadConfig(env);
  const store = openSqlite(config.databasePath);
  try {
    const wanted = values.org?.[0];
    const org = wanted ? await findOrg(store, wanted) : await ensureDefaultOrg(store);
    if (!org) {
      complain(`No organisation "${wanted}".`);
      return 1;
    }
    const started = Date.now();
    let last = '';
    const summary = await runDirectorySync(store, config, org, platform, {
      dryRun: !!values['dry-run'],
      clock: systemClock,
      onProgress: (p) => {
        const line = p.phase === 'departments' ? `departments ${p.done}` : `people: departments ${p.done}/${p.total}`;
        // One line per 10% (and the last) keeps large directories readable.
        const step = p.phase === 'people' ? Math.floor((p.done * 10) / Math.max(1, p.total)) : p.done;
        const key = `${p.phase}:${step}`;
        if (key !== last || p.done === p.total) complain(line);
        last = key;
      },
    });
    print(JSON.stringify(summary, null, 2));
    complain(`${summary.dry_run ? 'dry run: ' : ''}synced ${platform} into ${org.slug} in ${Date.now() - started} ms`);
    return 0;
  } catch (err) {
    complain(err instanceof Error ? err.message : String(err));
    return 2;
  } finally {
    store.close();
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) process.exitCode = await main(process.argv.slice(2));

/**
 * An online backup with SQLite's backup API (better-sqlite3 `db.backup()`): consistent as of one
 * moment, safe beside the running server (WAL: the copy reads while the server writes). Written to
 * a temporary name, checked with `PRAGMA integrity_check`, then renamed, so `<file>` is either a
 * whole, checked backup or absent.
 */
export async function backup(target: string | undefined, databasePath: string): Promise<number> {
  if (!target) {
    complain(`backup: name the file to write, e.g. polaris backup backups/polaris-$(date +%F).db\n${USAGE}`);
    return 1;
  }
  if (existsSync(target)) {
    complain(`backup: ${target} already exists; backups never overwrite, choose a new name`);
    return 1;
  }
  if (databasePath === ':memory:' || !existsSync(databasePath)) {
    complain(`backup: no database at ${databasePath} (set DATABASE_PATH)`);
    return 1;
  }
  const started = Date.now();
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  // Read-write handle, used only to read: a read-only one cannot open a WAL database whose -shm is missing.
  const source = new Database(databasePath, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    // After the first step, copy all remaining pages in one step: a write by the server between
    // steps would restart the copy, which under steady traffic might never finish.
    await source.backup(partial, { progress: () => 1_000_000_000 });
    const copy = new Database(partial, { fileMustExist: true });
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity_check on the copy: ${check}`);
      // A standalone file: no -wal/-shm needed next to it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    complain(`backup failed: ${error instanceof Error ? error.message : error}`);
    return 2;
  } finally {
    source.close();
  }
  complain(
    `backup: ${databasePath} → ${target} (${statSync(target).size} bytes, integrity ok) in ${Date.now() - started} ms`,
  );
  return 0;
}

function dryRunAdapter(platform: Platform): PlatformAdapter {
  const refuse = async (): Promise<never> => {
    throw new Error('dry run: nothing is sent');
  };
  return {
    platform,
    webhookPaths: [],
    inlineCardUpdates: false,
    limits: { perSecond: 1 },
    handleWebhook: async () => new Response(null, { status: 404 }),
    send: refuse,
    update: refuse,
  };
}

/** `polaris outbox list|retry`: what could not be delivered, and sending it again. */
async function outboxCommand(
  sub: string | undefined,
  id: string | undefined,
  values: { org?: string[]; status?: string; limit?: string },
  env: Record<string, string | undefined>,
): Promise<number> {
  if (sub !== 'list' && !(sub === 'retry' && id)) {
    complain(USAGE);
    return 1;
  }
  const status = (values.status ?? 'failed') as OutboxStatus;
  if (!OUTBOX_STATUSES.includes(status)) {
    complain(`--status must be one of ${OUTBOX_STATUSES.join(', ')}`);
    return 1;
  }
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) {
    complain('--limit must be a positive integer');
    return 1;
  }
  const store = openSqlite(loadConfig(env).databasePath);
  try {
    let orgId: string | undefined;
    if (values.org?.length) {
      const org = await findOrg(store, values.org[0]);
      if (!org) {
        complain(`No organisation "${values.org[0]}".`);
        return 1;
      }
      orgId = org.id;
    }
    if (sub === 'retry') {
      const result = await retryOutboxRow(store, id!, new Date(), orgId);
      if (!result.ok) {
        complain(
          result.reason === 'not_found'
            ? `No outbox message ${id}.`
            : `Outbox message ${id} is ${result.row?.status}, not failed: only failed messages can be sent again.`,
        );
        return 1;
      }
      print(`${id} is queued again; the running server sends it within a second.`);
      return 0;
    }
    const rows = await listOutbox(store, { status, orgId, limit });
    for (const r of rows.slice(0, limit)) {
      const to = r.target as { kind?: string; id?: string };
      print(
        [
          r.id,
          r.platform,
          r.operation === 'send' ? `${to.kind}:${to.id}` : 'update',
          `attempts ${r.attempts}`,
          r.failedAt ?? r.createdAt,
          r.lastError ?? '',
        ]
          .join('  ')
          .trim(),
      );
    }
    complain(
      `${Math.min(rows.length, limit)} ${status} message(s)${rows.length > limit ? ` (more: --limit ${limit * 2})` : ''}`,
    );
    return 0;
  } finally {
    store.close();
  }
}

/** `polaris rollups`: every cycle's stored roll-ups rebuilt from the source tables, per org. */
async function rollupsCommand(values: { org?: string[] }, env: Record<string, string | undefined>): Promise<number> {
  const config = loadConfig(env);
  const store = openSqlite(config.databasePath);
  try {
    const orgs = [];
    if (values.org?.length) {
      for (const wanted of values.org) {
        const org = await findOrg(store, wanted);
        if (!org) {
          complain(`No organisation "${wanted}".`);
          return 1;
        }
        orgs.push(org);
      }
    } else orgs.push(await ensureDefaultOrg(store));
    for (const org of orgs) {
      const started = Date.now();
      const now = new Date();
      const cycles = await recomputeOrg(store, org.id, now, org.settings?.timezone ?? config.defaultTimezone);
      for (const c of cycles)
        print(`${org.slug} ${c.cycleId}: ${c.objectives} objectives, ${c.keyResults} key results`);
      print(`${org.slug}: ${cycles.length} cycles rebuilt in ${Date.now() - started} ms`);
    }
    return 0;
  } finally {
    store.close();
  }
}
