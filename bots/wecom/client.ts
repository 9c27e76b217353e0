// Outbound WeCom API calls: access token, message/send, update_template_card.
// Errors are classified into DeliveryError for the outbox's retry policy.
import { DeliveryError, isTimeout, PLATFORM_CALL_TIMEOUT_MS } from '../types';
import { SingleFlightToken } from '../common/token';

export interface WecomClientOptions {
  corpId: string;
  secret: string;
  agentId: string;
  apiBase: string;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Bound on each HTTP call; a call that runs past it is abandoned as a transient failure. */
  timeoutMs?: number;
}

export interface WecomSendResult {
  msgid: string;
  responseCode?: string;
  /** Recipients WeCom did not deliver to (errcode 0 nonetheless). */
  invalidUsers: string[];
  /**
   * WeCom refused the card's task_id as already used (42014): an earlier attempt of this send was
   * delivered but its answer (msgid, response_code) was lost. Treated as delivered.
   */
  alreadyDelivered?: boolean;
}

interface ApiReply {
  errcode?: number;
  errmsg?: string;
  [k: string]: unknown;
}

/** Refresh the token this long before WeCom says it expires. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;
const TOKEN_ERRORS = new Set([40014, 42001, 40082]);
/**
 * "taskid has existed or empty or exceed max len".
 * https://developers.weixin.qq.com/community/enterprisewechat/doc/000e8a97798020098fdd7015a51800
 */
export const TASK_ID_EXISTS = 42014;

/**
 * errcode → how the outbox should treat it. WeCom's global code table documents -1 (system busy) as
 * "retry later" and 45009 / 45033 as the frequency and concurrency limits; every other code names a
 * fault in the request, the credentials or the recipient, which a retry cannot fix.
 * https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
 * https://developer.work.weixin.qq.com/document/path/90312 (频率限制: per-minute and per-hour windows)
 */
function classify(call: string, reply: ApiReply): DeliveryError {
  const code = reply.errcode ?? -1;
  const detail = `${call}: WeCom errcode ${code} ${reply.errmsg ?? ''}`.trim();
  switch (code) {
    case -1:
      return new DeliveryError(`${detail} (system busy)`, true, 2_000, code);
    // 45009: API call frequency over the limit (per-minute window); 45033: too many concurrent calls.
    case 45009:
      return new DeliveryError(`${detail} (API frequency limit)`, true, 60_000, code, 'app');
    case 45033:
      return new DeliveryError(`${detail} (concurrency limit)`, true, 1_000, code, 'app');
    case 40014:
    case 42001:
    case 40082:
      return new DeliveryError(`${detail} (access token rejected twice)`, true, 1_000, code);
    // 40008 is "不合法的msgtype参数" (invalid message type), nothing to do with response codes.
    // https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
    case 40008:
      return new DeliveryError(`${detail} (invalid message type: msgtype)`, false, undefined, code);
    // 40058 "不合法的参数": on update_template_card, the one parameter that goes bad by itself is the
    // single-use response_code (spent, or older than 72 h). WeCom does not publish a dedicated code.
    case 40058:
      return new DeliveryError(
        call === 'update_template_card'
          ? `${detail} (invalid parameter: most likely the response_code was already used or is older than 72 h)`
          : `${detail} (invalid parameter)`,
        false,
        undefined,
        code,
      );
    // 42014 "taskid has existed or empty or exceed max len": Polaris's task_ids are valid and unique per
    // outbox row, so this means an earlier attempt of the same row was delivered (see sendMessage).
    case TASK_ID_EXISTS:
      return new DeliveryError(`${detail} (task_id already used)`, false, undefined, code);
    case 40001:
      return new DeliveryError(`${detail}: check WECOM_SECRET`, false, undefined, code);
    case 40013:
      return new DeliveryError(`${detail}: check WECOM_CORP_ID`, false, undefined, code);
    case 81013:
      return new DeliveryError(
        `${detail}: no valid recipient (unknown userid or outside the app's visible range)`,
        false,
        undefined,
        code,
      );
    default:
      return new DeliveryError(detail, false, undefined, code);
  }
}

export class WecomClient {
  /** One access token for all concurrent callers, refreshed TOKEN_MARGIN_MS before it expires. */
  readonly token: SingleFlightToken;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;

