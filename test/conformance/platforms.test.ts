// Protocol conformance: one suite run against all three platform emulators over real HTTP,
// in the spirit of vercel/chat's shared adapter tests. Each case states a documented
// platform behaviour (docs/platform-facts.md lists the source of every one) and checks both
// sides: the emulator refuses or answers exactly as the platform does, and the adapter copes.
// Time is an injected clock shared by the emulator and the adapter; nothing sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import type { Card } from '../../cards/model';
import { DeliveryError, type Address, type PlatformAdapter } from '../../bots/types';
import { createLarkEmulator, serveLarkEmulator, type LarkEmulator } from '../../bots/lark/emulator';
import { createLarkAdapter } from '../../bots/lark';
import { createWecomEmulator, serveWecomEmulator, type WecomEmulator } from '../../bots/wecom/emulator';
import { createWecomAdapter } from '../../bots/wecom';
import { createDingtalkEmulator, type DingtalkEmulator } from '../../bots/dingtalk/emulator';
import { startEmulatorServer } from '../../bots/dingtalk/stream-gateway';
import { createDingtalkAdapter } from '../../bots/dingtalk';

const START = Date.parse('2026-11-27T02:00:00Z');

const card: Card = {
  header: { title: '本周进度', color: 'blue' },
  blocks: [
    { type: 'markdown', text: 'KR1 每节课后收集有效反馈' },
    { type: 'actions', buttons: [{ text: '更新进度', actionId: 'kr.open', value: { kr: 'kr1' } }] },
  ],
};

interface Running {
  adapter: PlatformAdapter;
  to: Address;
  /** Access-token requests the platform has answered. */
  tokenRequests(): number;
  /** API calls the platform refused because the token was invalid or expired. */
  tokenRefusals(): number;
  /** Messages and cards the recipient can see. */
  visibleToRecipient(): number;
  revokeTokens(): void;
  close(): Promise<void>;
}

interface Driver {
  platform: 'lark' | 'wecom' | 'dingtalk';
  /** Lifetime the emulator gives a token, and how long before that the client refreshes. */
  tokenTtlMs: number;
  refreshMarginMs: number;
  start(now: () => Date): Promise<Running>;
}

const lark: Driver = {
  platform: 'lark',
  tokenTtlMs: 7200_000,
  refreshMarginMs: 3 * 60_000,
  async start(now) {
    const emulator: LarkEmulator = createLarkEmulator({
      appId: 'cli_conf',
      appSecret: 'conf-secret',
      verificationToken: 'conf-verify',
      now,
    });
    const served = await serveLarkEmulator(emulator, 0);
    const adapter = createLarkAdapter(
      {
        appId: 'cli_conf',
        appSecret: 'conf-secret',
        verificationToken: 'conf-verify',
        encryptKey: 'conf-encrypt-key',
        domain: served.url,
      },
      { now },
    );
    const calls = (path: string) => emulator.calls.filter((c) => c.path === path);
    return {
      adapter,
      to: { platform: 'lark', kind: 'user', id: 'ou_conf_user' },
      tokenRequests: () => calls('/open-apis/auth/v3/tenant_access_token/internal').length,
      tokenRefusals: () =>
        emulator.calls.filter((c) => [99991661, 99991663].includes((c.response as { code?: number })?.code ?? 0))
          .length,
      visibleToRecipient: () => [...emulator.messages.values()].filter((m) => m.receiveId === 'ou_conf_user').length,
      revokeTokens: () => emulator.revokeTokens(),
      close: served.close,
    };
  },
};

