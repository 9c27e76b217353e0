// DingTalk's side, for tests and the playground: the OpenAPI (tokens, robot sends, cards,
// sessionWebhooks, the Stream gateway's connections/open) as a Hono app, plus the pushes
// DingTalk makes to a bot (signed robot callbacks, encrypted HTTP events, Stream frames).
// The websocket transport of Stream mode lives in stream-gateway.ts (Node-only); this
// file keeps the gateway's protocol state (tickets, frames, ACKs, re-pushes) transport-free.
//
// Emulator conventions where DingTalk's exact behaviour is not documented:
// - createAndDeliver with an existing outTrackId and the same openSpaceId answers success
//   again (idempotent), so an outbox retry never shows two cards;
// - an expired/unknown sessionWebhook answers HTTP 200 {errcode: 300001, errmsg};
// - an unacknowledged CALLBACK frame is re-pushed (same messageId) every repushAfterMs,
//   at most maxPushAttempts times, then recorded as lost;
// - /v1.0/card/callbacks/register answers {success, result: {callbackUrl, apiSecret}} and refuses to
//   move an existing route key to another URL without forceUpdate (invalidParameter.callbackRouteKey);
// - an HTTP card click is POSTed once (no re-push is documented) to the URL registered under the
//   card's callbackRouteKey, as plain JSON; `apiSecret` is stored but not presented on the request,
//   since DingTalk does not document how it is.
import { Hono, type Context } from 'hono';
import { decryptCallback, encryptCallback } from '../common/callback-crypto';
import { randomNonce } from './crypto';
import { mountDingtalkOAuth } from './emulator-oauth';
import { createDingtalkAttendance, mountDingtalkAttendance } from './emulator-attendance';
import { createDingtalkDirectory, mountDingtalkDirectory } from './emulator-directory';
import type { SignInAllowed } from '../common/emulator/oauth-codes';
import { redactSecrets } from '../common/emulator/redact';
import { createFaults, type Fault } from '../common/emulator/faults';
import { eventSignature, robotSign, verifyEventSignature } from './verify';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';
/** Where the websocket side listens (stream-gateway.ts). */
export const STREAM_PATH = '/gateway/stream';

export interface DingtalkEmulatorOptions {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  callbackToken?: string;
  callbackAesKey?: string;
  /** The bot's HTTP-mode robot URL (POST /webhooks/dingtalk). */
  webhookUrl?: string;
  /** The bot's HTTP event-subscription URL (POST /webhooks/dingtalk/events): check_url only, never card clicks. */
  eventsUrl?: string;
  now?: () => Date;
  fetch?: typeof fetch;
  /** Base URL this emulator is reachable at, for sessionWebhook URLs (default http://127.0.0.1). */
  baseUrl?: string;
  corpId?: string;
  tokenTtlSeconds?: number;
  /** sessionWebhook lifetime; DingTalk gives about 90 minutes. */
  sessionTtlMs?: number;
  /** App-wide OpenAPI calls per second before throttling. */
  qpsLimit?: number;
  /** Re-push delay of unacknowledged Stream callbacks: 60 s on DingTalk, short in tests. */
  repushAfterMs?: number;
  maxPushAttempts?: number;
  /** Who the OAuth authorize page may sign in (default: anyone); see common/emulator/oauth-codes.ts. */
  signInAllowed?: SignInAllowed;
}

export interface ApiCall {
  method: string;
  path: string;
  body: unknown;
  at: string;
  /** The HTTP status the emulator answered with. */
  status?: number;
}
export interface SentMessage {
  via: 'session' | 'oToMessages' | 'groupMessages';
  /** staffId or openConversationId. */
  to: string;
  msgKey: string;
  msgParam: Record<string, unknown>;
  at: string;
}
export interface EmulatedCard {
  outTrackId: string;
  cardTemplateId: string;
  callbackType?: 'STREAM' | 'HTTP';
  /** The route key HTTP clicks are delivered by (createAndDeliver's callbackRouteKey). */
  callbackRouteKey?: string;
  openSpaceId: string;
  cardParamMap: Record<string, string>;
  updates: number;
}
export interface LostCallback {
  outTrackId?: string;
  messageId?: string;
  reason: string;
  at: string;
}

/** One websocket connection, as seen by the protocol layer. */
export interface StreamSocket {
  send(text: string): void;
  close(): void;
  terminate(): void;
}
export interface StreamConnection {
  id: string;
  subscriptions: { type: string; topic: string }[];
  socket: StreamSocket;
}
export interface StreamFrame {
  specVersion: '1.0';
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}
interface PendingPush {
  frame: StreamFrame;
  attempts: number;
  timer?: ReturnType<typeof setTimeout>;
}