  constructor(private readonly options: WecomClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => new Date());
    this.token = new SingleFlightToken(() => this.fetchToken(), this.now, TOKEN_MARGIN_MS);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? PLATFORM_CALL_TIMEOUT_MS;
  }

  /** A cached access token, fetched when missing or about to expire. */
  async accessToken(): Promise<string> {
    return this.token.get();
  }

  private async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    const { apiBase, corpId, secret } = this.options;
    // https://developer.work.weixin.qq.com/document/path/91039 (获取access_token)
    const url = `${apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(corpId)}&corpsecret=${encodeURIComponent(secret)}`;
    const reply = await this.request('gettoken', url, { method: 'GET' });
    if (reply.errcode !== 0 && reply.errcode !== undefined) throw classify('gettoken', reply);
    if (typeof reply.access_token !== 'string' || !reply.access_token)
      throw new DeliveryError('gettoken: no access_token in the reply', true);
    return {
      value: reply.access_token,
      expiresInSeconds: typeof reply.expires_in === 'number' ? reply.expires_in : 7200,
    };
  }

  private async request(call: string, url: string, init: RequestInit): Promise<ApiReply> {
    let response: Response;
    // The timeout covers the reply's body too.
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      response = await this.fetchImpl(url, { ...init, signal });
    } catch (error) {
      if (isTimeout(error))
        throw new DeliveryError(`${call}: timed out after ${this.timeoutMs} ms`, true, undefined, 'timeout');
      throw new DeliveryError(
        `${call}: network error: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
    }
    if (response.status === 429) throw new DeliveryError(`${call}: HTTP 429`, true, 60_000, response.status, 'app');
    if (response.status >= 500)
      throw new DeliveryError(`${call}: HTTP ${response.status}`, true, undefined, response.status);
    if (!response.ok) throw new DeliveryError(`${call}: HTTP ${response.status}`, false, undefined, response.status);
    try {
      return (await response.json()) as ApiReply;
    } catch (error) {
      if (isTimeout(error))
        throw new DeliveryError(`${call}: timed out after ${this.timeoutMs} ms`, true, undefined, 'timeout');
      throw new DeliveryError(`${call}: reply is not JSON`, true);
    }
  }

  /** POST with the access token; refreshes it once when WeCom says it is invalid or expired. */
  private async post(call: string, path: string, body: unknown): Promise<ApiReply> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token.get();
      const reply = await this.request(
        call,
        `${this.options.apiBase}${path}?access_token=${encodeURIComponent(token)}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
      if (reply.errcode === 0) return reply;
      if (TOKEN_ERRORS.has(reply.errcode ?? 0) && attempt === 0) {
        // Drop only the token WeCom refused, so concurrent refusals refresh it once.
        this.token.invalidate(token);
        continue;
      }
      throw classify(call, reply);
    }
  }

  /** Sends one message body (`{msgtype, <msgtype>: …}`) to one or more userids. */
  async sendMessage(
    userids: string[],
    body: Record<string, unknown>,
    options: { duplicateCheck?: boolean } = {},
  ): Promise<WecomSendResult> {
    const payload: Record<string, unknown> = {
      touser: userids.join('|'),
      agentid: Number(this.options.agentId),
      ...body,
    };
    // WeCom drops a repeat of the same content within the interval: what makes a retried send harmless.
    if (options.duplicateCheck) Object.assign(payload, { enable_duplicate_check: 1, duplicate_check_interval: 1800 });
    // https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息)
    let reply: ApiReply;
    try {
      reply = await this.post('message/send', '/cgi-bin/message/send', payload);
    } catch (error) {
      // The task_id is the outbox row's idempotency key: a 42014 on it means this very send got through before.
      if (error instanceof DeliveryError && error.code === TASK_ID_EXISTS && body.msgtype === 'template_card')
        return { msgid: '', invalidUsers: [], alreadyDelivered: true };
      throw error;
    }
    const invalidUsers = typeof reply.invaliduser === 'string' && reply.invaliduser ? reply.invaliduser.split('|') : [];
    if (invalidUsers.length && userids.every((u) => invalidUsers.includes(u))) {
      throw new DeliveryError(
        `message/send: WeCom delivered nothing: invalid userid(s) ${invalidUsers.join(', ')} (unknown or outside the app's visible range)`,
        false,
        undefined,
        'invaliduser',
      );
    }
    return {
      msgid: typeof reply.msgid === 'string' ? reply.msgid : String(reply.msgid ?? ''),
      responseCode: typeof reply.response_code === 'string' && reply.response_code ? reply.response_code : undefined,
      invalidUsers,
    };
  }

  /** Updates a template card for the given users with a single-use response_code. */
  async updateTemplateCard(
    input: { userids: string[]; responseCode: string } & (
      | { templateCard: Record<string, unknown> }
      | { replaceName: string }
    ),
  ): Promise<void> {
    const payload: Record<string, unknown> = {
      userids: input.userids,
      agentid: Number(this.options.agentId),
      response_code: input.responseCode,
    };
    if ('templateCard' in input) payload.template_card = input.templateCard;
    else payload.button = { replace_name: input.replaceName };
    // https://developer.work.weixin.qq.com/document/path/94888 (更新模版卡片消息)
    await this.post('update_template_card', '/cgi-bin/message/update_template_card', payload);
  }
}
