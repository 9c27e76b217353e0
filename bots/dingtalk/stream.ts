// DingTalk Stream mode (Node only): the official `dingtalk-stream` DWClient keeps a websocket
// to DingTalk's gateway; robot messages and card callbacks arrive as CALLBACK frames and are
// turned into the same BotEvents as HTTP mode (parse.ts), dispatched, then ACKed explicitly.
// https://open.dingtalk.com/document/direction/stream-mode-protocol-access-description
//
// Gateway endpoint injection: the SDK posts to a hard-coded GATEWAY_URL inside its public
// `getEndpoint()`. We subclass DWClient and override that one method to post the same request
// to `${apiBase}/v1.0/gateway/connections/open` (or `gatewayUrl`), then set `dw_url`, the field
// `_connect()` opens. No SDK file is patched; if a future SDK renames `dw_url`, the
// "connects through the emulated gateway" test fails loudly.
import { parseJsonBounded } from '../common/json';
import { DWClient, EventAck, type DWClientDownStream } from 'dingtalk-stream';
import type { DirectoryChange } from '../../core/directory';
import type { DingtalkConfig } from './config';
import type { BotEvent, EventResult } from '../types';
import { parseCardCallback, parseContactEvent, parseRobotMessage } from './parse';
import { dingtalkApiError } from './fixes';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';

export type StreamState = 'connecting' | 'connected' | 'disconnected' | 'closed' | 'error';

export interface DingtalkStreamOptions {
  config: DingtalkConfig;
  dispatch: (event: BotEvent) => Promise<EventResult>;
  /** Default `${config.apiBase}/v1.0/gateway/connections/open`. */
  gatewayUrl?: string;
  onState?: (state: StreamState, detail?: string) => void;
  /** websocket-level ping every 8 s; a missing pong terminates and reconnects. Default true. */
  keepAlive?: boolean;
  fetch?: typeof fetch;
  /** 通讯录事件 (EVENT frames): subscribes to events when set. */
  onDirectoryChange?: (change: DirectoryChange) => void;
}

/** Private SDK fields this subclass touches (see the header comment). */
interface DWClientInternals {
  dw_url?: string;
  socket?: {
    on(event: 'close', listener: () => void): void;
    readyState: number;
    once(event: 'close', listener: () => void): void;
  };
  heartbeatIntervallId?: ReturnType<typeof setInterval>;
}

class GatewayClient extends DWClient {
  stopped = false;
  fatal?: Error;

  constructor(
    opts: { clientId: string; clientSecret: string; keepAlive: boolean },
    private readonly gatewayUrl: string,
    private readonly fetchImpl: typeof fetch,
    private readonly report: (state: StreamState, detail?: string) => void,
  ) {
    // Our own subscriptions array: the SDK's default one is a shared module-level object.
    super({ ...opts, ua: 'polaris-dingtalk-stream', debug: false, subscriptions: [] } as ConstructorParameters<
      typeof DWClient
    >[0]);
  }

  private get internals(): DWClientInternals {
    return this as unknown as DWClientInternals;
  }

  override async getEndpoint(): Promise<this> {
    const response = await this.fetchImpl(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: this.config.ua,
        subscriptions: this.config.subscriptions,
      }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      endpoint?: string;
      ticket?: string;
      code?: string;
      message?: string;
    };
    if (!response.ok || !body.endpoint || !body.ticket) {
      const error = dingtalkApiError(
        `DingTalk Stream gateway refused the connection: HTTP ${response.status} ${body.code ?? ''} ${body.message ?? ''}`.trim(),
        body.code,
      );
      // Wrong credentials will not fix themselves: stop instead of retrying every second.
      if (response.status >= 400 && response.status < 500 && response.status !== 429) this.fatal = error;
      this.report('error', error.message);
      throw error;
    }
    this.internals.dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }

  override async connect(): Promise<void> {
    if (this.stopped || this.fatal) return;
    this.report('connecting');
    return super.connect();
  }

  override async _connect(): Promise<void> {
    // The SDK starts a new heartbeat interval per connection without clearing the old one;
    // two intervals would terminate a healthy socket. Clear it before reconnecting.
    clearInterval(this.internals.heartbeatIntervallId);
    if (this.stopped) return;
    await super._connect();
    this.report('connected');
    this.internals.socket?.on('close', () => this.report(this.stopped ? 'closed' : 'disconnected'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.internals.heartbeatIntervallId);
    const socket = this.internals.socket;
    const closed =
      socket && socket.readyState < 2
        ? new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            setTimeout(resolve, 1000);
          })
        : Promise.resolve();
    this.disconnect();
    await closed;
  }
}

