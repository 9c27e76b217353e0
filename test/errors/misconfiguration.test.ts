// Known misconfigurations answer with their fix: each platform's emulator is set up the way
// the console would be, the adapter with one setting that differs, and both the answer (to
// the platform, or the outbox's error) and the log line must name the setting to change,
// with a stable code.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inMemoryFirstUse } from '../../bots/common/first-use';
import { asCodedError } from '../../core/errors';
import { createDingtalkEmulator } from '../../bots/dingtalk/emulator';
import { createDingtalkAdapter } from '../../bots/dingtalk/index';
import { robotSign } from '../../bots/dingtalk/verify';
import { encryptLarkPayload } from '../../bots/lark/crypto';
import { createLarkEmulator } from '../../bots/lark/emulator';
import { createLarkAdapter } from '../../bots/lark/index';
import type { BotEvent, EventResult, WebhookContext } from '../../bots/types';
import { DeliveryError } from '../../bots/types';
import { createWecomEmulator } from '../../bots/wecom/emulator';
import { createWecomAdapter } from '../../bots/wecom/index';

const NOW = new Date('2026-11-27T02:00:00Z');
const now = () => NOW;

function context() {
  const events: BotEvent[] = [];
  const ctx: WebhookContext = {
    now,
    firstUse: inMemoryFirstUse(),
    defer: () => {},
    dispatch: async (e): Promise<EventResult> => {
      events.push(e);
      return {};
    },
  };
  return { ctx, events };
}

