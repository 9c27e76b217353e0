// The adapter's outbound side against the emulator over real HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock';
import type { Card } from '../../cards/model';
import { DeliveryError } from '../types';
import { createLarkEmulator, serveLarkEmulator } from './emulator';
import { createLarkAdapter } from './index';

const creds = { appId: 'cli_test', appSecret: 'secret', verificationToken: 'vt' };
const clock = fixedClock('2026-11-27T02:00:00Z');
const emulator = createLarkEmulator({ ...creds, now: clock.now });
let server: { url: string; close(): Promise<void> };

const card: Card = {
  header: { title: 'KR 进度', color: 'blue' },
  blocks: [
    { type: 'progress', label: 'KR1', percent: 40, status: 'on_track' },
    { type: 'actions', buttons: [{ text: '更新', actionId: 'kr.checkin', value: { krId: 'kr_1' }, style: 'primary' }] },
  ],
};

let transport: 'sdk' | 'rest' = 'sdk';

function adapter(overrides: { appSecret?: string; domain?: string; fetch?: typeof fetch } = {}) {
  return createLarkAdapter(
    {
      appId: creds.appId,
      appSecret: overrides.appSecret ?? creds.appSecret,
      verificationToken: creds.verificationToken,
      encryptKey: 'client-test-encrypt-key',
      domain: overrides.domain ?? server.url,
    },
    { now: clock.now, fetch: overrides.fetch, transport },
  );
}

const user = (id: string) => ({ platform: 'lark' as const, kind: 'user' as const, id });
const tokenCalls = () => emulator.calls.filter((c) => c.path.endsWith('/tenant_access_token/internal')).length;

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

beforeAll(async () => {
  server = await serveLarkEmulator(emulator, 0);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  emulator.reset();
  clock.advance(60_000);
});

