// The server under soak, alone in its process (forked by bench/soak.ts): Polaris on
// Node as deployed (outbox on, sending to the Lark emulator over loopback), so the
// acknowledgements share the event loop with the inbox, the outbox and a job.
// argv: <json options>. IPC: {type:'ready', port}; {type:'job', name?} runs a job (the weekly
// digest by default) for every org, forced, and answers {type:'job-done', ms, messages}; {type:'stats'} answers the backlog;
// {type:'stop'} closes and exits.
import Database from 'better-sqlite3';

export interface SoakServerOptions {
  databasePath: string;
  appId: string;
  appSecret: string;
  verificationToken: string;
  encryptKey: string;
  larkDomain: string;
}

const options = JSON.parse(process.argv[2]) as SoakServerOptions;
// A long-running server loaded the Lark SDK long ago (its first import blocks the loop for seconds).
await import('@larksuiteoapi/node-sdk');
const { startNode } = await import('../src/node');
// Where the job list lives moved (jobs/registry.ts before the layering, src/jobs.ts after); the
// bench runs on either, so a before/after comparison can use the same file.
const { runJobNow } = (await import('../src/jobs').catch(() => import('../jobs/registry' as string))) as {
  runJobNow(
    services: unknown,
    name: string,
    options: { now: Date; force?: boolean },
  ): Promise<{ stats: Record<string, number> }[]>;
};
const node = await startNode({
  env: {},
  config: {
    port: 0,
    databasePath: options.databasePath,
    lark: {
      appId: options.appId,
      appSecret: options.appSecret,
      verificationToken: options.verificationToken,
      encryptKey: options.encryptKey,
      domain: options.larkDomain,
    },
  },
  quiet: true,
  scheduler: false,
  playground: false,
});

function backlog() {
  const db = new Database(options.databasePath, { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      inbox: count(`SELECT count(*) AS n FROM inbox WHERE status = 'pending'`),
      outboxPending: count(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`),
      outboxSent: count(`SELECT count(*) AS n FROM outbox WHERE status = 'sent'`),
      outboxFailed: count(`SELECT count(*) AS n FROM outbox WHERE status = 'failed'`),
      distinctNextAttemptSeconds: count(
        `SELECT count(DISTINCT substr(next_attempt_at, 1, 19)) AS n FROM outbox WHERE status = 'pending'`,
      ),
    };
  } finally {
    db.close();
  }
}

process.on('message', async (message: { type: string }) => {
  if (message.type === 'job') {
    const started = performance.now();
    const name = (message as { name?: string }).name ?? 'weekly-digest';
    // force: the same period may have run already (from the CLI, earlier in the bench).
    const results = await runJobNow(node.services, name, { now: new Date(), force: true });
    process.send!({
      type: 'job-done',
      ms: performance.now() - started,
      messages: results.reduce((n, r) => n + (r.stats.messages ?? 0), 0),
    });
  }
  if (message.type === 'stats')
    process.send!({
      type: 'stats',
      ...backlog(),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      // The server's CPU time since it started (less sensitive to a shared machine's load than latency).
      cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      handled: (() => {
        const db = new Database(options.databasePath, { readonly: true });
        try {
          return (db.prepare(`SELECT count(*) AS n FROM processed_events`).get() as { n: number }).n;
        } finally {
          db.close();
        }
      })(),
    });
  if (message.type === 'stop') {
    await node.stop();
    process.disconnect();
    process.exit(0);
  }
});
process.send!({ type: 'ready', port: node.port });