const WECOM = {
  corpId: 'ww_conf',
  agentId: '1000002',
  secret: 'conf-secret',
  token: 'conftoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
let wecomEmulator: WecomEmulator | undefined;
const wecom: Driver = {
  platform: 'wecom',
  tokenTtlMs: 7200_000,
  refreshMarginMs: 5 * 60_000,
  async start(now) {
    const emulator = createWecomEmulator({ ...WECOM, now });
    wecomEmulator = emulator;
    const served = await serveWecomEmulator(emulator, 0);
    const adapter = createWecomAdapter({ ...WECOM, apiBase: served.url }, { now });
    return {
      adapter,
      to: { platform: 'wecom', kind: 'user', id: 'conf_user' },
      tokenRequests: () => emulator.calls.filter((c) => c.path === '/cgi-bin/gettoken').length,
      tokenRefusals: () => emulator.calls.filter((c) => [40014, 42001].includes(c.response.errcode)).length,
      visibleToRecipient: () => [...emulator.messages.values()].filter((m) => m.delivered.includes('conf_user')).length,
      revokeTokens: () => emulator.invalidateTokens(),
      close: served.close,
    };
  },
};

let dingtalkEmulator: DingtalkEmulator | undefined;
const dingtalk: Driver = {
  platform: 'dingtalk',
  tokenTtlMs: 7200_000,
  refreshMarginMs: 5 * 60_000,
  async start(now) {
    const creds = { clientId: 'dingconf', clientSecret: 'conf-secret', robotCode: 'dingconf' };
    const emulator = createDingtalkEmulator({ ...creds, now });
    dingtalkEmulator = emulator;
    const served = await startEmulatorServer(emulator);
    const adapter = createDingtalkAdapter(
      {
        ...creds,
        mode: 'http',
        apiBase: served.url,
        cardTemplateId: 'conf.schema',
        publicUrl: 'http://polaris.conf.test',
      },
      { now },
    );
    return {
      adapter,
      to: { platform: 'dingtalk', kind: 'user', id: 'conf_staff' },
      tokenRequests: () => emulator.calls.filter((c) => c.path === '/v1.0/oauth2/accessToken').length,
      tokenRefusals: () =>
        emulator.calls.filter((c) => c.path !== '/v1.0/oauth2/accessToken' && c.status === 401).length,
      visibleToRecipient: () =>
        [...emulator.cards.values()].filter((c) => c.openSpaceId.endsWith('.conf_staff')).length +
        emulator.messages.filter((m) => m.to === 'conf_staff').length,
      revokeTokens: () => emulator.revokeTokens(),
      close: served.close,
    };
  },
};

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe.each([lark, wecom, dingtalk])('$platform: shared protocol', (driver) => {
  let clock = START;
  const now = () => new Date(clock);
  async function start() {
    clock = START;
    running = await driver.start(now);
    return running;
  }

  it('concurrent sends on a cold start fetch one access token and share it', async () => {
    const p = await start();
    // Five: Lark allows 5 messages a second to one user.
    const sends = Array.from({ length: 5 }, (_, i) =>
      p.adapter.send(p.to, { text: `第 ${i} 条` }, { idempotencyKey: `cold_${i}` }),
    );
    await Promise.all(sends);
    expect(p.tokenRequests()).toBe(1);
  });

  it('refreshes the token before it expires, so no call is ever refused for an expired token', async () => {
    const p = await start();
    await p.adapter.send(p.to, { text: 'a' }, { idempotencyKey: 'exp_1' });
    // Still valid on the platform, but inside the client's refresh margin.
    clock += driver.tokenTtlMs - driver.refreshMarginMs / 2;
    await p.adapter.send(p.to, { text: 'b' }, { idempotencyKey: 'exp_2' });
    expect(p.tokenRequests()).toBe(2);
    // Past the platform's expiry of the second token's predecessor: still no refusal.
    clock += driver.refreshMarginMs;
    await p.adapter.send(p.to, { text: 'c' }, { idempotencyKey: 'exp_3' });
    expect(p.tokenRefusals()).toBe(0);
  });

  it('a token the platform calls invalid is refreshed once, even by concurrent callers', async () => {
    const p = await start();
    await p.adapter.send(p.to, { text: 'a' }, { idempotencyKey: 'rev_0' });
    p.revokeTokens();
    await Promise.all(
      Array.from({ length: 4 }, (_, i) => p.adapter.send(p.to, { text: `r${i}` }, { idempotencyKey: `rev_${i + 1}` })),
    );
    expect(p.tokenRefusals()).toBeGreaterThan(0);
    expect(p.tokenRequests()).toBe(2);
  });

  it('a send retried with the same idempotency key shows the recipient one card', async () => {
    const p = await start();
    const first = await p.adapter.send(p.to, { card }, { idempotencyKey: 'dup_card' });
    const again = await p.adapter.send(p.to, { card }, { idempotencyKey: 'dup_card' });
    expect(p.visibleToRecipient()).toBe(1);
    expect(again.platform).toBe(driver.platform);
    if (driver.platform !== 'wecom') expect(again.messageId).toBe(first.messageId);
  });
});

describe('platform-specific refusals: the emulator refuses as documented and the adapter copes', () => {
  const now = () => new Date(START);

  it('Lark: the 6th message in a second to one user is refused with 230020, retryable for the outbox', async () => {
    running = await lark.start(now);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        running!.adapter.send(running!.to, { text: `${i}` }, { idempotencyKey: `rl_${i}` }),
      ),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(DeliveryError);
    expect(refused[0]).toMatchObject({ code: 230020, retryable: true });
  });

  it('Lark: a card over 30 KB is refused (230025); the adapter keeps its cards under the limit', async () => {
    running = await lark.start(now);
    const big: Card = {
      header: { title: '很长的卡片', color: 'blue' },
      blocks: Array.from({ length: 400 }, (_, i) => ({
        type: 'markdown' as const,
        text: `第 ${i} 行：${'进度说明'.repeat(20)}`,
      })),
    };
    const ref = await running.adapter.send(running.to, { card: big }, { idempotencyKey: 'big_card' });
    expect(ref.messageId).toBeTruthy();
  });

  it('WeCom: a spent response_code is refused with 40058 (never 40008); the adapter reports a permanent error', async () => {
    running = await wecom.start(now);
    const ref = await running.adapter.send(running.to, { card }, { idempotencyKey: 'rc_card' });
    const settled = {
      header: { title: '已处理', color: 'green' as const },
      blocks: [{ type: 'note' as const, text: '已处理' }],
    };
    await running.adapter.update(ref, { card: settled }, { idempotencyKey: 'rc_1' });
    const again = await running.adapter
      .update(ref, { card: settled }, { idempotencyKey: 'rc_2' })
      .catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 40058, retryable: false });
    expect(wecomEmulator!.calls.at(-1)?.response.errcode).toBe(40058);
  });

  it('WeCom: a reused task_id is refused with 42014; the adapter counts the retried card as delivered', async () => {
    running = await wecom.start(now);
    await running.adapter.send(running.to, { card }, { idempotencyKey: 'task_dup' });
    const retried = await running.adapter.send(running.to, { card }, { idempotencyKey: 'task_dup' });
    expect(wecomEmulator!.calls.at(-1)?.response.errcode).toBe(42014);
    expect(retried.extra).toMatchObject({ alreadyDelivered: 1 });
  });

  it('WeCom: the member limit (30 a minute) drops the excess silently; the adapter declares it for the outbox', async () => {
    running = await wecom.start(now);
    for (let i = 0; i < 31; i++)
      await running.adapter.send(running.to, { text: `${i}` }, { idempotencyKey: `member_${i}` });
    expect(running.visibleToRecipient()).toBe(30);
    expect(running.adapter.limits.perRecipient).toContainEqual({ count: 30, windowMs: 60_000 });
  });

  it('DingTalk: over the app QPS the OpenAPI answers 403 QpsLimitForApi, retryable for the outbox', async () => {
    running = await dingtalk.start(now);
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) =>
        running!.adapter.send(running!.to, { text: `${i}` }, { idempotencyKey: `qps_${i}` }),
      ),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused)
      expect(error).toMatchObject({ code: 'Forbidden.AccessDenied.QpsLimitForApi', retryable: true });
  });

  it('DingTalk: an HTTP card needs a registered route key; clicks on a card without one are lost', async () => {
    running = await dingtalk.start(now);
    const ref = await running.adapter.send(running.to, { card }, { idempotencyKey: 'route_card' });
    const created = dingtalkEmulator!.cards.get(ref.messageId)!;
    expect(created.callbackRouteKey).toBe('polaris_dingconf');
    expect(dingtalkEmulator!.cardRoutes.get('polaris_dingconf')?.callbackUrl).toMatch(
      /^http:\/\/polaris\.conf\.test\/webhooks\/dingtalk\/card\?token=/,
    );
    created.callbackRouteKey = undefined;
    const click = await dingtalkEmulator!.clickCard({
      outTrackId: ref.messageId,
      userId: 'conf_staff',
      actionId: 'a',
      params: {},
    });
    expect(click.delivered).toBe(false);
    expect(dingtalkEmulator!.lost.at(-1)?.reason).toBe('HTTP callback card created without callbackRouteKey');
  });
});
