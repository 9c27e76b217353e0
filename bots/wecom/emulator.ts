// A local WeCom (企业微信) that speaks the real protocol, for tests and the
// playground: gettoken, message/send, update_template_card, and the callback
// side (URL verification, encrypted message and template_card_event pushes with
// WeCom's retry behaviour). Node-only: the callback crypto uses @wecom/crypto,
// which makes every adapter ↔ emulator test a cross-check of our WebCrypto code.
import { randomBytes } from 'node:crypto';
import { decrypt as wecomDecrypt, encrypt as wecomEncrypt, getSignature } from '@wecom/crypto';
import { Hono, type Context } from 'hono';
import { defaultWebhookUrl, serveOnNode, standaloneEnv } from '../common/emulator/serve';
import { mountWecomOAuth } from './emulator-oauth';
import { checkinDayData, createWecomCheckin } from './emulator-checkin';
import { createWecomDirectory, mountWecomDirectory } from './emulator-directory';
import { log } from '../../core/log';
import type { SignInAllowed } from '../common/emulator/oauth-codes';
import { redactSecrets } from '../common/emulator/redact';
import { createFaults, type Fault } from '../common/emulator/faults';

export interface WecomEmulatorOptions {
  corpId: string;
  agentId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  /** Where callbacks are posted (the server's /webhooks/wecom). */
  webhookUrl?: string;
  now?: () => Date;
  /** How callbacks reach the webhook (default: global fetch). */
  fetch?: typeof fetch;
  /** Members of the corp; undefined accepts every well-formed userid. */
  users?: string[];
  /** WeCom waits 5 s for HTTP 200 before retrying. */
  deliveryTimeoutMs?: number;
  /** WeCom retries a callback 3 times. */
  retries?: number;
  /** Pause before each retry (the real platform's pause is the timeout itself). */
  retryDelayMs?: number;
  /**
   * The app's 企业可信IP list. When set and `callerIp` is not on it, every API call except
   * gettoken answers errcode 60020, as WeCom does for apps created since 2022.
   */
  trustedIps?: string[];
  /** The address WeCom sees the server call from (default 127.0.0.1). */
  callerIp?: string;
  /** Who the OAuth authorize page may sign in (default: anyone); see common/emulator/oauth-codes.ts. */
  signInAllowed?: SignInAllowed;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  response: { errcode: number; errmsg: string; [k: string]: unknown };
}

export interface EmulatedWecomMessage {
  msgid: string;
  msgtype: string;
  touser: string[];
  delivered: string[];
  /** Recipients over the 30/min or 1000/h member limit: WeCom drops these silently. */
  dropped: string[];
  body: Record<string, unknown>;
  /** The template card as it currently stands (after updates). */
  templateCard?: Record<string, unknown>;
  taskId?: string;
  /** userid → replaced button text, after `button.replace_name` updates. */
  replacedButton: Record<string, string>;
  updates: Record<string, unknown>[];
  sentAt: Date;
}

export interface DeliveryResult {
  status: number;
  body: string;
  attempts: number;
}

const TOKEN_TTL_S = 7200;
/** "taskid has existed or empty or exceed max len" (docs/platform-facts.md). */
export const TASK_ID_EXISTS = 42014;
/**
 * A spent, expired or unknown response_code on update_template_card. WeCom publishes no dedicated
 * code (path/94888 only says the code is single-use and valid 72 h); 40058 "不合法的参数" is the
 * global code for a bad parameter, and never 40008, which is "不合法的msgtype参数".
 */
export const SPENT_RESPONSE_CODE = 40058;
const RESPONSE_CODE_TTL_MS = 72 * 3600 * 1000;
const MEMBER_LIMITS = [
  { count: 30, windowMs: 60_000 },
  { count: 1000, windowMs: 3_600_000 },
];
const CARD_TYPES = new Set([
  'text_notice',
  'news_notice',
  'button_interaction',
  'vote_interaction',
  'multiple_interaction',
]);
const MSG_TYPES = new Set([
  'text',
  'markdown',
  'template_card',
  'image',
  'voice',
  'video',
  'file',
  'textcard',
  'news',
  'mpnews',
]);
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;

type Json = Record<string, unknown>;
class ApiError extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

const chars = (s: unknown) => (typeof s === 'string' ? [...s].length : 0);
const bytes = (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s) : 0);

