// Lark's open platform as seen by a bot, for tests and local playing: the
// token, message and card-update APIs with Lark's `{code,msg,data}` answers and
// limits, and event / card-callback pushes to the bot's webhook, signed and
// encrypted as Lark does, with Lark's retry policy. WebCrypto only; Node is
// needed for `runStandalone`.
import { Hono, type Context } from 'hono';
import { bytesToHex } from '../common/bytes';
import { defaultWebhookUrl, serveOnNode, standaloneEnv } from '../common/emulator/serve';
import { encryptLarkPayload } from './crypto';
import { larkSignature } from './verify';
import { cardButtons, validateCard } from './emulator-card';
import { createLarkDirectory, mountLarkDirectory } from './emulator-directory';
import { createLarkConnectorSources, mountLarkConnectorSources } from './emulator-connectors';
import { mountLarkOAuth } from './emulator-oauth';
import { log } from '../../core/log';
import type { SignInAllowed } from '../common/emulator/oauth-codes';
import { redactSecrets } from '../common/emulator/redact';
import { createFaults, type Fault } from '../common/emulator/faults';

export interface LarkEmulatorOptions {
  appId: string;
  appSecret: string;
  verificationToken: string;
  encryptKey?: string;
  webhookUrl?: string;
  now?: () => Date;
  /** How pushes reach the webhook (default: global fetch). */
  fetch?: typeof fetch;
  /** Lark waits 3 s for HTTP 200. */
  deliveryTimeoutMs?: number;
  /** Waits before each re-push; Lark uses 15 s, 5 min, 1 h, 6 h. */
  retryDelaysMs?: number[];
  /** Who the OAuth authorize page may sign in (default: anyone); see common/emulator/oauth-codes.ts. */
  signInAllowed?: SignInAllowed;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
}

export interface EmulatedMessage {
  messageId: string;
  chatId: string;
  receiveId: string;
  receiveIdType: string;
  msgType: string;
  /** The latest content, as the user sees it (JSON-decoded). */
  content: unknown;
  createTime: number;
  updates: number;
  uuid?: string;
  parentId?: string;
}

export interface Delivery {
  status: number;
  body: unknown;
  attempts: number;
}

const TOKEN_TTL_S = 7200;
const UUID_WINDOW_MS = 60 * 60 * 1000;
const CALLBACK_TOKEN_TTL_MS = 30 * 60 * 1000;
const APP_PER_SECOND = 50;
const APP_PER_MINUTE = 1000;
const RECEIVER_PER_SECOND = 5;
const MESSAGE_MAX_BYTES = 150 * 1024;
const RECEIVE_ID_TYPES = ['open_id', 'user_id', 'union_id', 'email', 'chat_id'];
const MSG_TYPES = [
  'text',
  'post',
  'image',
  'file',
  'audio',
  'media',
  'sticker',
  'interactive',
  'share_chat',
  'share_user',
];
/** Re-push intervals after a failed delivery (bots/lark/verify.ts cites the docs). */
export const LARK_RETRY_DELAYS_MS = [5_000, 5 * 60_000, 60 * 60_000, 6 * 60 * 60_000];

