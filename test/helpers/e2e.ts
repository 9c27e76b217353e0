// End-to-end stack over real HTTP: the Polaris Node server on a free port with
// a fresh SQLite file, and the platform emulators on their own ports, each
// pointed at the other exactly as a deployment would be configured.
import { createLarkEmulator, serveLarkEmulator, type LarkEmulator } from '../../bots/lark/emulator';
import { createWecomEmulator, serveWecomEmulator, type WecomEmulator } from '../../bots/wecom/emulator';
import { createDingtalkEmulator, type DingtalkEmulator } from '../../bots/dingtalk/emulator';
import { startEmulatorServer } from '../../bots/dingtalk/stream-gateway';
import { startNode } from '../../src/node';
import { freePort } from '../../src/node/free-port';
import type { Config } from '../../src/config';
import { tempDbPath } from './app';
import type { Clock } from '../../core/clock';

export { freePort };

export const LARK = {
  appId: 'cli_test_app',
  appSecret: 'lark-secret',
  verificationToken: 'lark-verify-token',
  encryptKey: 'lark-encrypt-key',
};

export const WECOM = {
  corpId: 'ww_e2e_corp',
  agentId: '1000002',
  secret: 'wecom-secret',
  token: 'wecomtoken',
  // 43 base64 characters, like the console generates.
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

export const DINGTALK = {
  clientId: 'dinge2eapp',
  clientSecret: 'dingtalk-secret',
  robotCode: 'dinge2eapp',
  callbackToken: 'dingcallbacktoken',
  callbackAesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
  cardTemplateId: 'polaris_generic.schema',
};

export interface StackOptions {
  lark?: boolean;
  /** Serve the WeCom emulator and configure the server for it (through WECOM_* env vars). */
  wecom?: boolean;
  /** Serve the DingTalk emulator (API + Stream gateway) and run the server in that mode (DINGTALK_* env vars). */
  dingtalk?: false | 'http' | 'stream';
  /** Configure DINGTALK_CARD_TEMPLATE_ID (default true): interactive cards instead of markdown. */
  dingtalkCardTemplate?: boolean;
  /** Reuse a database file (restart scenarios). */
  dbPath?: string;
  /** Leave the outbox alone after events (crash-between-store-and-send scenarios). */
  deliverImmediately?: boolean;
  env?: Record<string, string>;
  /** The server's clock (default: the system clock). */
  clock?: Clock;
}

export async function startStack(options: StackOptions = {}) {
  const db = options.dbPath ? { path: options.dbPath, cleanup: () => {} } : tempDbPath();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const closers: (() => Promise<void>)[] = [];

  let lark: (LarkEmulator & { url: string }) | undefined;
  const config: Partial<Config> = { port, databasePath: db.path };
  if (options.lark !== false) {
    const emulator = createLarkEmulator({
      ...LARK,
      webhookUrl: `${base}/webhooks/lark`,
      retryDelaysMs: [50, 100, 200, 400],
    });
    const served = await serveLarkEmulator(emulator, 0);
    closers.push(served.close);
    lark = Object.assign(emulator, { url: served.url });
    config.lark = { ...LARK, domain: served.url };
  }

  // WeCom and DingTalk are configured through env vars, as a deployment would be (config.ts parses them).
  const env: Record<string, string> = { ADMIN_TOKEN: 'e2e-admin-token-0123456789abcdef' };
  let wecom: (WecomEmulator & { url: string }) | undefined;
  if (options.wecom) {
    const emulator = createWecomEmulator({
      ...WECOM,
      webhookUrl: `${base}/webhooks/wecom`,
      deliveryTimeoutMs: 2000,
      retries: 3,
      retryDelayMs: 20,
    });
    const served = await serveWecomEmulator(emulator, 0);
    closers.push(served.close);
    wecom = Object.assign(emulator, { url: served.url });
    Object.assign(env, {
      WECOM_CORP_ID: WECOM.corpId,
      WECOM_AGENT_ID: WECOM.agentId,
      WECOM_SECRET: WECOM.secret,
      WECOM_TOKEN: WECOM.token,
      WECOM_ENCODING_AES_KEY: WECOM.encodingAesKey,
      WECOM_API_BASE: served.url,
      // Settled (buttonless) cards become text_notice cards opening the dashboard here.
      PUBLIC_URL: base,
    });
  }

  let dingtalk: (DingtalkEmulator & { url: string }) | undefined;
  if (options.dingtalk) {
    const http = options.dingtalk === 'http';
    // In Stream mode the emulator has no webhook URLs: messages and clicks go over the websocket.
    const emulator = createDingtalkEmulator({
      ...DINGTALK,
      ...(http ? { webhookUrl: `${base}/webhooks/dingtalk`, eventsUrl: `${base}/webhooks/dingtalk/events` } : {}),
      repushAfterMs: 300,
      maxPushAttempts: 10,
    });
    const served = await startEmulatorServer(emulator);
    closers.push(served.close);
    dingtalk = Object.assign(emulator, { url: served.url });
    Object.assign(env, {
      DINGTALK_CLIENT_ID: DINGTALK.clientId,
      DINGTALK_CLIENT_SECRET: DINGTALK.clientSecret,
      DINGTALK_ROBOT_CODE: DINGTALK.robotCode,
      DINGTALK_MODE: options.dingtalk,
      DINGTALK_API_BASE: served.url,
      DINGTALK_CALLBACK_TOKEN: DINGTALK.callbackToken,
      DINGTALK_CALLBACK_AES_KEY: DINGTALK.callbackAesKey,
      // HTTP mode registers <PUBLIC_URL>/webhooks/dingtalk/card as the card callback URL.
      PUBLIC_URL: base,
      ...(options.dingtalkCardTemplate === false ? {} : { DINGTALK_CARD_TEMPLATE_ID: DINGTALK.cardTemplateId }),
    });
  }

  const server = await startNode({
    env: { ...env, ...options.env },
    config,
    quiet: true,
    // Jobs fire by the wall clock; tests that want them drive them by hand.
    scheduler: false,
    outbox: options.deliverImmediately === false ? 'manual' : 'auto',
    clock: options.clock,
  });
  return {
    base,
    server,
    store: server.store,
    services: server.services,
    lark,
    wecom,
    dingtalk,
    dbPath: db.path,
    /** Waits until received events are handled and the outbox has nothing due (sent or parked for retry). */
    async flush() {
      await server.services.inbox.drain();
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