/** CDATA that survives a `]]>` inside the value. */
function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** Structure and limits of a template_card, as strict as WeCom's documented limits. */
export function validateTemplateCard(card: unknown): string | undefined {
  if (!card || typeof card !== 'object') return 'template_card missing';
  const c = card as Json;
  if (typeof c.card_type !== 'string' || !CARD_TYPES.has(c.card_type))
    return `template_card.card_type ${String(c.card_type)} invalid`;
  const main = (c.main_title ?? {}) as Json;
  if (!main.title && !c.sub_title_text) return 'main_title.title or sub_title_text required';
  if (chars(main.title) > 26) return 'main_title.title exceeds 26 characters';
  if (chars(main.desc) > 30) return 'main_title.desc exceeds 30 characters';
  if (chars(c.sub_title_text) > 112) return 'sub_title_text exceeds 112 characters';
  if (c.task_id !== undefined && (typeof c.task_id !== 'string' || !/^[A-Za-z0-9_@-]{1,128}$/.test(c.task_id)))
    return 'task_id must be letters, digits, _-@, at most 128 bytes';
  if (c.horizontal_content_list !== undefined) {
    if (!Array.isArray(c.horizontal_content_list) || c.horizontal_content_list.length > 6)
      return 'horizontal_content_list must have at most 6 items';
    for (const item of c.horizontal_content_list as Json[]) {
      if (!item.keyname || chars(item.keyname) > 5)
        return 'horizontal_content_list.keyname required, at most 5 characters';
      if (chars(item.value) > 26) return 'horizontal_content_list.value exceeds 26 characters';
    }
  }
  if (c.card_type === 'text_notice') {
    const action = c.card_action as Json | undefined;
    if (!action || !((action.type === 1 && action.url) || (action.type === 2 && action.appid)))
      return 'text_notice requires card_action (type 1 with url, or 2 with appid)';
  }
  if (c.card_type === 'button_interaction') {
    if (!c.task_id) return 'button_interaction requires task_id';
    const list = c.button_list;
    // The documented struct has no replace_text: a button_interaction card always has buttons.
    // https://developer.work.weixin.qq.com/document/path/90236 (按钮交互型)
    if (list === undefined) return 'button_interaction requires button_list';
    if (list !== undefined) {
      if (!Array.isArray(list) || list.length < 1 || list.length > 6) return 'button_list must have 1 to 6 buttons';
      const keys = new Set<string>();
      for (const b of list as Json[]) {
        if (typeof b.text !== 'string' || !b.text || chars(b.text) > 10)
          return 'button_list.text required, at most 10 characters';
        if (b.style !== undefined && ![1, 2, 3, 4].includes(b.style as number)) return 'button_list.style must be 1-4';
        if ((b.type ?? 0) === 0) {
          if (typeof b.key !== 'string' || !b.key || bytes(b.key) > 1024)
            return 'button_list.key required, at most 1024 bytes';
          if (keys.has(b.key)) return 'button_list.key must be unique';
          keys.add(b.key);
        }
      }
    }
  }
  return undefined;
}

