// One server under test, alone in its process (forked by bench/webhook.ts) so
// its process.cpuUsage() is its own. argv: <polaris|sdk|bare> <json options>.
// IPC: sends {type:'ready', port, path}; answers {type:'cpu'} with process.cpuUsage() and answers by status;
// on {type:'stop'} closes and exits.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Each kind imports only what it runs, so no process carries another server's modules.

export type ServerKind = 'polaris' | 'delivered' | 'sdk' | 'bare';

export interface ServerOptions {
  databasePath: string;
  appId: string;
  appSecret: string;
  verificationToken: string;
  encryptKey: string;
  /** 'delivered': the Lark API (an emulator) the outbox delivers the replies to. */
  larkDomain?: string;
}

interface Running {
  port: number;
  path: string;
  server: { on(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown };
  close(): Promise<void>;
}

/**
 * Polaris as deployed on Node: verify, decrypt, parse, dedupe, handle, one transaction, answer.
 * `deliver`: the outbox is on and sends each reply to `larkDomain` (the Lark emulator); otherwise
 * it is manual and replies stay queued in SQLite.
 */
async function startPolaris(o: ServerOptions, deliver = false): Promise<Running> {
  // A long-running server loaded the Lark SDK long ago (its first import blocks the loop for seconds).
  if (deliver) await import('@larksuiteoapi/node-sdk');
  const { startNode } = await import('../src/node');
  const node = await startNode({
    env: {},
    config: {
      port: 0,
      databasePath: o.databasePath,
      lark: {
        appId: o.appId,
        appSecret: o.appSecret,
        verificationToken: o.verificationToken,
        encryptKey: o.encryptKey,
        domain: deliver && o.larkDomain ? o.larkDomain : 'http://127.0.0.1:9',
      },
    },
    quiet: true,
    outbox: deliver ? 'auto' : 'manual',
    scheduler: false,
    playground: false,
  });
  return {
    port: node.port,
    path: '/webhooks/lark',
    server: node.server as Running['server'],
    close: async () => {
      await node.stop();
    },
  };
}

/**
 * What a user would otherwise write: the official SDK's EventDispatcher behind
 * node:http through the SDK's own adaptDefault (read body, JSON.parse,
 * dispatcher.invoke with the headers attached, which checks the signature and
 * decrypts). The handler does nothing: no storage, no dedupe.
 * https://github.com/larksuite/node-sdk#event-handling
 */
async function startSdk(o: ServerOptions): Promise<Running> {
  const lark = await import('@larksuiteoapi/node-sdk');
  const dispatcher = new lark.EventDispatcher({
    encryptKey: o.encryptKey,
    verificationToken: o.verificationToken,
    loggerLevel: lark.LoggerLevel.error,
  }).register({ 'im.message.receive_v1': async () => {} });
  const path = '/webhook/event';
  const server = createServer(lark.adaptDefault(path, dispatcher));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    path,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The floor: a Hono POST route that does not even read the body. */
async function startBare(): Promise<Running> {
  const [{ serve }, { Hono }] = await Promise.all([import('@hono/node-server'), import('hono')]);
  const app = new Hono().post('/x', (c) => c.json({}));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    path: '/x',
    server: server as Running['server'],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const [kind, json] = process.argv.slice(2) as [ServerKind, string];
const options = JSON.parse(json) as ServerOptions;
const running =
  kind === 'polaris' || kind === 'delivered'
    ? await startPolaris(options, kind === 'delivered')
    : kind === 'sdk'
      ? await startSdk(options)
      : await startBare();

// Answers counted where they are sent. Requests the load generator abandons at the end
// of a run are still worked on; they count as 'aborted' (closed before an answer went out).
const answered: Record<string, number> = {};
running.server.on('request', (_req, res) => {
  res.on('close', () => {
    const key = res.writableFinished ? String(res.statusCode) : 'aborted';
    answered[key] = (answered[key] ?? 0) + 1;
  });
});

process.on('message', async (message: { type: string }) => {
  if (message.type === 'rss') process.send!({ type: 'rss', peakRssMb: process.resourceUsage().maxRSS / 1024 });
  if (message.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage(), answered: { ...answered } });
  if (message.type === 'stop') {
    await running.close();
    process.disconnect();
    process.exit(0);
  }
});
process.send!({ type: 'ready', port: running.port, path: running.path });
