// End-to-end stack over real HTTP: the Polaris Node server on a free port with
// a fresh SQLite file, and the platform emulators on their own ports, each
// pointed at the other exactly as a deployment would be configured.
import { createServer } from 'node:net';
import { createLarkEmulator, serveLarkEmulator, type LarkEmulator } from '../../bots/lark/emulator';
import { startNode } from '../../src/node';
import type { Config } from '../../src/config';
import { tempDbPath } from './app';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export const LARK = { appId: 'cli_test_app', appSecret: 'lark-secret', verificationToken: 'lark-verify-token', encryptKey: 'lark-encrypt-key' };

export interface StackOptions {
  lark?: boolean;
  /** Reuse a database file (restart scenarios). */
  dbPath?: string;
  /** Leave the outbox alone after events (crash-between-store-and-send scenarios). */
  deliverImmediately?: boolean;
  env?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}) {
  const db = options.dbPath ? { path: options.dbPath, cleanup: () => {} } : tempDbPath();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const closers: (() => Promise<void>)[] = [];

  let lark: (LarkEmulator & { url: string }) | undefined;
  const config: Partial<Config> = { port, databasePath: db.path };
  if (options.lark !== false) {
    const emulator = createLarkEmulator({ ...LARK, webhookUrl: `${base}/webhooks/lark`, retryDelaysMs: [50, 100, 200, 400] });
    const served = await serveLarkEmulator(emulator, 0);
    closers.push(served.close);
    lark = Object.assign(emulator, { url: served.url });
    config.lark = { ...LARK, domain: served.url };
  }

  const server = await startNode({
    env: { ADMIN_TOKEN: 'e2e-admin', ...options.env }, config, quiet: true,
    outbox: options.deliverImmediately === false ? 'manual' : 'auto',
  });
  return {
    base, server, store: server.store, services: server.services, lark, dbPath: db.path,
    /** Waits until the outbox has nothing due (messages sent or parked for retry). */
    async flush() {
      await server.services.outbox.drain();
    },
    async stop(options: { keepDb?: boolean } = {}) {
      await server.stop();
      for (const close of closers.reverse()) await close();
      if (!options.keepDb) db.cleanup();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