/** Connects and resolves once the first connection is open (or throws on bad credentials). */
export async function startDingtalkStream(
  options: DingtalkStreamOptions,
): Promise<{ close(): Promise<void>; client: DWClient }> {
  const report = (state: StreamState, detail?: string) => options.onState?.(state, detail);
  const gatewayUrl = options.gatewayUrl ?? `${options.config.apiBase}/v1.0/gateway/connections/open`;
  const client = new GatewayClient(
    {
      clientId: options.config.clientId,
      clientSecret: options.config.clientSecret,
      keepAlive: options.keepAlive ?? true,
    },
    gatewayUrl,
    options.fetch ?? ((input, init) => fetch(input, init)),
    report,
  );

  const ack = (messageId: string, result: unknown) => {
    try {
      client.socketCallBackResponse(messageId, result);
    } catch (error) {
      // The socket is gone: the frame is re-pushed after reconnecting and deduplicated by eventId.
      report('error', `ACK of ${messageId} failed: ${(error as Error).message}`);
    }
  };

  async function handle(
    frame: DWClientDownStream,
    parse: (data: unknown) => Promise<{ ok: true; event: BotEvent } | { ok: false; error: string }>,
  ) {
    const messageId = frame.headers.messageId;
    let data: unknown;
    try {
      data = parseJsonBounded(frame.data);
    } catch {
      data = undefined;
    }
    const parsed = await parse(data);
    if (!parsed.ok) {
      // A frame we can never understand is ACKed, or DingTalk would re-push it forever.
      report('error', `unreadable ${frame.headers.topic} frame ${messageId}: ${parsed.error}`);
      ack(messageId, {});
      return;
    }
    const event = parsed.event;
    if (event.type === 'message' && event.conversation.type === 'group' && !event.mentionedBot) {
      ack(messageId, {});
      return;
    }
    try {
      await options.dispatch(event);
    } catch (error) {
      // No ACK: DingTalk re-pushes the same messageId and the core deduplicates on eventId.
      report('error', `dispatch of ${messageId} failed: ${(error as Error).message}`);
      return;
    }
    // Card updates go through the outbox (inlineCardUpdates: false), so the ACK carries no card.
    ack(messageId, {});
  }

  client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
    void handle(frame, async (d) =>
      parseRobotMessage(d, {
        robotCode: options.config.robotCode,
        corpId: options.config.corpId,
        apiBase: options.config.apiBase,
      }),
    );
  });
  client.registerCallbackListener(TOPIC_CARD, (frame) => {
    void handle(frame, parseCardCallback);
  });

  if (options.onDirectoryChange) {
    const onChange = options.onDirectoryChange;
    // Events are subscribed as topic '*'; the SDK ACKs each with the status the listener returns.
    // https://open.dingtalk.com/document/direction/stream-mode-protocol-access-description
    client.config.subscriptions.push({ type: 'EVENT', topic: '*' });
    client.registerAllEventListener((frame) => {
      let data: unknown;
      try {
        data = parseJsonBounded(frame.data);
      } catch {
        data = undefined;
      }
      const headers = frame.headers as Record<string, string | undefined>;
      const change = parseContactEvent(headers.eventType, data, headers.eventCorpId ?? options.config.corpId);
      if (change) onChange(change);
      return { status: EventAck.SUCCESS };
    });
  }

  await client.connect();
  if (client.fatal) {
    await client.stop();
    throw client.fatal;
  }
  return { client, close: () => client.stop() };
}