function apiError(c: Context, status: 400 | 401 | 403 | 404, code: string, message: string) {
  return c.json({ code, message, requestid: crypto.randomUUID().toUpperCase() }, status);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

export function createDingtalkEmulator(options: DingtalkEmulatorOptions) {
  const now = options.now ?? (() => new Date());
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const corpId = options.corpId ?? 'dingcorp0001';
  const tokenTtl = options.tokenTtlSeconds ?? 7200;
  const sessionTtl = options.sessionTtlMs ?? 90 * 60 * 1000;
  const qpsLimit = options.qpsLimit ?? 20;
  const repushAfterMs = options.repushAfterMs ?? 60_000;
  const maxPushAttempts = options.maxPushAttempts ?? 5;
  let baseUrl = (options.baseUrl ?? 'http://127.0.0.1').replace(/\/$/, '');

  const calls: ApiCall[] = [];
  const messages: SentMessage[] = [];
  const cards = new Map<string, EmulatedCard>();
  const lost: LostCallback[] = [];
  /** callbackRouteKey → where HTTP card clicks go (POST /v1.0/card/callbacks/register). */
  const cardRoutes = new Map<string, { callbackUrl: string; apiSecret?: string; registeredAt: string }>();
  const tokens = new Map<string, number>();
  const sessions = new Map<string, { expiresAt: number; conversationId: string; to: string; group: boolean }>();
  const recentCalls: number[] = [];
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${(++counter).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

  // ---- Stream gateway protocol state ----
  const tickets = new Map<string, { subscriptions: { type: string; topic: string }[] }>();
  const connections = new Map<string, StreamConnection>();
  const pending = new Map<string, PendingPush>();
  const acks: { messageId: string; data: unknown; at: string /** times the frame was pushed */; attempts: number }[] =
    [];
  const pongs: string[] = [];
  const pings = new Set<string>();
  const everSubscribed = new Set<string>();
  const connectionLog: { id: string; event: 'open' | 'close'; at: string }[] = [];
  /** Test hook: this many upcoming ACKs vanish in transit (the frame stays pending and is re-pushed). */
  let acksToLose = 0;

  function subscribers(topic: string): StreamConnection[] {
    return [...connections.values()].filter((c) => c.subscriptions.some((s) => s.topic === topic || s.topic === '*'));
  }

  function transmit(entry: PendingPush) {
    const target = subscribers(entry.frame.headers.topic)[0];
    if (!target) return; // waits for a connection; the timer keeps counting attempts
    entry.attempts++;
    target.socket.send(
      JSON.stringify({ ...entry.frame, headers: { ...entry.frame.headers, connectionId: target.id } }),
    );
  }

  function schedule(messageId: string) {
    const entry = pending.get(messageId);
    if (!entry) return;
    entry.timer = setTimeout(() => {
      const current = pending.get(messageId);
      if (!current) return;
      if (current.attempts >= maxPushAttempts) {
        pending.delete(messageId);
        lost.push({ messageId, reason: 'not acknowledged', at: now().toISOString() });
        return;
      }
      transmit(current);
      schedule(messageId);
    }, repushAfterMs);
  }

  const stream = {
    tickets,
    connections,
    pending,
    acks,
    pongs,
    connectionLog,
    /** Validates and consumes a ticket; returns the new connection or undefined. */
    open(ticket: string | null, socket: StreamSocket): StreamConnection | undefined {
      const grant = ticket ? tickets.get(ticket) : undefined;
      if (!ticket || !grant) return undefined;
      tickets.delete(ticket);
      const connection: StreamConnection = { id: nextId('conn_'), subscriptions: grant.subscriptions, socket };
      connections.set(connection.id, connection);
      for (const s of grant.subscriptions) everSubscribed.add(s.topic);
      connectionLog.push({ id: connection.id, event: 'open', at: now().toISOString() });
      // Anything unacknowledged goes to the new connection right away.
      for (const entry of pending.values())
        if (entry.attempts === 0 || !subscribers(entry.frame.headers.topic).some((c) => c.id !== connection.id))
          transmit(entry);
      return connection;
    },
    closed(connection: StreamConnection) {
      if (connections.delete(connection.id))
        connectionLog.push({ id: connection.id, event: 'close', at: now().toISOString() });
    },
    /** An upstream frame: an ACK of a callback/event or the echo of a ping. */
    receive(_connection: StreamConnection, text: string) {
      let frame: { code?: number; headers?: { messageId?: string }; data?: string };
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      const messageId = frame.headers?.messageId;
      if (!messageId) return;
      if (pings.delete(messageId)) {
        pongs.push(messageId);
        return;
      }
      const entry = pending.get(messageId);
      if (!entry) return;
      if (acksToLose > 0) {
        acksToLose--;
        return;
      }
      clearTimeout(entry.timer);
      pending.delete(messageId);
      let data: unknown = frame.data;
      try {
        data = typeof frame.data === 'string' ? JSON.parse(frame.data) : frame.data;
      } catch {
        /* keep the raw string */
      }
      acks.push({ messageId, data, at: now().toISOString(), attempts: entry.attempts });
    },
    /** Pushes a CALLBACK (or EVENT) frame; returns its messageId. */
    push(
      topic: string,
      data: unknown,
      type: 'CALLBACK' | 'EVENT' = 'CALLBACK',
      extraHeaders: Record<string, string> = {},
    ): string {
      const messageId = nextId('msg_');
      const frame: StreamFrame = {
        specVersion: '1.0',
        type,
        headers: {
          appId: options.clientId,
          contentType: 'application/json',
          messageId,
          time: String(now().getTime()),
          topic,
          ...extraHeaders,
        },
        data: JSON.stringify(data),
      };
      const entry: PendingPush = { frame, attempts: 0 };
      pending.set(messageId, entry);
      transmit(entry);
      schedule(messageId);
      return messageId;
    },
    /** SYSTEM ping to every connection; the client must echo it (recorded in `pongs`). */
    ping(): string[] {
      return [...connections.values()].map((c) => {
        const messageId = nextId('ping_');
        pings.add(messageId);
        c.socket.send(
          JSON.stringify({
            specVersion: '1.0',
            type: 'SYSTEM',
            headers: { topic: 'ping', messageId, contentType: 'application/json', time: String(now().getTime()) },
            data: JSON.stringify({ opaque: messageId }),
          }),
        );
        return messageId;
      });
    },
    /** SYSTEM disconnect, then the server closes the socket (as DingTalk does before maintenance). */
    disconnect(closeAfterMs = 50) {
      for (const c of connections.values()) {
        c.socket.send(
          JSON.stringify({
            specVersion: '1.0',
            type: 'SYSTEM',
            headers: {
              topic: 'disconnect',
              messageId: nextId('sys_'),
              contentType: 'application/json',
              time: String(now().getTime()),
            },
            data: JSON.stringify({ reason: 'maintenance' }),
          }),
        );
        setTimeout(() => c.socket.close(), closeAfterMs);
      }
    },
    /** Test hook: the next `count` callback ACKs are lost, so those frames are re-pushed with the same messageId. */
    loseAcks(count = 1) {
      acksToLose = count;
    },
    /** Test hook: cut every connection without a close handshake. */
    drop() {
      for (const c of connections.values()) c.socket.terminate();
    },
    hasSubscriber(topic: string) {
      return subscribers(topic).length > 0;
    },
    stop() {
      for (const entry of pending.values()) clearTimeout(entry.timer);
      pending.clear();
    },
  };

  // ---- OpenAPI ----
  const app = new Hono();
  const faults = createFaults(now);
  // Outages on command (fault()): server errors and hangs on every API; the per-app QPS limit
  // (HTTP 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi) on the robot and card APIs.
  // https://open.dingtalk.com/document/orgapp/invocation-frequency-limit
  app.use('/v1.0/*', async (c, next) => {
    const fault = faults.active();
    if (fault?.mode === 'hang') {
      await faults.hang(c.req.raw.signal);
      return c.text('Service Unavailable', 503);
    }
    if (fault?.mode === 'server_error') return c.text('Service Unavailable', 503);
    if (fault?.mode === 'rate_limit' && /^\/v1\.0\/(robot|card)\//.test(c.req.path))
      return apiError(c, 403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '调用该接口超过限流值');
    await next();
  });

  app.use('*', async (c, next) => {
    let body: unknown;
    if (c.req.method !== 'GET')
      body = await c.req.raw
        .clone()
        .json()
        .catch(() => undefined);
    const call: ApiCall = {
      method: c.req.method,
      path: c.req.path,
      body: redactSecrets(body),
      at: now().toISOString(),
    };
    calls.push(call);
    await next();
    call.status = c.res.status;
  });

  // https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
  app.post('/v1.0/oauth2/accessToken', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { appKey?: string; appSecret?: string };
    if (body.appKey !== options.clientId || body.appSecret !== options.clientSecret) {
      return apiError(c, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    }
    const accessToken = nextId('at_');
    tokens.set(accessToken, now().getTime() + tokenTtl * 1000);
    return c.json({ accessToken, expireIn: tokenTtl });
  });

  // https://open.dingtalk.com/document/direction/stream-mode-protocol-access-description
  app.post('/v1.0/gateway/connections/open', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      clientId?: string;
      clientSecret?: string;
      subscriptions?: unknown;
    };
    if (body.clientId !== options.clientId || body.clientSecret !== options.clientSecret) {
      return apiError(c, 401, 'InvalidAuthentication', 'clientId或clientSecret不正确');
    }
    const subscriptions = Array.isArray(body.subscriptions)
      ? body.subscriptions.filter(
          (s): s is { type: string; topic: string } => !!s && typeof s.type === 'string' && typeof s.topic === 'string',
        )
      : [];
    const ticket = nextId('ticket_');
    tickets.set(ticket, { subscriptions });
    const url = new URL(c.req.url);
    const wsProtocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return c.json({ endpoint: `${wsProtocol}//${url.host}${STREAM_PATH}`, ticket });
  });

  // The sessionWebhook of a received message (oapi style answers: errcode/errmsg).
  app.post('/robot/sendBySession', async (c) => {
    const session = sessions.get(c.req.query('session') ?? '');
    if (!session || session.expiresAt <= now().getTime())
      return c.json({ errcode: 300001, errmsg: 'session不存在或已过期' });
    const body = (await c.req.json().catch(() => ({}))) as {
      msgtype?: string;
      text?: { content?: string };
      markdown?: { title?: string; text?: string };
    };
    if (body.msgtype === 'text' && typeof body.text?.content === 'string') {
      messages.push({
        via: 'session',
        to: session.to,
        msgKey: 'sampleText',
        msgParam: { content: body.text.content },
        at: now().toISOString(),
      });
    } else if (body.msgtype === 'markdown' && typeof body.markdown?.text === 'string') {
      messages.push({
        via: 'session',
        to: session.to,
        msgKey: 'sampleMarkdown',
        msgParam: { title: body.markdown.title ?? '', text: body.markdown.text },
        at: now().toISOString(),
      });
    } else {
      return c.json({ errcode: 40035, errmsg: '缺少参数 msgtype / 内容' });
    }
    return c.json({ errcode: 0, errmsg: 'ok' });
  });

  mountDingtalkOAuth(app, { ...options, corpId, now, appTokenValid: (t) => (tokens.get(t) ?? 0) > now().getTime() });
  const attendance = createDingtalkAttendance();
  mountDingtalkAttendance(app, attendance, { tokenValid: (t) => (tokens.get(t) ?? 0) > now().getTime() });
  const directory = createDingtalkDirectory();
  mountDingtalkDirectory(app, directory, { now, appTokenValid: (t) => (tokens.get(t) ?? 0) > now().getTime() });

  // Everything else under /v1.0 needs a valid token and is throttled app-wide.
  app.use('/v1.0/*', async (c, next) => {
    const token = c.req.header('x-acs-dingtalk-access-token');
    const expires = token ? tokens.get(token) : undefined;
    if (!token || expires === undefined || expires <= now().getTime())
      return apiError(c, 401, 'InvalidAuthentication', '不合法的access_token');
    const t = Date.now();
    while (recentCalls.length && recentCalls[0] <= t - 1000) recentCalls.shift();
    if (recentCalls.length >= qpsLimit)
      return apiError(c, 403, 'Forbidden.AccessDenied.QpsLimitForApi', '调用该接口超过限流值');
    recentCalls.push(t);
    await next();
  });

  const MSG_KEYS = new Set([
    'sampleText',
    'sampleMarkdown',
    'sampleImageMsg',
    'sampleLink',
    'sampleActionCard',
    'sampleActionCard2',
    'sampleActionCard3',
    'sampleActionCard4',
    'sampleActionCard5',
    'sampleActionCard6',
  ]);

  function readMsg(
    c: Context,
    body: { robotCode?: unknown; msgKey?: unknown; msgParam?: unknown },
  ): Response | { msgKey: string; msgParam: Record<string, unknown> } {
    if (body.robotCode !== options.robotCode)
      return apiError(c, 400, 'invalidParameter.robotCode', 'robotCode不存在或不属于当前应用');
    if (typeof body.msgKey !== 'string' || !MSG_KEYS.has(body.msgKey))
      return apiError(c, 400, 'invalidParameter.msgKey', 'msgKey不合法');
    if (typeof body.msgParam !== 'string')
      return apiError(c, 400, 'invalidParameter.msgParam', 'msgParam必须是JSON字符串');
    try {
      const msgParam = JSON.parse(body.msgParam) as Record<string, unknown>;
      return { msgKey: body.msgKey, msgParam };
    } catch {
      return apiError(c, 400, 'invalidParameter.msgParam', 'msgParam不是合法的JSON');
    }
  }

  // https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches
  app.post('/v1.0/robot/oToMessages/batchSend', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      userIds?: unknown;
      robotCode?: unknown;
      msgKey?: unknown;
      msgParam?: unknown;
    };
    const msg = readMsg(c, body);
    if (msg instanceof Response) return msg;
    if (
      !Array.isArray(body.userIds) ||
      body.userIds.length === 0 ||
      body.userIds.length > 20 ||
      !body.userIds.every((u) => typeof u === 'string' && u)
    ) {
      return apiError(c, 400, 'invalidParameter.userIds', 'userIds必须是1到20个staffId');
    }
    for (const userId of body.userIds as string[])
      messages.push({ via: 'oToMessages', to: userId, ...msg, at: now().toISOString() });
    return c.json({ processQueryKey: nextId('pqk_'), invalidStaffIdList: [], flowControlledStaffIdList: [] });
  });

  // https://open.dingtalk.com/document/orgapp/the-robot-sends-a-group-message
  app.post('/v1.0/robot/groupMessages/send', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      openConversationId?: unknown;
      robotCode?: unknown;
      msgKey?: unknown;
      msgParam?: unknown;
    };
    const msg = readMsg(c, body);
    if (msg instanceof Response) return msg;
    if (typeof body.openConversationId !== 'string' || !body.openConversationId)
      return apiError(c, 400, 'invalidParameter.openConversationId', 'openConversationId不能为空');
    messages.push({ via: 'groupMessages', to: body.openConversationId, ...msg, at: now().toISOString() });
    return c.json({ processQueryKey: nextId('pqk_') });
  });

  // https://open.dingtalk.com/document/orgapp/event-callback-card (注册回调地址)
  app.post('/v1.0/card/callbacks/register', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const { callbackRouteKey, callbackUrl, apiSecret, forceUpdate } = body;
    if (typeof callbackRouteKey !== 'string' || !callbackRouteKey)
      return apiError(c, 400, 'invalidParameter.callbackRouteKey', 'callbackRouteKey不能为空');
    if (typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl))
      return apiError(c, 400, 'invalidParameter.callbackUrl', 'callbackUrl不合法');
    const existing = cardRoutes.get(callbackRouteKey);
    if (existing && existing.callbackUrl !== callbackUrl && forceUpdate !== true)
      return apiError(c, 400, 'invalidParameter.callbackRouteKey', 'callbackRouteKey已注册其他地址，需要forceUpdate');
    cardRoutes.set(callbackRouteKey, {
      callbackUrl,
      apiSecret: typeof apiSecret === 'string' ? apiSecret : undefined,
      registeredAt: now().toISOString(),
    });
    return c.json({ success: true, result: { callbackUrl, apiSecret } });
  });

  // https://open.dingtalk.com/document/orgapp/create-and-deliver-cards
  app.post('/v1.0/card/instances/createAndDeliver', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const { cardTemplateId, outTrackId, callbackType, openSpaceId, callbackRouteKey } = body;
    const cardData = body.cardData as { cardParamMap?: unknown } | undefined;
    if (typeof cardTemplateId !== 'string' || !cardTemplateId)
      return apiError(c, 400, 'invalidParameter.cardTemplateId', 'cardTemplateId不能为空');
    if (typeof outTrackId !== 'string' || !outTrackId)
      return apiError(c, 400, 'invalidParameter.outTrackId', 'outTrackId不能为空');
    if (callbackType !== undefined && callbackType !== 'STREAM' && callbackType !== 'HTTP')
      return apiError(c, 400, 'invalidParameter.callbackType', 'callbackType只能是STREAM或HTTP');
    if (callbackRouteKey !== undefined && (typeof callbackRouteKey !== 'string' || !callbackRouteKey))
      return apiError(c, 400, 'invalidParameter.callbackRouteKey', 'callbackRouteKey必须是非空字符串');
    if (!isStringMap(cardData?.cardParamMap))
      return apiError(c, 400, 'invalidParameter.cardData', 'cardParamMap的值必须都是字符串');
    const space =
      typeof openSpaceId === 'string' ? /^dtv1\.card\/\/(IM_ROBOT|IM_GROUP)\.(.+)$/.exec(openSpaceId) : null;
    if (!space) return apiError(c, 400, 'invalidParameter.openSpaceId', 'openSpaceId格式不正确');
    const spaceType = space[1];
    const deliver = (spaceType === 'IM_ROBOT' ? body.imRobotOpenDeliverModel : body.imGroupOpenDeliverModel) as
      | { robotCode?: unknown }
      | undefined;
    const spaceModel = spaceType === 'IM_ROBOT' ? body.imRobotOpenSpaceModel : body.imGroupOpenSpaceModel;
    if (!deliver || !spaceModel)
      return apiError(
        c,
        400,
        'invalidParameter.openSpaceModel',
        `${spaceType}场域需要对应的OpenSpaceModel和OpenDeliverModel`,
      );
    if (deliver.robotCode !== undefined && deliver.robotCode !== options.robotCode)
      return apiError(c, 400, 'invalidParameter.robotCode', 'robotCode不存在或不属于当前应用');
    const existing = cards.get(outTrackId);
    if (existing && existing.openSpaceId !== openSpaceId)
      return apiError(c, 400, 'param.outTrackIdDuplicated', 'outTrackId已存在');
    if (!existing) {
      cards.set(outTrackId, {
        outTrackId,
        cardTemplateId,
        callbackType: callbackType as EmulatedCard['callbackType'],
        callbackRouteKey: callbackRouteKey as string | undefined,
        openSpaceId: openSpaceId as string,
        cardParamMap: { ...(cardData!.cardParamMap as Record<string, string>) },
        updates: 0,
      });
    }
    return c.json({
      success: true,
      result: {
        outTrackId,
        deliverResults: [{ spaceType, spaceId: space[2], success: true, carrierId: nextId('carrier_') }],
      },
    });
  });

  // https://open.dingtalk.com/document/orgapp/interactive-card-update-interface
  app.put('/v1.0/card/instances', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      outTrackId?: unknown;
      cardData?: { cardParamMap?: unknown };
      cardUpdateOptions?: { updateCardDataByKey?: boolean };
    };
    const card = typeof body.outTrackId === 'string' ? cards.get(body.outTrackId) : undefined;
    if (!card) return apiError(c, 400, 'param.cardNotExist', '卡片不存在');
    if (body.cardData !== undefined && !isStringMap(body.cardData.cardParamMap))
      return apiError(c, 400, 'invalidParameter.cardData', 'cardParamMap的值必须都是字符串');
    const next = (body.cardData?.cardParamMap ?? {}) as Record<string, string>;
    card.cardParamMap = body.cardUpdateOptions?.updateCardDataByKey ? { ...card.cardParamMap, ...next } : { ...next };
    card.updates++;
    return c.json({ success: true, result: true });
  });

  app.notFound((c) => apiError(c, 404, 'NotFound', `no such API: ${c.req.method} ${c.req.path}`));

  // ---- Pushes to the bot ----

  async function signedRobotPost(payload: unknown) {
    if (!options.webhookUrl) throw new Error('emulator: webhookUrl is not set');
    const timestamp = String(now().getTime());
    const response = await doFetch(options.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        timestamp,
        sign: await robotSign(options.clientSecret, timestamp),
      },
      body: JSON.stringify(payload),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
  }

  async function encryptedEventPost(message: unknown) {
    if (!options.eventsUrl || !options.callbackToken || !options.callbackAesKey)
      throw new Error('emulator: eventsUrl, callbackToken and callbackAesKey are required');
    const encrypt = await encryptCallback(options.callbackAesKey, JSON.stringify(message), options.clientId);
    const timestamp = String(now().getTime());
    const nonce = randomNonce();
    const signature = await eventSignature(options.callbackToken, timestamp, nonce, encrypt);
    const url = new URL(options.eventsUrl);
    url.searchParams.set('signature', signature);
    url.searchParams.set('msg_signature', signature);
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    const started = Date.now();
    const response = await doFetch(url.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt }),
    });
    const elapsedMs = Date.now() - started;
    const body = (await response.json().catch(() => undefined)) as
      | { msg_signature?: string; timeStamp?: string; nonce?: string; encrypt?: string }
      | undefined;
    // DingTalk checks the reply: signature, decryption, owner key, "success", within 1500 ms.
    let reply: string | undefined;
    let replyValid = false;
    if (response.ok && body?.encrypt) {
      const check = await verifyEventSignature({
        token: options.callbackToken,
        signature: body.msg_signature ?? null,
        timestamp: body.timeStamp ?? null,
        nonce: body.nonce ?? null,
        encrypt: body.encrypt,
        now: now(),
      });
      const plain = await decryptCallback(options.callbackAesKey, body.encrypt).catch(() => undefined);
      reply = plain?.message;
      replyValid = check.ok && plain?.ownerKey === options.clientId && plain.message === 'success' && elapsedMs <= 1500;
    }
    return { status: response.status, body, reply, ok: replyValid, elapsedMs };
  }

  /** POSTs a click as plain JSON; an answer with cardData replaces the card's data, as DingTalk does. */
  async function httpCardPost(url: string, card: EmulatedCard, data: Record<string, unknown>) {
    const started = Date.now();
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...data,
        spaceType: card.openSpaceId.includes('IM_GROUP') ? 'IM_GROUP' : 'IM_ROBOT',
        spaceId: card.openSpaceId.replace(/^dtv1\.card\/\/IM_(ROBOT|GROUP)\./, ''),
        userIdType: 1,
        value: typeof data.content === 'string' ? data.content : '',
      }),
    });
    const elapsedMs = Date.now() - started;
    const body = (await response.json().catch(() => undefined)) as
      | { cardData?: { cardParamMap?: unknown }; cardUpdateOptions?: { updateCardDataByKey?: boolean } }
      | undefined;
    let updated = false;
    if (response.ok && body?.cardData !== undefined) {
      if (!isStringMap(body.cardData.cardParamMap))
        return { status: response.status, body, elapsedMs, updated, ok: false };
      const next = body.cardData.cardParamMap;
      card.cardParamMap = body.cardUpdateOptions?.updateCardDataByKey ? { ...card.cardParamMap, ...next } : { ...next };
      card.updates++;
      updated = true;
    }
    return { status: response.status, body, elapsedMs, updated, ok: response.ok };
  }

  function robotPayload(input: {
    staffId: string;
    text: string;
    conversationType?: '1' | '2';
    conversationId?: string;
    atBot?: boolean;
    senderNick?: string;
  }) {
    const group = input.conversationType === '2';
    const conversationId = input.conversationId ?? (group ? 'cidGroup0001==' : `cidP2P${input.staffId}==`);
    const session = nextId('sess_');
    const expiresAt = now().getTime() + sessionTtl;
    sessions.set(session, { expiresAt, conversationId, to: group ? conversationId : input.staffId, group });
    return {
      conversationId,
      chatbotCorpId: corpId,
      chatbotUserId: `$:LWCP_v1:$${options.robotCode}`,
      msgId: nextId('msg'),
      senderNick: input.senderNick ?? input.staffId,
      isAdmin: false,
      senderStaffId: input.staffId,
      sessionWebhookExpiredTime: expiresAt,
      createAt: now().getTime(),
      senderCorpId: corpId,
      conversationType: group ? '2' : '1',
      senderId: `$:LWCP_v1:$${input.staffId}`,
      ...(group ? { conversationTitle: 'Polaris 群', isInAtList: input.atBot ?? true } : {}),
      sessionWebhook: `${baseUrl}/robot/sendBySession?session=${session}`,
      // DingTalk removes the @robot mention from group text and keeps the space after it.
      text: { content: group ? ` ${input.text}` : input.text },
      robotCode: options.robotCode,
      msgtype: 'text',
    };
  }

  return {
    /** Starts an outage (see bots/common/emulator/faults.ts); `clearFault` ends it. */
    fault: (fault: Fault) => faults.set(fault),
    clearFault: () => faults.clear(),
    app,
    calls,
    messages,
    cards,
    cardRoutes,
    lost,
    stream,
    /** Punch results served to attendance connectors (classic oapi /attendance/list). */
    attendance,
    /** The organisation's 通讯录 as the oapi directory APIs serve it (departments, users, permissions, QPS). */
    directory,
    setBaseUrl(url: string) {
      baseUrl = url.replace(/\/$/, '');
    },
    get baseUrl() {
      return baseUrl;
    },
    /** Invalidates every issued access token, as when DingTalk rotates them early (calls then get 401). */
    revokeTokens() {
      tokens.clear();
    },
    /** Makes every current sessionWebhook expire (as 90 minutes passing would). */
    expireSessions() {
      for (const s of sessions.values()) s.expiresAt = 0;
    },
    /**
     * A person writes to the robot. Over HTTP (signed POST to webhookUrl) when one is set,
     * else as a Stream CALLBACK frame. Groups deliver only @-mentions, as on DingTalk.
     */
    async deliverText(input: {
      staffId: string;
      text: string;
      conversationType?: '1' | '2';
      conversationId?: string;
      atBot?: boolean;
      senderNick?: string;
      via?: 'http' | 'stream';
    }) {
      const payload = robotPayload(input);
      if (payload.conversationType === '2' && input.atBot === false) return { delivered: false as const, payload };
      const via = input.via ?? (options.webhookUrl ? 'http' : 'stream');
      if (via === 'http') return { delivered: true as const, payload, ...(await signedRobotPost(payload)) };
      return { delivered: true as const, payload, messageId: stream.push(TOPIC_ROBOT, payload) };
    },
    /**
     * A person clicks a card button. Routed by the callbackType the card was created with;
     * with no receiver for that type the click is lost (and recorded), as on DingTalk.
     */
    async clickCard(input: { outTrackId: string; userId: string; actionId: string; params: Record<string, unknown> }) {
      const card = cards.get(input.outTrackId);
      const at = now().toISOString();
      if (!card) throw new Error(`emulator: no card ${input.outTrackId}`);
      const data = {
        extension: '{}',
        corpId,
        type: 'actionCallback',
        userId: input.userId,
        outTrackId: input.outTrackId,
        content: JSON.stringify({ cardPrivateData: { actionIds: [input.actionId], params: input.params } }),
      };
      if (card.callbackType === 'HTTP') {
        // https://open.dingtalk.com/document/orgapp/event-callback-card: HTTP clicks go to the URL
        // registered under the card's callbackRouteKey; the event subscription plays no part.
        if (!card.callbackRouteKey) {
          lost.push({
            outTrackId: input.outTrackId,
            reason: 'HTTP callback card created without callbackRouteKey',
            at,
          });
          return { delivered: false as const };
        }
        const route = cardRoutes.get(card.callbackRouteKey);
        if (!route) {
          lost.push({
            outTrackId: input.outTrackId,
            reason: `no callback URL registered for callbackRouteKey ${card.callbackRouteKey}`,
            at,
          });
          return { delivered: false as const };
        }
        return {
          delivered: true as const,
          via: 'http' as const,
          ...(await httpCardPost(route.callbackUrl, card, data)),
        };
      }
      if (card.callbackType === 'STREAM') {
        if (!everSubscribed.has(TOPIC_CARD)) {
          lost.push({
            outTrackId: input.outTrackId,
            reason: 'STREAM callback card but no Stream client subscribed to card callbacks',
            at,
          });
          return { delivered: false as const };
        }
        return { delivered: true as const, via: 'stream' as const, messageId: stream.push(TOPIC_CARD, data) };
      }
      lost.push({ outTrackId: input.outTrackId, reason: 'card created without callbackType', at });
      return { delivered: false as const };
    },
    /**
     * A 通讯录事件 (user_add_org, user_modify_org, user_leave_org, org_dept_create, org_dept_modify,
     * org_dept_remove): over the HTTP event subscription (encrypted, `EventType` + `UserId` / `DeptId`)
     * when an eventsUrl is set, else as a Stream EVENT frame (`eventType` header, `userId` / `deptId`).
     * https://open.dingtalk.com/document/orgapp/address-book-events
     */
    async deliverContactEvent(
      eventType:
        | 'user_add_org'
        | 'user_modify_org'
        | 'user_leave_org'
        | 'org_dept_create'
        | 'org_dept_modify'
        | 'org_dept_remove',
      ids: { userIds?: string[]; deptIds?: number[] },
      via: 'http' | 'stream' = options.eventsUrl ? 'http' : 'stream',
    ) {
      if (via === 'http')
        return encryptedEventPost({
          EventType: eventType,
          TimeStamp: String(now().getTime()),
          CorpId: corpId,
          ...(ids.userIds ? { UserId: ids.userIds } : {}),
          ...(ids.deptIds ? { DeptId: ids.deptIds } : {}),
        });
      const messageId = stream.push(
        '*',
        {
          eventId: nextId('evt_'),
          timeStamp: now().getTime(),
          ...(ids.userIds ? { userId: ids.userIds } : {}),
          ...(ids.deptIds ? { deptId: ids.deptIds } : {}),
        },
        'EVENT',
        { eventType, eventCorpId: corpId, eventId: nextId('evt_'), eventBornTime: String(now().getTime()) },
      );
      return { messageId };
    },
    /** The console's "save" of the event-subscription URL: an encrypted check_url. */
    checkUrl() {
      return encryptedEventPost({ EventType: 'check_url' });
    },
    reset() {
      faults.clear();
      calls.length = 0;
      messages.length = 0;
      lost.length = 0;
      acks.length = 0;
      pongs.length = 0;
      connectionLog.length = 0;
      cards.clear();
      cardRoutes.clear();
      sessions.clear();
      tokens.clear();
      recentCalls.length = 0;
      stream.stop();
    },
  };
}

export type DingtalkEmulator = ReturnType<typeof createDingtalkEmulator>;