// Both paths: the official SDK (Node) and plain fetch (Workers, where the SDK cannot load).
describe.each(['sdk', 'rest'] as const)('Lark client against the emulator (%s)', (mode) => {
  beforeEach(() => {
    transport = mode;
  });

  it('fetches a tenant token once, caches it, and refreshes it near expiry', async () => {
    const lark = adapter();
    const first = await lark.send(user('ou_a'), { text: '你好' }, { idempotencyKey: 'k1' });
    await lark.send(user('ou_a'), { text: 'again' }, { idempotencyKey: 'k2' });
    expect(tokenCalls()).toBe(1);
    expect(emulator.messages.get(first.messageId)).toMatchObject({
      msgType: 'text',
      content: { text: '你好' },
      receiveIdType: 'open_id',
    });
    const call = emulator.calls.find((c) => c.path === '/open-apis/im/v1/messages')!;
    expect(call.query).toEqual({ receive_id_type: 'open_id' });
    expect(call.body).toEqual({ receive_id: 'ou_a', msg_type: 'text', content: '{"text":"你好"}', uuid: 'k1' });
    // The SDK keeps a 2 h token until 3 minutes before it expires.
    clock.advance(2 * 60 * 60_000 - 4 * 60_000);
    await lark.send(user('ou_a'), { text: 'still cached' }, { idempotencyKey: 'k3' });
    expect(tokenCalls()).toBe(1);
    clock.advance(2 * 60_000);
    await lark.send(user('ou_a'), { text: 'refreshed' }, { idempotencyKey: 'k4' });
    expect(tokenCalls()).toBe(2);
  });

  it('sends cards to users and groups and the emulator accepts them', async () => {
    const lark = adapter();
    const ref = await lark.send(
      { platform: 'lark', kind: 'group', id: 'oc_team' },
      { card },
      { idempotencyKey: 'card-1' },
    );
    expect(ref.platform).toBe('lark');
    const stored = emulator.messages.get(ref.messageId)!;
    expect(stored).toMatchObject({ msgType: 'interactive', chatId: 'oc_team', receiveIdType: 'chat_id' });
    expect((stored.content as { schema: string }).schema).toBe('2.0');
  });

  it('deduplicates on uuid: the same key returns the same message', async () => {
    const lark = adapter();
    const a = await lark.send(user('ou_b'), { text: 'once' }, { idempotencyKey: 'outbox-42' });
    const b = await lark.send(user('ou_b'), { text: 'once' }, { idempotencyKey: 'outbox-42' });
    expect(b.messageId).toBe(a.messageId);
    expect(emulator.messages.size).toBe(1);
    // Keys over 50 characters are hashed to a stable uuid.
    const long = 'x'.repeat(80);
    const c = await lark.send(user('ou_b'), { text: 'long' }, { idempotencyKey: long });
    const d = await lark.send(user('ou_b'), { text: 'long' }, { idempotencyKey: long });
    expect(d.messageId).toBe(c.messageId);
    expect((emulator.calls.at(-1)!.body as { uuid: string }).uuid).toHaveLength(50);
  });

  it('updates a card in place', async () => {
    const lark = adapter();
    const ref = await lark.send(user('ou_c'), { card }, { idempotencyKey: 'u1' });
    await lark.update(
      ref,
      { card: { ...card, header: { title: '已更新', color: 'green' } } },
      { idempotencyKey: 'u1-update' },
    );
    const stored = emulator.messages.get(ref.messageId)!;
    expect(stored.updates).toBe(1);
    expect(stored.content).toMatchObject({ header: { title: { content: '已更新' }, template: 'green' } });
    const patch = emulator.calls.find((c) => c.method === 'PATCH')!;
    expect(patch.path).toBe(`/open-apis/im/v1/messages/${ref.messageId}`);
  });

  it('maps the 6th message in a second to one user to a retryable 230020', async () => {
    const lark = adapter();
    for (let i = 0; i < 5; i++) await lark.send(user('ou_d'), { text: `m${i}` }, { idempotencyKey: `r${i}` });
    const error = await failure(lark.send(user('ou_d'), { text: 'm5' }, { idempotencyKey: 'r5' }));
    expect(error).toMatchObject({ retryable: true, code: 230020, retryAfterMs: 1000 });
    expect(emulator.calls.at(-1)!.status).toBe(400);
    // Other recipients are not limited, and the user is again a second later.
    await lark.send(user('ou_e'), { text: 'other' }, { idempotencyKey: 'r6' });
    clock.advance(1001);
    await lark.send(user('ou_d'), { text: 'later' }, { idempotencyKey: 'r7' });
  });

  it('refreshes a token Lark no longer accepts and retries once', async () => {
    const lark = adapter();
    await lark.send(user('ou_f'), { text: 'one' }, { idempotencyKey: 't1' });
    emulator.revokeTokens();
    await lark.send(user('ou_f'), { text: 'two' }, { idempotencyKey: 't2' });
    expect(tokenCalls()).toBe(2);
    expect(emulator.calls.map((c) => c.status)).toEqual([200, 200, 400, 200, 200]);
  });

  it('classifies permanent failures with Lark code and message', async () => {
    const wrongSecret = await failure(
      adapter({ appSecret: 'nope' }).send(user('ou_g'), { text: 'x' }, { idempotencyKey: 'p1' }),
    );
    expect(wrongSecret.retryable).toBe(false);
    expect(wrongSecret.message).toContain('10014');
    const lark = adapter();
    const text = await lark.send(user('ou_g'), { text: 'plain' }, { idempotencyKey: 'p2' });
    const notCard = await failure(lark.update(text, { card }, { idempotencyKey: 'p3' }));
    expect(notCard).toMatchObject({ retryable: false, code: 230001 });
    expect(notCard.message).toMatch(/Lark error 230001: .*NOT a card/);
    expect((await failure(lark.update(text, { text: 'x' }, { idempotencyKey: 'p4' }))).retryable).toBe(false);
  });

  it('treats network failures and 5xx answers as retryable', async () => {
    const unreachable = await failure(
      adapter({ domain: 'http://127.0.0.1:9' }).send(user('ou_h'), { text: 'x' }, { idempotencyKey: 'n1' }),
    );
    expect(unreachable.retryable).toBe(true);
    const flaky: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === '/open-apis/im/v1/messages') return new Response('upstream error', { status: 503 });
      return fetch(input, init);
    };
    const busy = await failure(adapter({ fetch: flaky }).send(user('ou_h'), { text: 'x' }, { idempotencyKey: 'n2' }));
    expect(busy).toMatchObject({ retryable: true, code: 503 });
  });

  it('declares Lark send limits', () => {
    expect(adapter().limits).toEqual({
      perSecond: 50,
      appWindows: [{ count: 1000, windowMs: 60_000 }],
      perRecipient: { count: 5, windowMs: 1000 },
    });
  });
});