function randomId(prefix: string): string {
  return `${prefix}${bytesToHex(crypto.getRandomValues(new Uint8Array(12)))}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lark's error body; HTTP status as Lark sends it for that class of error. */
class LarkError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly status = 400,
  ) {
    super(msg);
  }
}

export function createLarkEmulator(options: LarkEmulatorOptions) {
  const now = options.now ?? (() => new Date());
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 3000;
  const retryDelaysMs = options.retryDelaysMs ?? LARK_RETRY_DELAYS_MS;
  const botOpenId = `ou_bot_${options.appId}`;
  const tenantKey = 'tenant_emulator';

  const calls: RecordedCall[] = [];
  const messages = new Map<string, EmulatedMessage>();
  const tokens = new Map<string, number>();
  const uuids = new Map<string, { messageId: string; at: number }>();
  const sendTimes: number[] = [];
  const receiverTimes = new Map<string, number[]>();
  const p2pChats = new Map<string, string>();
  const callbackTokens = new Map<string, { messageId: string; expiresAt: number; uses: number }>();

  function p2pChatId(openId: string): string {
    let id = p2pChats.get(openId);
    if (!id) {
      id = randomId('oc_');
      p2pChats.set(openId, id);
    }
    return id;
  }

  function requireToken(c: Context): void {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token)
      throw new LarkError(
        99991661,
        'Missing access token for authorization. Please make a request with token attached.',
      );
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined || expiresAt <= now().getTime()) {
      throw new LarkError(
        99991663,
        'Invalid access token for authorization. Please make a request with token attached.',
      );
    }
  }

  /** 50/s and 1000/min per app, 5/s per receiver (Lark's IM limits). */
  function takeRate(receiver: string): void {
    const t = now().getTime();
    const recent = (list: number[], window: number) => list.filter((x) => x > t - window);
    const app = recent(sendTimes, 60_000);
    const mine = recent(receiverTimes.get(receiver) ?? [], 1000);
    if (
      recent(app, 1000).length >= APP_PER_SECOND ||
      app.length >= APP_PER_MINUTE ||
      mine.length >= RECEIVER_PER_SECOND
    ) {
      throw new LarkError(230020, 'This operation triggers the frequency limit.');
    }
    sendTimes.splice(0, sendTimes.length, ...app, t);
    receiverTimes.set(receiver, [...mine, t]);
  }

  function parseContent(msgType: unknown, content: unknown): unknown {
    if (typeof msgType !== 'string' || !MSG_TYPES.includes(msgType))
      throw new LarkError(
        230001,
        `Your request contains an invalid request parameter, ext=invalid msg_type: ${String(msgType)}`,
      );
    if (typeof content !== 'string')
      throw new LarkError(230001, 'Your request contains an invalid request parameter, ext=content is required');
    if (new TextEncoder().encode(content).length > (msgType === 'interactive' ? 30 * 1024 : MESSAGE_MAX_BYTES)) {
      throw new LarkError(230025, 'The length of the message content reaches its limit.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      throw new LarkError(230001, 'Your request contains an invalid request parameter, ext=invalid message content');
    }
    if (msgType === 'text' && (!parsed || typeof (parsed as { text?: unknown }).text !== 'string')) {
      throw new LarkError(
        230001,
        'Your request contains an invalid request parameter, ext=text content needs a text field',
      );
    }
    if (msgType === 'interactive') checkCard(parsed);
    return parsed;
  }

  function checkCard(card: unknown): void {
    const problem = validateCard(card);
    if (problem) throw new LarkError(230099, `Failed to create card content, ext=ErrCode: 200621; ErrMsg: ${problem}`);
  }

  function messageData(m: EmulatedMessage) {
    return {
      message_id: m.messageId,
      root_id: m.parentId,
      parent_id: m.parentId,
      msg_type: m.msgType,
      create_time: String(m.createTime),
      update_time: String(now().getTime()),
      deleted: false,
      updated: m.updates > 0,
      chat_id: m.chatId,
      sender: { id: options.appId, id_type: 'app_id', sender_type: 'app', tenant_key: tenantKey },
      body: { content: JSON.stringify(m.content) },
    };
  }

  function createMessage(input: {
    receiveId: string;
    receiveIdType: string;
    chatId: string;
    msgType: unknown;
    content: unknown;
    uuid: unknown;
    parentId?: string;
  }) {
    const t = now().getTime();
    if (typeof input.uuid === 'string' && input.uuid !== '') {
      if (input.uuid.length > 50) throw new LarkError(99992402, 'field validation failed, uuid: max length 50');
      const seen = uuids.get(input.uuid);
      // The same uuid within an hour answers with the first message, not a new one.
      if (seen && seen.at > t - UUID_WINDOW_MS) return messageData(messages.get(seen.messageId)!);
    }
    const content = parseContent(input.msgType, input.content);
    takeRate(input.receiveId);
    const message: EmulatedMessage = {
      messageId: randomId('om_'),
      chatId: input.chatId,
      receiveId: input.receiveId,
      receiveIdType: input.receiveIdType,
      msgType: String(input.msgType),
      content,
      createTime: t,
      updates: 0,
      uuid: typeof input.uuid === 'string' && input.uuid ? input.uuid : undefined,
      parentId: input.parentId,
    };
    messages.set(message.messageId, message);
    if (message.uuid) uuids.set(message.uuid, { messageId: message.messageId, at: t });
    return messageData(message);
  }

  const app = new Hono();
  const faults = createFaults(now);

  // Outages on command (emulator.fault): server errors and hangs on every API; the gateway's
  // frequency control on the message APIs: HTTP 429, code 99991400, the reset time in seconds.
  // https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control
  app.use('/open-apis/*', async (c, next) => {
    const fault = faults.active();
    if (fault?.mode === 'hang') {
      await faults.hang(c.req.raw.signal);
      return c.text('Service Unavailable', 503);
    }
    if (fault?.mode === 'server_error') return c.json({ code: 1, msg: 'internal error' }, 503);
    if (fault?.mode === 'rate_limit' && c.req.path.startsWith('/open-apis/im/')) {
      c.header('x-ogw-ratelimit-limit', String(APP_PER_MINUTE));
      c.header('x-ogw-ratelimit-reset', String(fault.resetSeconds ?? 1));
      return c.json({ code: 99991400, msg: 'request trigger frequency limit' }, 429);
    }
    await next();
  });

  // Record every call and turn LarkErrors into Lark's error bodies.
  app.use('/open-apis/*', async (c, next) => {
    const text = await c.req.raw.clone().text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep text */
    }
    await next();
    const response = await c.res
      .clone()
      .json()
      .catch(() => undefined);
    calls.push({
      method: c.req.method,
      path: c.req.path,
      query: redactSecrets(c.req.query()),
      body: redactSecrets(body),
      status: c.res.status,
      response: redactSecrets(response),
    });
  });
  app.onError((error, c) => {
    if (error instanceof LarkError) return c.json({ code: error.code, msg: error.msg, error: {} }, error.status as 400);
    return c.json({ code: 1, msg: `emulator: ${error.message}` }, 500);
  });

  mountLarkOAuth(app, {
    appId: options.appId,
    appSecret: options.appSecret,
    now,
    signInAllowed: options.signInAllowed,
  });
  const directory = createLarkDirectory();
  mountLarkDirectory(app, directory, { requireToken, now });
  const sources = createLarkConnectorSources();
  mountLarkConnectorSources(app, sources, { requireToken });

  async function jsonBody(c: Context): Promise<Record<string, unknown>> {
    try {
      const body = await c.req.json();
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      /* fall through */
    }
    throw new LarkError(99992402, 'field validation failed: body must be a JSON object');
  }

  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
  app.post('/open-apis/auth/v3/tenant_access_token/internal', async (c) => {
    const body = await jsonBody(c);
    if (body.app_id !== options.appId) throw new LarkError(10003, 'invalid param');
    if (body.app_secret !== options.appSecret) throw new LarkError(10014, 'app secret invalid');
    const token = randomId('t-');
    tokens.set(token, now().getTime() + TOKEN_TTL_S * 1000);
    return c.json({ code: 0, msg: 'ok', tenant_access_token: token, expire: TOKEN_TTL_S });
  });

  // https://open.feishu.cn/document/server-docs/im-v1/message/create
  app.post('/open-apis/im/v1/messages', async (c) => {
    requireToken(c);
    const receiveIdType = c.req.query('receive_id_type') ?? '';
    if (!RECEIVE_ID_TYPES.includes(receiveIdType))
      throw new LarkError(
        99992402,
        'field validation failed, receive_id_type is required and must be one of open_id, user_id, union_id, email, chat_id',
      );
    const body = await jsonBody(c);
    if (typeof body.receive_id !== 'string' || body.receive_id === '')
      throw new LarkError(99992402, 'field validation failed, receive_id is required');
    const chatId = receiveIdType === 'chat_id' ? body.receive_id : p2pChatId(body.receive_id);
    const data = createMessage({
      receiveId: body.receive_id,
      receiveIdType,
      chatId,
      msgType: body.msg_type,
      content: body.content,
      uuid: body.uuid,
    });
    return c.json({ code: 0, msg: 'success', data });
  });

  // https://open.feishu.cn/document/server-docs/im-v1/message/reply
  app.post('/open-apis/im/v1/messages/:id/reply', async (c) => {
    requireToken(c);
    const parent = messages.get(c.req.param('id'));
    if (!parent) throw new LarkError(230011, 'The message was withdrawn or does not exist.');
    const body = await jsonBody(c);
    const data = createMessage({
      receiveId: parent.chatId,
      receiveIdType: 'chat_id',
      chatId: parent.chatId,
      msgType: body.msg_type,
      content: body.content,
      uuid: body.uuid,
      parentId: parent.messageId,
    });
    return c.json({ code: 0, msg: 'success', data });
  });

  // https://open.feishu.cn/document/server-docs/im-v1/message-card/patch
  app.patch('/open-apis/im/v1/messages/:id', async (c) => {
    requireToken(c);
    const message = messages.get(c.req.param('id'));
    if (!message) throw new LarkError(230011, 'The message was withdrawn or does not exist.');
    if (message.msgType !== 'interactive')
      throw new LarkError(
        230001,
        'Your request contains an invalid request parameter, ext=This message is NOT a card.',
      );
    const body = await jsonBody(c);
    message.content = parseContent('interactive', body.content);
    message.updates++;
    return c.json({ code: 0, msg: 'success', data: {} });
  });

  // https://open.feishu.cn/document/feishu-cards/card-callback-communication (delayed update)
  app.post('/open-apis/interactive/v1/card/update', async (c) => {
    requireToken(c);
    const body = await jsonBody(c);
    const entry = typeof body.token === 'string' ? callbackTokens.get(body.token) : undefined;
    if (!entry || entry.expiresAt <= now().getTime() || entry.uses >= 2)
      throw new LarkError(200740, 'token is invalid or expired');
    checkCard(body.card);
    const message = messages.get(entry.messageId);
    if (message) {
      message.content = body.card;
      message.updates++;
    }
    entry.uses++;
    return c.json({ code: 0, msg: 'success', data: {} });
  });

  /** The signed request of one push: body and headers (a re-push may reuse them, see pushEvent). */
  async function signedRequest(payload: unknown) {
    const body = options.encryptKey
      ? JSON.stringify({ encrypt: await encryptLarkPayload(options.encryptKey, JSON.stringify(payload)) })
      : JSON.stringify(payload);
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const nonce = randomId('');
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Go-http-client/1.1',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
    };
    if (options.encryptKey)
      headers['x-lark-signature'] = await larkSignature(timestamp, nonce, options.encryptKey, body);
    return { body, headers };
  }

  /** POSTs one body to the webhook as Lark does: encrypted and signed when an Encrypt Key is set. */
  async function push(
    payload: unknown,
    signed?: { body: string; headers: Record<string, string> },
  ): Promise<{ status: number; body: unknown }> {
    if (!options.webhookUrl) throw new Error('the emulator has no webhookUrl to push to');
    const { body, headers } = signed ?? (await signedRequest(payload));
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<{ status: number; body: unknown }>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ status: 0, body: 'timeout' });
      }, deliveryTimeoutMs);
    });
    const attempt = (async () => {
      try {
        const response = await send(options.webhookUrl!, { method: 'POST', headers, body, signal: controller.signal });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep text */
        }
        return { status: response.status, body: parsed };
      } catch (error) {
        return { status: 0, body: String(error) };
      }
    })();
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Pushes an event until it is answered with HTTP 200 in time, re-pushing (same event_id) up to 4
   * times. Whether Lark re-signs a re-push with a fresh timestamp is not documented, so the emulator
   * takes the harder case: every re-push carries the first push's timestamp, nonce and signature.
   */
  async function pushEvent(payload: unknown): Promise<Delivery> {
    const signed = await signedRequest(payload);
    let result = await push(payload, signed);
    let attempts = 1;
    while (result.status !== 200 && attempts <= retryDelaysMs.length) {
      await sleep(retryDelaysMs[attempts - 1]);
      result = await push(payload, signed);
      attempts++;
    }
    return { ...result, attempts };
  }

  function envelope(eventType: string, event: unknown, input: { tenantKey?: string; eventId?: string }) {
    return {
      schema: '2.0',
      header: {
        event_id: input.eventId ?? randomId(''),
        event_type: eventType,
        create_time: String(now().getTime()),
        token: options.verificationToken,
        app_id: options.appId,
        tenant_key: input.tenantKey ?? tenantKey,
      },
      event,
    };
  }

  function userIds(openId: string) {
    const suffix = openId.replace(/^ou_/, '');
    return { open_id: openId, user_id: `u_${suffix}`, union_id: `on_${suffix}` };
  }

  const emulator = {
    app,
    calls,
    messages,
    botOpenId,

    /** Starts an outage (see bots/common/emulator/faults.ts); `clearFault` ends it. */
    fault(fault: Fault) {
      faults.set(fault);
    },
    clearFault() {
      faults.clear();
    },
    /** API calls held by a hang right now. */
    get hanging() {
      return faults.hanging;
    },
    /** API calls answered with a fault (error, rate limit, hang) so far. */
    get faultAnswers() {
      return faults.answered;
    },

    /** Pushes any schema 2.0 event (e.g. one the bot does not subscribe to). */
    deliverEvent(
      eventType: string,
      event: unknown,
      input: { tenantKey?: string; eventId?: string } = {},
    ): Promise<Delivery> {
      return pushEvent(envelope(eventType, event, input));
    },

    /**
     * A 通讯录 change as Lark pushes it to apps subscribed to contact events: the user (or department)
     * record as it now stands in `event.object` (for a deletion, as it was).
     * https://open.feishu.cn/document/server-docs/contact-v3/user/events/created (updated, deleted)
     * https://open.feishu.cn/document/server-docs/contact-v3/department/events/created (updated, deleted)
     */
    deliverContactChange(
      eventType:
        | 'contact.user.created_v3'
        | 'contact.user.updated_v3'
        | 'contact.user.deleted_v3'
        | 'contact.department.created_v3'
        | 'contact.department.updated_v3'
        | 'contact.department.deleted_v3',
      id: string,
    ): Promise<Delivery> {
      const object = eventType.startsWith('contact.user.')
        ? (directory.users.find((u) => u.open_id === id) ?? { open_id: id })
        : (directory.departments.find((d) => d.open_department_id === id) ?? { open_department_id: id });
      return pushEvent(envelope(eventType, { object }, {}));
    },

    /** A person sends the bot a message (`im.message.receive_v1`). */
    async deliverMessage(input: {
      openId: string;
      text: string;
      chatType?: 'p2p' | 'group';
      chatId?: string;
      mentionBot?: boolean;
      tenantKey?: string;
      eventId?: string;
      messageType?: string;
      content?: unknown;
    }): Promise<Delivery> {
      const chatType = input.chatType ?? 'p2p';
      const tenant = input.tenantKey ?? tenantKey;
      const mentions = input.mentionBot
        ? [
            {
              key: '@_user_1',
              id: { open_id: botOpenId, user_id: '', union_id: `on_bot_${options.appId}` },
              name: 'Polaris',
              tenant_key: tenant,
            },
          ]
        : [];
      const text = input.mentionBot ? `@_user_1 ${input.text}` : input.text;
      const t = String(now().getTime());
      const event = {
        sender: { sender_id: userIds(input.openId), sender_type: 'user', tenant_key: tenant },
        message: {
          message_id: randomId('om_'),
          root_id: '',
          parent_id: '',
          create_time: t,
          update_time: t,
          chat_id: input.chatId ?? (chatType === 'p2p' ? p2pChatId(input.openId) : randomId('oc_')),
          chat_type: chatType,
          message_type: input.messageType ?? 'text',
          content: input.content !== undefined ? JSON.stringify(input.content) : JSON.stringify({ text }),
          mentions: mentions.length ? mentions : undefined,
        },
      };
      return pushEvent(envelope('im.message.receive_v1', event, input));
    },

    /**
     * A person clicks a callback button. Lark shows the answer's card in place
     * (`card.type: raw`), so the stored message changes as the user would see it.
     */
    async clickCard(input: {
      openId: string;
      messageId: string;
      value: Record<string, unknown>;
      formValue?: Record<string, unknown>;
      inputValue?: string;
      option?: string;
      tenantKey?: string;
      eventId?: string;
    }): Promise<{ status: number; body: unknown; cardError?: string }> {
      const message = messages.get(input.messageId);
      const tenant = input.tenantKey ?? tenantKey;
      const token = randomId('c-');
      callbackTokens.set(token, {
        messageId: input.messageId,
        expiresAt: now().getTime() + CALLBACK_TOKEN_TTL_MS,
        uses: 0,
      });
      const action: Record<string, unknown> = { value: input.value, tag: 'button' };
      if (input.formValue) action.form_value = input.formValue;
      if (input.inputValue !== undefined) action.input_value = input.inputValue;
      if (input.option !== undefined) action.option = input.option;
      const event = {
        operator: { tenant_key: tenant, ...userIds(input.openId) },
        token,
        action,
        host: 'im_message',
        context: { open_message_id: input.messageId, open_chat_id: message?.chatId ?? p2pChatId(input.openId) },
      };
      // Lark does not re-push card callbacks: a failure shows an error toast to the user.
      const result = await push(envelope('card.action.trigger', event, input));
      const card = (result.body as { card?: { type?: string; data?: unknown } } | undefined)?.card;
      if (result.status !== 200 || !card) return result;
      if (card.type !== 'raw') return { ...result, cardError: `unsupported card type ${String(card.type)}` };
      const cardError = validateCard(card.data);
      if (cardError) return { ...result, cardError };
      if (message) {
        message.content = card.data;
        message.updates++;
      }
      return result;
    },

    /** Clicks the button with this text in a sent card, as a person would. */
    async clickButton(input: { openId: string; messageId: string; text: string }) {
      const button = cardButtons(messages.get(input.messageId)?.content).find((b) => b.text === input.text);
      if (!button) throw new Error(`no button "${input.text}" in message ${input.messageId}`);
      return emulator.clickCard({ openId: input.openId, messageId: input.messageId, value: button.value });
    },

    /** The console's "verify request URL" step. */
    async urlVerification(challenge = randomId('')): Promise<{ status: number; body: unknown; ok: boolean }> {
      const result = await push({ challenge, token: options.verificationToken, type: 'url_verification' });
      const ok = result.status === 200 && (result.body as { challenge?: unknown } | undefined)?.challenge === challenge;
      return { ...result, ok };
    },

    /** Callback tokens handed out with card clicks (for delayed-update tests). */
    callbackTokens,

    /** The tenant's contact directory (departments, users, scope, rate limit) served by contact v3. */
    directory,

    /** Bitable bases and attendance results, read by connectors. */
    sources,

    /** Invalidates every issued tenant_access_token, as when Lark rotates them early. */
    revokeTokens() {
      tokens.clear();
    },

    reset() {
      faults.clear();
      calls.length = 0;
      messages.clear();
      tokens.clear();
      uuids.clear();
      receiverTimes.clear();
      p2pChats.clear();
      callbackTokens.clear();
      sendTimes.length = 0;
    },
  };

  // Control routes for people driving a standalone emulator by hand (curl, playground);
  // not part of Lark's API.
  app.get('/_emulator/messages', (c) => c.json([...messages.values()]));
  app.get('/_emulator/calls', (c) => c.json(calls));
  app.post('/_emulator/deliver', async (c) => c.json(await emulator.deliverMessage(await c.req.json())));
  app.post('/_emulator/click', async (c) => {
    const input = await c.req.json();
    return c.json(await (typeof input.text === 'string' ? emulator.clickButton(input) : emulator.clickCard(input)));
  });
  app.post('/_emulator/url-verification', async (c) => c.json(await emulator.urlVerification()));

  return emulator;
}

export type LarkEmulator = ReturnType<typeof createLarkEmulator>;

/** Serves an emulator over HTTP on Node (port 0 picks a free port). */
export async function serveLarkEmulator(
  emulator: LarkEmulator,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  return serveOnNode(emulator.app.fetch, { port });
}

/**
 * `npm run emulator -- lark`: credentials from LARK_* variables or demo values,
 * so the server and the emulator can share one `.env`.
 */
export async function runStandalone(options: {
  port: number;
  webhookUrl?: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const env = standaloneEnv();
  const config = {
    appId: env.LARK_APP_ID ?? 'cli_emulator',
    appSecret: env.LARK_APP_SECRET ?? 'emulator-secret',
    verificationToken: env.LARK_VERIFICATION_TOKEN ?? 'emulator-verification-token',
    encryptKey: env.LARK_ENCRYPT_KEY,
    webhookUrl: options.webhookUrl ?? defaultWebhookUrl(env, 'lark'),
  };
  const running = await serveLarkEmulator(createLarkEmulator(config), options.port);
  log.info(
    `Lark emulator: base URL ${running.url} (set LARK_DOMAIN=${running.url}), app_id ${config.appId}, webhook ${config.webhookUrl ?? 'none'}`,
  );
  return running;
}