/** Every line the logger writes at warn and error, as text. */
function logged() {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  vi.spyOn(console, 'warn').mockImplementation(keep);
  vi.spyOn(console, 'error').mockImplementation(keep);
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('Lark', () => {
  const creds = { appId: 'cli_misconfig', appSecret: 'console-secret', verificationToken: 'console-token' };
  const ENCRYPT_FIX =
    'LARK_ENCRYPT_KEY does not match the Encrypt Key in the Lark developer console (事件与回调 → 加密策略)';

  function setup(server: { encryptKey?: string; verificationToken?: string; appSecret?: string }) {
    const { ctx, events } = context();
    const emulator = createLarkEmulator({
      ...creds,
      encryptKey: 'console-encrypt-key',
      webhookUrl: 'http://polaris.test/webhooks/lark',
      now,
      fetch: async (input, init) => adapter.handleWebhook(new Request(input, init), ctx, ''),
      retryDelaysMs: [],
    });
    const adapter = createLarkAdapter(
      {
        ...creds,
        domain: 'http://lark.test',
        encryptKey: server.encryptKey ?? 'console-encrypt-key',
        verificationToken: server.verificationToken ?? creds.verificationToken,
        appSecret: server.appSecret ?? creds.appSecret,
      },
      { now, transport: 'rest', fetch: async (input, init) => emulator.app.fetch(new Request(input, init)) },
    );
    return { emulator, adapter, ctx, events };
  }

  it('a wrong LARK_ENCRYPT_KEY: the signed push is refused, and the answer and the log say what to compare', async () => {
    const lines = logged();
    const { emulator, events } = setup({ encryptKey: 'another-key' });
    const delivery = await emulator.deliverMessage({ openId: 'ou_a', text: '我的OKR' });
    expect(delivery.status).toBe(401);
    expect(delivery.body).toMatchObject({ error: { code: 'bad_signature' } });
    expect((delivery.body as { error: { message: string } }).error.message).toContain(ENCRYPT_FIX);
    expect(events).toHaveLength(0);
    expect(lines.join('\n')).toContain(ENCRYPT_FIX);
    expect(lines.join('\n')).toContain('code=bad_signature');
  });

  it('a wrong LARK_ENCRYPT_KEY: an unsigned encrypted body that does not decrypt says the same', async () => {
    const lines = logged();
    const { adapter, ctx } = setup({ encryptKey: 'another-key' });
    const encrypt = await encryptLarkPayload('console-encrypt-key', JSON.stringify({ type: 'url_verification' }));
    const response = await adapter.handleWebhook(
      new Request('http://polaris.test/webhooks/lark', { method: 'POST', body: JSON.stringify({ encrypt }) }),
      ctx,
      '',
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('decrypt_failed');
    expect(body.error.message).toContain(ENCRYPT_FIX);
    expect(lines.join('\n')).toContain('code=decrypt_failed');
  });

  it('a wrong LARK_VERIFICATION_TOKEN names that setting', async () => {
    logged();
    const { emulator } = setup({ verificationToken: 'another-token' });
    const delivery = await emulator.deliverMessage({ openId: 'ou_a', text: '我的OKR' });
    expect(delivery.status).toBe(401);
    expect(delivery.body).toMatchObject({ error: { code: 'bad_token' } });
    expect(JSON.stringify(delivery.body)).toContain('LARK_VERIFICATION_TOKEN does not match the Verification Token');
  });

  it('an invalid app secret (Lark 10014) is invalid_credentials and names LARK_APP_SECRET', async () => {
    const { adapter } = setup({ appSecret: 'wrong-secret' });
    const error = await rejection(
      adapter.send({ platform: 'lark', kind: 'user', id: 'ou_a' }, { text: 'hi' }, { idempotencyKey: 'k1' }),
    );
    expect(error).toMatchObject({ name: 'DeliveryError', code: 'invalid_credentials', platformCode: 10014 });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('LARK_APP_SECRET does not match');
  });
});

describe('WeCom', () => {
  const console_ = {
    corpId: 'ww_misconfig',
    agentId: '1000002',
    secret: 'console-secret',
    token: 'consoletoken',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  };

  function setup(server: Partial<typeof console_>, emulatorOptions: { trustedIps?: string[]; callerIp?: string } = {}) {
    const { ctx, events } = context();
    const emulator = createWecomEmulator({
      ...console_,
      ...emulatorOptions,
      users: ['zhangsan'],
      webhookUrl: 'http://polaris.test/webhooks/wecom',
      now,
      retries: 0,
      fetch: async (input, init) => adapter.handleWebhook(new Request(input as string, init), ctx, ''),
    });
    const adapter = createWecomAdapter(
      { ...console_, ...server, apiBase: 'http://wecom.test' },
      { now, fetch: async (input, init) => emulator.app.fetch(new Request(input as string, init)) },
    );
    return { emulator, adapter, events };
  }

  const to = { platform: 'wecom' as const, kind: 'user' as const, id: 'zhangsan' };

  it("a server IP off the app's 企业可信IP list (errcode 60020) says to add it there", async () => {
    const lines = logged();
    const { adapter } = setup({}, { trustedIps: ['203.0.113.7'], callerIp: '198.51.100.20' });
    const error = await rejection(adapter.send(to, { text: '你好' }, { idempotencyKey: 'ip1' }));
    expect(error).toMatchObject({
      name: 'DeliveryError',
      code: 'ip_not_allowed',
      platformCode: 60020,
      retryable: false,
    });
    expect(error.message).toContain('from ip: 198.51.100.20');
    expect(error.message).toContain("add this server's public IP address");
    expect(error.message).toContain('应用管理 → the app → 企业可信IP');
    // The code survives being treated as any error.
    expect(asCodedError(error).code).toBe('ip_not_allowed');
    expect(lines).toHaveLength(0);
  });

  it('a wrong WECOM_SECRET (errcode 40001) is invalid_credentials and names WECOM_SECRET', async () => {
    const { adapter } = setup({ secret: 'wrong' });
    const error = await rejection(adapter.send(to, { text: '你好' }, { idempotencyKey: 's1' }));
    expect(error).toMatchObject({ code: 'invalid_credentials', platformCode: 40001 });
    expect(error.message).toContain("WECOM_SECRET does not match the app's Secret");
  });

  it('a wrong WECOM_TOKEN: the console check and callbacks are refused, naming WECOM_TOKEN', async () => {
    const lines = logged();
    const { emulator, events } = setup({ token: 'anothertoken' });
    const check = await emulator.verifyUrl();
    expect(check.ok).toBe(false);
    expect(check.status).toBe(401);
    expect(String(check.body)).toMatch(/^bad_signature: /);
    expect(String(check.body)).toContain('WECOM_TOKEN does not match the Token');
    expect((await emulator.deliverText({ userid: 'zhangsan', content: '我的OKR' })).status).toBe(401);
    expect(events).toHaveLength(0);
    expect(lines.join('\n')).toContain('WECOM_TOKEN does not match the Token');
  });

  it('a wrong WECOM_ENCODING_AES_KEY (token right) is decrypt_failed, naming WECOM_ENCODING_AES_KEY', async () => {
    const lines = logged();
    const { emulator } = setup({ encodingAesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg' });
    const check = await emulator.verifyUrl();
    expect(check.status).toBe(400);
    expect(String(check.body)).toMatch(/^decrypt_failed: /);
    expect(String(check.body)).toContain('WECOM_ENCODING_AES_KEY does not match the EncodingAESKey');
    expect(lines.join('\n')).toContain('code=decrypt_failed');
  });

  it('a wrong WECOM_CORP_ID (the callback is for another corp) names WECOM_CORP_ID', async () => {
    logged();
    const { emulator } = setup({ corpId: 'ww_other' });
    const check = await emulator.verifyUrl();
    expect(check.status).toBe(400);
    expect(String(check.body)).toContain('WECOM_CORP_ID does not match');
  });
});

describe('DingTalk', () => {
  const console_ = {
    clientId: 'dingmisconfig',
    clientSecret: 'console-secret',
    robotCode: 'dingmisconfig',
    callbackToken: 'consoletoken',
    callbackAesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
  };

  function setup(server: Partial<typeof console_>) {
    const { ctx, events } = context();
    const emulator = createDingtalkEmulator({
      ...console_,
      webhookUrl: 'http://polaris.test/webhooks/dingtalk',
      eventsUrl: 'http://polaris.test/webhooks/dingtalk/events',
      now,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = new URL(String(input));
        if (url.host === 'polaris.test')
          return adapter.handleWebhook(new Request(url, init), ctx, url.pathname.endsWith('/events') ? '/events' : '');
        return emulator.app.fetch(new Request(url, init));
      }) as typeof fetch,
    });
    const adapter = createDingtalkAdapter(
      { ...console_, ...server, mode: 'http', apiBase: 'http://dingtalk.test' },
      { now, fetch: async (input, init) => emulator.app.fetch(new Request(input as string, init)) },
    );
    return { emulator, adapter, ctx, events };
  }

  it('a wrong DINGTALK_CLIENT_SECRET: the access token is refused as invalid_credentials, naming both settings', async () => {
    const { adapter } = setup({ clientSecret: 'wrong' });
    const error = await rejection(
      adapter.send({ platform: 'dingtalk', kind: 'user', id: 'staff1' }, { text: '你好' }, { idempotencyKey: 'd1' }),
    );
    expect(error).toMatchObject({ code: 'invalid_credentials', platformCode: 'invalidClientIdOrSecret' });
    expect(error.message).toContain('DINGTALK_CLIENT_ID or DINGTALK_CLIENT_SECRET does not match');
  });

  it('a robot message signed with another app secret names DINGTALK_CLIENT_SECRET', async () => {
    logged();
    const { adapter, ctx, events } = setup({ clientSecret: 'wrong' });
    const timestamp = String(NOW.getTime());
    const response = await adapter.handleWebhook(
      new Request('http://polaris.test/webhooks/dingtalk', {
        method: 'POST',
        headers: { timestamp, sign: await robotSign(console_.clientSecret, timestamp) },
        body: JSON.stringify({ msgId: 'm1' }),
      }),
      ctx,
      '',
    );
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_signature');
    expect(body.error.message).toContain('DINGTALK_CLIENT_SECRET does not match');
    expect(events).toHaveLength(0);
  });

  it('a wrong DINGTALK_CALLBACK_TOKEN or DINGTALK_CALLBACK_AES_KEY fails the console check, naming the setting', async () => {
    const lines = logged();
    const wrongToken = await setup({ callbackToken: 'another' }).emulator.checkUrl();
    expect(wrongToken.status).toBe(401);
    expect(JSON.stringify(wrongToken.body)).toContain('DINGTALK_CALLBACK_TOKEN does not match the 签名 Token');

    const wrongKey = await setup({ callbackAesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg' }).emulator.checkUrl();
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body).toMatchObject({ error: { code: 'decrypt_failed' } });
    expect(JSON.stringify(wrongKey.body)).toContain('DINGTALK_CALLBACK_AES_KEY does not match the 加密 aes_key');
    expect(lines.join('\n')).toContain('DINGTALK_CALLBACK_AES_KEY does not match');
  });
});
