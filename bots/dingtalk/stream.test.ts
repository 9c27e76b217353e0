// Stream mode end to end: the official dingtalk-stream client (through startDingtalkStream)
// against the emulated gateway over a real websocket.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BotEvent, EventResult } from '../types';
import { createDingtalkEmulator, TOPIC_CARD, type DingtalkEmulator } from './emulator';
import { startEmulatorServer } from './stream-gateway';
import { startDingtalkStream } from './stream';

const creds = { clientId: 'dingstreamapp', clientSecret: 'stream-secret', robotCode: 'dingstreamapp' };
let emulator: DingtalkEmulator;
let server: Awaited<ReturnType<typeof startEmulatorServer>>;
let stream: Awaited<ReturnType<typeof startDingtalkStream>> | undefined;
let events: BotEvent[];
let dispatchImpl: (e: BotEvent) => Promise<EventResult>;
const states: string[] = [];

beforeEach(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  emulator = createDingtalkEmulator({ ...creds, repushAfterMs: 300 });
  server = await startEmulatorServer(emulator);
  events = [];
  states.length = 0;
  dispatchImpl = async (e) => {
    events.push(e);
    return {};
  };
});

afterEach(async () => {
  await stream?.close();
  stream = undefined;
  await server.close();
  vi.restoreAllMocks();
});

async function connect() {
  stream = await startDingtalkStream({
    config: { ...creds, mode: 'stream', apiBase: server.url },
    dispatch: (e) => dispatchImpl(e),
    onState: (s) => states.push(s),
  });
  await vi.waitFor(() => expect(emulator.stream.hasSubscriber(TOPIC_CARD)).toBe(true));
}

describe('DingTalk Stream mode', () => {
  it('connects through the emulated gateway and dispatches + ACKs a robot message', async () => {
    await connect();
    expect(emulator.calls.some((c) => c.path === '/v1.0/gateway/connections/open')).toBe(true);
    const sent = await emulator.deliverText({
      staffId: 'staff1',
      text: ' 我的OKR',
      conversationType: '2',
      conversationId: 'cidG==',
    });
    await vi.waitFor(() =>
      expect(emulator.stream.acks.map((a) => a.messageId)).toContain(sent.delivered && sent.messageId),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'message',
      eventId: sent.payload.msgId,
      text: '我的OKR',
      replyTo: { kind: 'group', id: 'cidG==' },
    });
    expect(states).toContain('connected');
  });

  it('card callback on a STREAM card → CardActionEvent, ACKed; an HTTP card click is lost', async () => {
    await connect();
    emulator.cards.set('t1', {
      outTrackId: 't1',
      cardTemplateId: 'tpl',
      callbackType: 'STREAM',
      openSpaceId: 'dtv1.card//IM_ROBOT.staff1',
      cardParamMap: {},
      updates: 0,
    });
    emulator.cards.set('t2', {
      outTrackId: 't2',
      cardTemplateId: 'tpl',
      callbackType: 'HTTP',
      openSpaceId: 'dtv1.card//IM_ROBOT.staff1',
      cardParamMap: {},
      updates: 0,
    });
    const click = await emulator.clickCard({
      outTrackId: 't1',
      userId: 'staff1',
      actionId: 'polaris_action',
      params: { action: 'kr.checkin', value: '{"krId":"kr1"}' },
    });
    await vi.waitFor(() =>
      expect(emulator.stream.acks.map((a) => a.messageId)).toContain(
        click.delivered && click.via === 'stream' && click.messageId,
      ),
    );
    expect(events[0]).toMatchObject({
      type: 'card_action',
      actionId: 'kr.checkin',
      value: { krId: 'kr1' },
      message: { messageId: 't1' },
    });
    expect(
      (await emulator.clickCard({ outTrackId: 't2', userId: 'staff1', actionId: 'x', params: {} })).delivered,
    ).toBe(false);
    expect(emulator.lost).toEqual([expect.objectContaining({ outTrackId: 't2' })]);
  });

  it('answers SYSTEM ping with a pong echo', async () => {
    await connect();
    const [ping] = emulator.stream.ping();
    await vi.waitFor(() => expect(emulator.stream.pongs).toContain(ping));
  });

  it('reconnects after a server-initiated disconnect and keeps receiving', async () => {
    await connect();
    emulator.stream.disconnect();
    await vi.waitFor(() => expect(emulator.stream.connectionLog.filter((e) => e.event === 'open')).toHaveLength(2), {
      timeout: 5000,
    });
    const sent = await emulator.deliverText({ staffId: 'staff2', text: 'help' });
    await vi.waitFor(() =>
      expect(emulator.stream.acks.map((a) => a.messageId)).toContain(sent.delivered && sent.messageId),
    );
    expect(states).toContain('disconnected');
  });

  it('an unacknowledged callback is re-pushed with the same messageId and the same eventId', async () => {
    let calls = 0;
    dispatchImpl = async (e) => {
      events.push(e);
      calls++;
      if (calls === 1) throw new Error('database busy');
      return {};
    };
    await connect();
    const sent = await emulator.deliverText({ staffId: 'staff3', text: 'KR1 50' });
    const messageId = sent.delivered ? sent.messageId : '';
    await vi.waitFor(() => expect(emulator.stream.acks.map((a) => a.messageId)).toContain(messageId), {
      timeout: 3000,
    });
    expect(events).toHaveLength(2);
    expect(events[0].eventId).toBe(events[1].eventId);
    expect(emulator.stream.acks.filter((a) => a.messageId === messageId)).toHaveLength(1);
  });

  it('a dropped connection loses no message: in-flight and queued frames arrive after reconnecting', async () => {
    const seen = new Set<string>();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    dispatchImpl = async (e) => {
      events.push(e);
      if (events.length === 1) await held;
      seen.add(e.eventId);
      return {};
    };
    await connect();
    const first = await emulator.deliverText({ staffId: 'staff4', text: 'one' });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    emulator.stream.drop(); // mid-dispatch: its ACK has nowhere to go
    const second = await emulator.deliverText({ staffId: 'staff4', text: 'two' }); // pushed while disconnected
    release();
    await vi.waitFor(
      () => expect(emulator.stream.connectionLog.filter((e) => e.event === 'open').length).toBeGreaterThanOrEqual(2),
      { timeout: 5000 },
    );
    await vi.waitFor(() => expect(emulator.stream.pending.size).toBe(0), { timeout: 5000 });
    expect(seen).toEqual(new Set([first.payload.msgId, second.payload.msgId]));
    expect(emulator.lost).toEqual([]);
  });

  it('fails fast on wrong credentials', async () => {
    await expect(
      startDingtalkStream({
        config: { ...creds, clientSecret: 'wrong', mode: 'stream', apiBase: server.url },
        dispatch: async () => ({}),
      }),
    ).rejects.toThrow(/InvalidAuthentication/);
  });
});