export function createWecomEmulator(options: WecomEmulatorOptions) {
  const now = options.now ?? (() => new Date());
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const calls: RecordedCall[] = [];
  const messages = new Map<string, EmulatedWecomMessage>();
  const tokens = new Map<string, number>();
  const responseCodes = new Map<string, { msgid: string; userid?: string; expiresAt: number; used: boolean }>();
  /** task_id → msgid: an app cannot use a task_id twice (errcode 42014). */
  const taskIds = new Map<string, string>();
  const memberHistory = new Map<string, number[]>();
  const drops: { msgid: string; userid: string }[] = [];
  let users = options.users ? new Set(options.users) : undefined;
  let msgSeq = 0;
  let msgIdSeq = 7_000_000_000_000_000_000n;

  /** The corp's 通讯录 (departments, members, the app's visible range), served by the directory APIs. */
  const directory = createWecomDirectory();
  const isMember = (userid: string) =>
    USERID.test(userid) && (!users || users.has(userid) || directory.users.some((u) => u.userid === userid));

  function issueResponseCode(msgid: string, userid?: string): string {
    const code = randomBytes(32).toString('base64url');
    responseCodes.set(code, { msgid, userid, expiresAt: now().getTime() + RESPONSE_CODE_TTL_MS, used: false });
    return code;
  }

  function checkToken(c: Context): void {
    const token = c.req.query('access_token');
    if (!token) throw new ApiError(41001, 'access_token missing');
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined) throw new ApiError(40014, 'invalid access_token');
    if (expiresAt <= now().getTime()) throw new ApiError(42001, 'access_token expired');
  }

  function checkAgent(body: Json): void {
    if (String(body.agentid ?? '') !== options.agentId) throw new ApiError(40056, 'invalid agentid');
  }

  /** Per-member limits: 30/min and 1000/h; the excess is dropped without an error. */
  function admit(userid: string): boolean {
    const t = now().getTime();
    const history = (memberHistory.get(userid) ?? []).filter((at) => at > t - 3_600_000);
    const ok = MEMBER_LIMITS.every((l) => history.filter((at) => at > t - l.windowMs).length < l.count);
    if (ok) history.push(t);
    memberHistory.set(userid, history);
    return ok;
  }

  function send(body: Json): Json {
    checkAgent(body);
    const msgtype = body.msgtype;
    if (typeof msgtype !== 'string' || !MSG_TYPES.has(msgtype)) throw new ApiError(40008, 'invalid message type');
    const content = body[msgtype] as Json | undefined;
    if (!content || typeof content !== 'object') throw new ApiError(40058, `${msgtype} missing`);
    if (msgtype === 'text' || msgtype === 'markdown') {
      if (typeof content.content !== 'string' || !content.content) throw new ApiError(41009, 'content missing');
      if (bytes(content.content) > 2048) throw new ApiError(40058, `${msgtype}.content exceeds 2048 bytes`);
    }
    if (msgtype === 'template_card') {
      const problem = validateTemplateCard(content);
      if (problem) throw new ApiError(40058, `invalid template_card: ${problem}`);
      // https://developers.weixin.qq.com/community/enterprisewechat/doc/000e8a97798020098fdd7015a51800
      const taskId = (content as Json).task_id;
      if (typeof taskId === 'string' && taskIds.has(taskId))
        throw new ApiError(TASK_ID_EXISTS, 'taskid has existed or empty or exceed max len');
    }
    const touser = typeof body.touser === 'string' ? body.touser.split('|').filter(Boolean) : [];
    const invalid = touser.filter((u) => !isMember(u));
    const valid = touser.filter((u) => isMember(u));
    if (!valid.length) throw new ApiError(81013, 'user & party & tag all invalid');
    const msgid = `emu_msg_${++msgSeq}`;
    const delivered: string[] = [];
    const dropped: string[] = [];
    for (const u of valid) {
      if (admit(u)) delivered.push(u);
      else {
        dropped.push(u);
        drops.push({ msgid, userid: u });
      }
    }
    const card = msgtype === 'template_card' ? (content as Json) : undefined;
    if (typeof card?.task_id === 'string') taskIds.set(card.task_id, msgid);
    messages.set(msgid, {
      msgid,
      msgtype,
      touser,
      delivered,
      dropped,
      body,
      templateCard: card,
      taskId: card?.task_id as string | undefined,
      replacedButton: {},
      updates: [],
      sentAt: now(),
    });
    const reply: Json = { invaliduser: invalid.join('|'), msgid };
    if (card && card.card_type !== 'text_notice' && card.card_type !== 'news_notice')
      reply.response_code = issueResponseCode(msgid);
    return reply;
  }

  function updateCard(body: Json): Json {
    checkAgent(body);
    const code = typeof body.response_code === 'string' ? body.response_code : '';
    const entry = responseCodes.get(code);
    if (!entry || entry.used || entry.expiresAt <= now().getTime())
      throw new ApiError(SPENT_RESPONSE_CODE, 'invalid response_code (unknown, used or expired)');
    const message = messages.get(entry.msgid);
    if (!message) throw new ApiError(SPENT_RESPONSE_CODE, 'invalid response_code');
    const userids = Array.isArray(body.userids)
      ? (body.userids as unknown[]).filter((u): u is string => typeof u === 'string')
      : [];
    if (!userids.length && body.atall !== 1) throw new ApiError(40058, 'userids required');
    const button = body.button as Json | undefined;
    if (button) {
      if (typeof button.replace_name !== 'string' || !button.replace_name)
        throw new ApiError(40058, 'button.replace_name required');
      for (const u of userids) message.replacedButton[u] = button.replace_name;
    } else {
      const problem = validateTemplateCard(body.template_card);
      if (problem) throw new ApiError(40058, `invalid template_card: ${problem}`);
      message.templateCard = body.template_card as Json;
    }
    entry.used = true;
    message.updates.push(body);
    return { invaliduser: userids.filter((u) => !isMember(u)) };
  }

  const app = new Hono();
  const faults = createFaults(now);
  // Outages on command (fault()): server errors and hangs on every API; errcode 45009 (frequency limit)
  // on message sending. https://developer.work.weixin.qq.com/document/path/90313
  app.use('/cgi-bin/*', async (c, next) => {
    const fault = faults.active();
    if (fault?.mode === 'hang') {
      await faults.hang(c.req.raw.signal);
      return c.text('Bad Gateway', 502);
    }
    if (fault?.mode === 'server_error') return c.text('Bad Gateway', 502);
    if (fault?.mode === 'rate_limit' && c.req.path.startsWith('/cgi-bin/message/'))
      return c.json({ errcode: 45009, errmsg: 'api freq out of limit' });
    await next();
  });
  const api = (path: string, handler: (c: Context, body: Json) => Json | Promise<Json>) => async (c: Context) => {
    let body: Json = {};
    let reply: RecordedCall['response'];
    try {
      const from = options.callerIp ?? '127.0.0.1';
      if (options.trustedIps && path !== '/cgi-bin/gettoken' && !options.trustedIps.includes(from))
        // https://developer.work.weixin.qq.com/document/path/90313 (60020)
        throw new ApiError(
          60020,
          `not allow to access from your ip, hint: [${Date.now()}], from ip: ${from}, more info at https://open.work.weixin.qq.com/devtool/query?e=60020`,
        );
      if (c.req.method === 'POST') {
        try {
          body = (await c.req.json()) as Json;
        } catch {
          throw new ApiError(47001, 'data format error: body is not JSON');
        }
      }
      reply = { errcode: 0, errmsg: 'ok', ...(await handler(c, body)) };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reply = { errcode: error.errcode, errmsg: error.message };
    }
    calls.push({
      method: c.req.method,
      path,
      query: redactSecrets(c.req.query()),
      body: redactSecrets(body),
      response: redactSecrets(reply),
    });
    return c.json(reply);
  };

  // https://developer.work.weixin.qq.com/document/path/91039
  app.get(
    '/cgi-bin/gettoken',
    api('/cgi-bin/gettoken', (c) => {
      if (c.req.query('corpid') !== options.corpId) throw new ApiError(40013, 'invalid corpid');
      if (c.req.query('corpsecret') !== options.secret) throw new ApiError(40001, 'invalid secret');
      const token = randomBytes(48).toString('base64url');
      tokens.set(token, now().getTime() + TOKEN_TTL_S * 1000);
      return { access_token: token, expires_in: TOKEN_TTL_S };
    }),
  );
  const checkin = createWecomCheckin();
  // https://developer.work.weixin.qq.com/document/path/93374
  app.post(
    '/cgi-bin/checkin/getcheckin_daydata',
    api('/cgi-bin/checkin/getcheckin_daydata', (c, body) => {
      checkToken(c);
      return checkinDayData(checkin, body, (u) => isMember(u) || checkin.reports.some((r) => r.userid === u));
    }),
  );
  // https://developer.work.weixin.qq.com/document/path/90236
  app.post(
    '/cgi-bin/message/send',
    api('/cgi-bin/message/send', (c, body) => {
      checkToken(c);
      return send(body);
    }),
  );
  // https://developer.work.weixin.qq.com/document/path/94888
  app.post(
    '/cgi-bin/message/update_template_card',
    api('/cgi-bin/message/update_template_card', (c, body) => {
      checkToken(c);
      return updateCard(body);
    }),
  );

  mountWecomDirectory(directory, {
    now,
    get: (path, handler) =>
      app.get(
        path,
        api(path, (c) => handler(c)),
      ),
    fail: (errcode, errmsg) => {
      throw new ApiError(errcode, errmsg);
    },
    checkToken,
  });

  mountWecomOAuth(app, {
    corpId: options.corpId,
    now,
    tokenExpiry: (t) => tokens.get(t),
    isMember,
    signInAllowed: options.signInAllowed,
  });

  // Playground controls (not part of WeCom).
  app.get('/_emulator/messages', (c) => c.json([...messages.values()]));
  app.post('/_emulator/text', async (c) =>
    c.json(await deliverText((await c.req.json()) as { userid: string; content: string })),
  );
  app.post('/_emulator/click', async (c) =>
    c.json(await clickButton((await c.req.json()) as { userid: string; msgId?: string; taskId?: string; key: string })),
  );
  app.post('/_emulator/verify-url', async (c) => c.json(await verifyUrl()));

  function signedQuery(encrypt: string) {
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE(0));
    return { timestamp, nonce, msg_signature: getSignature(options.token, timestamp, nonce, encrypt) };
  }

  /** One push with WeCom's retries: up to `retries` more attempts when no HTTP 200 arrives in time. */
  async function push(url: string, init: RequestInit): Promise<DeliveryResult> {
    const attemptsAllowed = 1 + (options.retries ?? 3);
    let last: DeliveryResult = { status: 0, body: '', attempts: 0 };
    for (let attempt = 1; attempt <= attemptsAllowed; attempt++) {
      if (attempt > 1 && options.retryDelayMs) await new Promise((r) => setTimeout(r, options.retryDelayMs));
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), options.deliveryTimeoutMs ?? 5_000);
      try {
        const response = await doFetch(url, { ...init, signal: abort.signal });
        last = { status: response.status, body: await response.text(), attempts: attempt };
      } catch {
        last = { status: 0, body: '', attempts: attempt };
      } finally {
        clearTimeout(timer);
      }
      if (last.status === 200) return last;
    }
    return last;
  }

  function requireWebhook(): string {
    if (!options.webhookUrl) throw new Error('the WeCom emulator has no webhookUrl to deliver to');
    return options.webhookUrl;
  }

  /** Encrypts, signs and posts one callback XML like WeCom does. */
  async function deliverXml(xml: string): Promise<DeliveryResult> {
    const encrypt = wecomEncrypt(options.encodingAesKey, xml, options.corpId);
    const q = signedQuery(encrypt);
    const body = `<xml><ToUserName>${cdata(options.corpId)}</ToUserName><AgentID>${cdata(options.agentId)}</AgentID><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
    const url = `${requireWebhook()}?msg_signature=${q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}`;
    return push(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  }

  /** The console's "save" check: GET with an encrypted echostr; WeCom leaves `+` unescaped unless `encodePlus`. */
  async function verifyUrl(
    opts: { encodePlus?: boolean } = {},
  ): Promise<{ status: number; body: string; echo: string; ok: boolean }> {
    const echo = String(randomBytes(8).readBigUInt64BE(0));
    const echostr = wecomEncrypt(options.encodingAesKey, echo, options.corpId);
    const q = signedQuery(echostr);
    const raw = opts.encodePlus ? encodeURIComponent(echostr) : echostr;
    const url = `${requireWebhook()}?msg_signature=${q.msg_signature}&timestamp=${q.timestamp}&nonce=${q.nonce}&echostr=${raw}`;
    const result = await push(url, { method: 'GET' });
    return { status: result.status, body: result.body, echo, ok: result.status === 200 && result.body === echo };
  }

  async function deliverText(input: {
    userid: string;
    content: string;
    msgId?: string;
  }): Promise<DeliveryResult & { msgId: string }> {
    const msgId = input.msgId ?? String(++msgIdSeq);
    const xml =
      `<xml><ToUserName>${cdata(options.corpId)}</ToUserName><FromUserName>${cdata(input.userid)}</FromUserName>` +
      `<CreateTime>${Math.floor(now().getTime() / 1000)}</CreateTime><MsgType>${cdata('text')}</MsgType>` +
      `<Content>${cdata(input.content)}</Content><MsgId>${msgId}</MsgId><AgentID>${options.agentId}</AgentID></xml>`;
    return { ...(await deliverXml(xml)), msgId };
  }

  /** A member taps a button: a template_card_event with a fresh single-use ResponseCode for that card. */
  async function clickButton(input: {
    userid: string;
    msgId?: string;
    taskId?: string;
    key: string;
  }): Promise<DeliveryResult & { responseCode: string; xml: string }> {
    const message = input.msgId
      ? messages.get(input.msgId)
      : [...messages.values()].find((m) => m.taskId !== undefined && m.taskId === input.taskId);
    if (!message?.templateCard) throw new Error(`no template card ${input.msgId ?? input.taskId}`);
    if (!message.delivered.includes(input.userid))
      throw new Error(`${input.userid} never received card ${message.msgid}`);
    if (message.replacedButton[input.userid])
      throw new Error(
        `the buttons of ${message.msgid} were replaced by "${message.replacedButton[input.userid]}" for ${input.userid}`,
      );
    const buttons = (message.templateCard.button_list ?? []) as Json[];
    if (!buttons.some((b) => b.key === input.key))
      throw new Error(`card ${message.msgid} has no button with key ${input.key}`);
    const responseCode = issueResponseCode(message.msgid, input.userid);
    const xml =
      `<xml><ToUserName>${cdata(options.corpId)}</ToUserName><FromUserName>${cdata(input.userid)}</FromUserName>` +
      `<CreateTime>${Math.floor(now().getTime() / 1000)}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('template_card_event')}</Event>` +
      `<EventKey>${cdata(input.key)}</EventKey><TaskId>${cdata(String(message.taskId ?? ''))}</TaskId>` +
      `<CardType>${cdata(String(message.templateCard.card_type))}</CardType><ResponseCode>${cdata(responseCode)}</ResponseCode>` +
      `<AgentID>${options.agentId}</AgentID></xml>`;
    return { ...(await deliverXml(xml)), responseCode, xml };
  }

  /**
   * A 通讯录 change pushed to the app's callback URL, as WeCom does for members and departments
   * changed in the admin console: `change_contact` with ChangeType create_user, update_user,
   * delete_user, create_party, update_party or delete_party and the changed ids.
   * https://developer.work.weixin.qq.com/document/path/90970 (成员变更通知)
   * https://developer.work.weixin.qq.com/document/path/90971 (部门变更通知)
   */
  async function deliverChangeContact(input: {
    changeType: 'create_user' | 'update_user' | 'delete_user' | 'create_party' | 'update_party' | 'delete_party';
    userId?: string;
    departmentId?: number;
  }): Promise<DeliveryResult> {
    const fields = input.changeType.endsWith('_user')
      ? `<UserID>${cdata(input.userId ?? '')}</UserID>`
      : `<Id>${input.departmentId ?? 0}</Id>`;
    const xml =
      `<xml><ToUserName>${cdata(options.corpId)}</ToUserName><FromUserName>${cdata('sys')}</FromUserName>` +
      `<CreateTime>${Math.floor(now().getTime() / 1000)}</CreateTime><MsgType>${cdata('event')}</MsgType>` +
      `<Event>${cdata('change_contact')}</Event><ChangeType>${cdata(input.changeType)}</ChangeType>${fields}</xml>`;
    return deliverXml(xml);
  }

  /** Decrypts what a server sent back (passive replies) or any WeCom ciphertext, for assertions. */
  function decryptForTest(encrypt: string) {
    return wecomDecrypt(options.encodingAesKey, encrypt);
  }

  function reset(): void {
    faults.clear();
    calls.length = 0;
    messages.clear();
    tokens.clear();
    responseCodes.clear();
    taskIds.clear();
    memberHistory.clear();
    drops.length = 0;
    users = options.users ? new Set(options.users) : undefined;
  }

  return {
    app,
    calls,
    messages,
    /** 打卡日报 served to attendance connectors. */
    checkin,
    /** Messages WeCom silently dropped for exceeding a member's limits. */
    dropped: drops,
    verifyUrl,
    deliverText,
    deliverXml,
    clickButton,
    deliverChangeContact,
    decryptForTest,
    /** The corp's 通讯录 as the directory APIs serve it (departments, users, visible range, limits). */
    directory,
    /** Forget every issued access token (the next call gets 40014). */
    invalidateTokens: () => tokens.clear(),
    addUser: (userid: string) => {
      users ??= new Set();
      users.add(userid);
    },
    reset,
    /** Starts an outage (see bots/common/emulator/faults.ts); `clearFault` ends it. */
    fault: (fault: Fault) => faults.set(fault),
    clearFault: () => faults.clear(),
  };
}

export type WecomEmulator = ReturnType<typeof createWecomEmulator>;

/** Serves an emulator on Node; port 0 picks a free port. */
export async function serveWecomEmulator(
  emulator: WecomEmulator,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  return serveOnNode(emulator.app.fetch, { port });
}

export async function runStandalone(options: {
  port: number;
  webhookUrl?: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const env = standaloneEnv();
  const config = {
    corpId: env.WECOM_CORP_ID ?? 'ww_emulator_corp',
    agentId: env.WECOM_AGENT_ID ?? '1000002',
    secret: env.WECOM_SECRET ?? 'emulator-secret',
    token: env.WECOM_TOKEN ?? 'emulatortoken',
    // 43 base64 characters, like the console generates.
    encodingAesKey: env.WECOM_ENCODING_AES_KEY ?? 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    webhookUrl: options.webhookUrl ?? defaultWebhookUrl(env, 'wecom'),
  };
  const running = await serveWecomEmulator(createWecomEmulator(config), options.port);
  log.info(
    `WeCom emulator: base URL ${running.url} (set WECOM_API_BASE=${running.url}), corpid ${config.corpId}, agentid ${config.agentId}, webhook ${config.webhookUrl ?? 'none'}`,
  );
  return running;
}
