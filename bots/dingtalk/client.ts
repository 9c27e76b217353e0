// Outbound DingTalk API calls: access token, robot messages (sessionWebhook reply or
// proactive send), interactive cards (createAndDeliver / update). Web standards only.
import {
  DeliveryError,
  isTimeout,
  PLATFORM_CALL_TIMEOUT_MS,
  type Address,
  type DeliveryOptions,
  type OutboundMessage,
  type SentRef,
} from '../types';
import { sha256Hex } from '../common/bytes';
import { SingleFlightToken } from '../common/token';
import { renderCardParamMap, robotMessage, sessionWebhookBody } from './render';
import { isDingtalkSessionWebhook } from './parse';

export interface DingtalkClientOptions {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  apiBase: string;
  mode: 'http' | 'stream';
  cardTemplateId?: string;
  /** Only for HTTP-mode cards: the route key registered with /v1.0/card/callbacks/register. */
  cardCallbackRouteKey?: string;
  /**
   * HTTP mode: registers the card callback route before the first card is created
   * (memoized by the adapter; a failure leaves the send retryable).
   */
  ensureCardCallbackRoute?: () => Promise<void>;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Bound on each HTTP call; a call that runs past it is abandoned as a transient failure. */
  timeoutMs?: number;
}

/** Refresh this long before DingTalk's stated expiry, so a token never dies mid-request. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;
/** Do not reply through a sessionWebhook that expires within this margin. */
const SESSION_MARGIN_MS = 60 * 1000;
const DEFAULT_RETRY_AFTER_MS = 1000;

interface ApiError {
  code?: string;
  message?: string;
  requestid?: string;
}

/**
 * DingTalk's rate limits: new-style APIs answer HTTP 403 (or 429) with `Forbidden.AccessDenied.QpsLimitForApi`
 * or `…QpsLimitForAppkeyAndApi` (per-app, per-API QPS; the window is one second), `…QpmLimit…` per minute.
 * https://open.dingtalk.com/document/orgapp/invocation-frequency-limit
 */
function isThrottle(status: number, code: string | undefined): boolean {
  return status === 429 || /throttl|qpslimit|qpmlimit|flowcontrol|limit.?exceed/i.test(code ?? '');
}

function throttleWait(response: Response, code: string | undefined): number {
  // A per-minute quota resets within the minute; a QPS one within the second.
  return /qpmlimit/i.test(code ?? '') ? Math.max(60_000, retryAfter(response)) : retryAfter(response);
}

function retryAfter(response: Response): number {
  const header = Number(response.headers.get('retry-after'));
  return Number.isFinite(header) && header > 0 ? header * 1000 : DEFAULT_RETRY_AFTER_MS;
}

/** outTrackId doubles as idempotency key; keep it within DingTalk's character set and length. */
export async function outTrackIdFor(idempotencyKey: string): Promise<string> {
  if (/^[A-Za-z0-9_.:-]{1,64}$/.test(idempotencyKey)) return idempotencyKey;
  return `pol_${(await sha256Hex(idempotencyKey)).slice(0, 48)}`;
}

export function openSpaceId(to: Pick<Address, 'kind' | 'id'>): string {
  return to.kind === 'group' ? `dtv1.card//IM_GROUP.${to.id}` : `dtv1.card//IM_ROBOT.${to.id}`;
}

export class DingtalkClient {
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  /** One token for all concurrent callers, refreshed TOKEN_MARGIN_MS before it expires. */
  readonly token: SingleFlightToken;

  constructor(private readonly options: DingtalkClientOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => new Date());
    this.token = new SingleFlightToken(() => this.fetchToken(), this.now, TOKEN_MARGIN_MS);
  }

  /** One HTTP call with its reply read (JSON, or {} when it is not), within the call timeout. */
  private async call(input: string, init: RequestInit): Promise<{ response: Response; json: unknown }> {
    const timeoutMs = this.options.timeoutMs ?? PLATFORM_CALL_TIMEOUT_MS;
    try {
      const response = await this.fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      let json: unknown = {};
      try {
        json = text ? JSON.parse(text) : {};
      } catch {
        /* not JSON */
      }
      return { response, json };
    } catch (error) {
      if (isTimeout(error))
        throw new DeliveryError(`DingTalk call timed out after ${timeoutMs} ms`, true, undefined, 'timeout');
      throw new DeliveryError(`DingTalk unreachable: ${(error as Error).message}`, true, DEFAULT_RETRY_AFTER_MS);
    }
  }

  async accessToken(): Promise<string> {
    return this.token.get();
  }

  private async fetchToken(): Promise<{ value: string; expiresInSeconds: number }> {
    // https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
    const { response, json } = await this.call(`${this.options.apiBase}/v1.0/oauth2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: this.options.clientId, appSecret: this.options.clientSecret }),
    });
    const body = json as { accessToken?: string; expireIn?: number } & ApiError;
    if (!response.ok || !body.accessToken) {
      const throttled = isThrottle(response.status, body.code);
      const retryable = response.status >= 500 || throttled;
      throw new DeliveryError(
        `DingTalk access token refused: ${body.code ?? response.status} ${body.message ?? ''}`.trim(),
        retryable,
        throttled ? throttleWait(response, body.code) : retryable ? retryAfter(response) : undefined,
        body.code ?? response.status,
        throttled ? 'app' : false,
      );
    }
    return { value: body.accessToken, expiresInSeconds: body.expireIn ?? 7200 };
  }

  /** An OpenAPI call with the token header; a 401 refreshes the token and retries once. */
  async api<T>(method: string, path: string, body: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token.get();
      const { response, json: reply } = await this.call(`${this.options.apiBase}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
        body: JSON.stringify(body),
      });
      const json = reply as T & ApiError;
      if (response.ok) return json;
      if (response.status === 401 && attempt === 0) {
        this.token.invalidate(token);
        continue;
      }
      const detail =
        `DingTalk ${method} ${path} failed: HTTP ${response.status} ${json.code ?? ''} ${json.message ?? ''}`.trim();
      if (isThrottle(response.status, json.code))
        throw new DeliveryError(detail, true, throttleWait(response, json.code), json.code ?? response.status, 'app');
      throw new DeliveryError(
        detail,
        response.status >= 500,
        response.status >= 500 ? DEFAULT_RETRY_AFTER_MS : undefined,
        json.code ?? response.status,
      );
    }
  }

  /**
   * Registers (or moves, with forceUpdate) the URL DingTalk posts HTTP-mode card clicks to.
   * One route key maps to one URL; `apiSecret` is what the typings call "加密密钥用于校验来源".
   */
  async registerCardCallback(input: { routeKey: string; url: string; apiSecret: string }): Promise<void> {
    // https://open.dingtalk.com/document/orgapp/event-callback-card (注册回调地址)
    // POST /v1.0/card/callbacks/register, @alicloud/dingtalk card_1_0 RegisterCallbackRequest
    await this.api('POST', '/v1.0/card/callbacks/register', {
      callbackRouteKey: input.routeKey,
      callbackUrl: input.url,
      apiSecret: input.apiSecret,
      forceUpdate: true,
    });
  }

  async send(to: Address, message: OutboundMessage, options: DeliveryOptions): Promise<SentRef> {
    const extra = { kind: to.kind, id: to.id };
    if (message.card && this.options.cardTemplateId) {
      return { platform: 'dingtalk', messageId: await this.createAndDeliver(to, message, options), extra };
    }
    const session = this.usableSessionWebhook(to);
    if (session) {
      const replied = await this.replyViaSession(session, message);
      if (replied) return { platform: 'dingtalk', messageId: `session:${options.idempotencyKey}`, extra };
    }
    const { processQueryKey } = await this.sendProactive(to, message);
    return { platform: 'dingtalk', messageId: processQueryKey ?? `robot:${options.idempotencyKey}`, extra };
  }

  async update(ref: SentRef, message: OutboundMessage, options: DeliveryOptions): Promise<void> {
    if (
      message.card &&
      this.options.cardTemplateId &&
      !ref.messageId.startsWith('session:') &&
      !ref.messageId.startsWith('robot:')
    ) {
      // https://open.dingtalk.com/document/orgapp/interactive-card-update-interface
      await this.api('PUT', '/v1.0/card/instances', {
        outTrackId: ref.messageId,
        cardData: { cardParamMap: renderCardParamMap(message.card) },
        cardUpdateOptions: { updateCardDataByKey: false },
      });
      return;
    }
    // Robot messages cannot be edited: the new content goes out as a new message.
    const kind = ref.extra?.kind;
    const id = ref.extra?.id;
    if ((kind === 'user' || kind === 'group') && typeof id === 'string') {
      await this.send({ platform: 'dingtalk', kind, id }, message, options);
      return;
    }
    throw new DeliveryError(
      'DingTalk cannot update this message: it is not a card instance and has no recipient to resend to',
      false,
    );
  }

  private usableSessionWebhook(to: Address): string | undefined {
    const url = to.hint?.sessionWebhook;
    const expires = Number(to.hint?.sessionWebhookExpiredTime);
    if (typeof url !== 'string' || !Number.isFinite(expires)) return undefined;
    // Only DingTalk's own sessionWebhook host (or the configured API base of an emulator).
    if (!isDingtalkSessionWebhook(url, this.options.apiBase)) return undefined;
    return expires - SESSION_MARGIN_MS > this.now().getTime() ? url : undefined;
  }

  /** true when delivered; false when the session is no longer usable (send proactively instead). */
  private async replyViaSession(url: string, message: OutboundMessage): Promise<boolean> {
    // https://open.dingtalk.com/document/orgapp/robot-reply-and-send-messages
    const { response, json } = await this.call(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sessionWebhookBody(message)),
    });
    const body = json as { errcode?: number; errmsg?: string };
    if (response.ok && (body.errcode ?? 0) === 0) return true;
    // 130101: sending too fast. Anything else (expired or unknown session): fall back.
    if (body.errcode === 130101 || response.status === 429)
      throw new DeliveryError(
        `DingTalk sessionWebhook throttled: ${body.errmsg ?? ''}`,
        true,
        retryAfter(response),
        body.errcode,
        'app',
      );
    if (response.status >= 500)
      throw new DeliveryError(`DingTalk sessionWebhook failed: HTTP ${response.status}`, true, DEFAULT_RETRY_AFTER_MS);
    return false;
  }

  private async sendProactive(to: Address, message: OutboundMessage): Promise<{ processQueryKey?: string }> {
    const { msgKey, msgParam } = robotMessage(message);
    if (to.kind === 'group') {
      // https://open.dingtalk.com/document/orgapp/the-robot-sends-a-group-message
      return this.api<{ processQueryKey?: string }>('POST', '/v1.0/robot/groupMessages/send', {
        robotCode: this.options.robotCode,
        openConversationId: to.id,
        msgKey,
        msgParam,
      });
    }
    // https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches
    const result = await this.api<{
      processQueryKey?: string;
      invalidStaffIdList?: string[];
      flowControlledStaffIdList?: string[];
    }>('POST', '/v1.0/robot/oToMessages/batchSend', {
      robotCode: this.options.robotCode,
      userIds: [to.id],
      msgKey,
      msgParam,
    });
    if (result.invalidStaffIdList?.includes(to.id))
      throw new DeliveryError(`DingTalk rejected staffId ${to.id} as invalid`, false, undefined, 'invalidStaffId');
    if (result.flowControlledStaffIdList?.includes(to.id))
      throw new DeliveryError(`DingTalk flow-controlled staffId ${to.id}`, true, 60_000, 'flowControlled', 'recipient');
    return result;
  }

  private async createAndDeliver(
    to: Address,
    message: OutboundMessage & { card: NonNullable<OutboundMessage['card']> },
    options: DeliveryOptions,
  ): Promise<string> {
    const outTrackId = await outTrackIdFor(options.idempotencyKey);
    const group = to.kind === 'group';
    // https://open.dingtalk.com/document/orgapp/create-and-deliver-cards
    // callbackType MUST match how this server receives callbacks, or clicks are silently lost.
    const body: Record<string, unknown> = {
      cardTemplateId: this.options.cardTemplateId,
      outTrackId,
      callbackType: this.options.mode === 'stream' ? 'STREAM' : 'HTTP',
      cardData: { cardParamMap: renderCardParamMap(message.card) },
      openSpaceId: openSpaceId(to),
      userIdType: 1,
      ...(group
        ? {
            imGroupOpenSpaceModel: { supportForward: true },
            imGroupOpenDeliverModel: { robotCode: this.options.robotCode },
          }
        : {
            imRobotOpenSpaceModel: { supportForward: true },
            imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.options.robotCode },
          }),
    };
    if (this.options.mode === 'http') {
      // HTTP-mode clicks go to the URL registered under this key; a card without it has its clicks dropped.
      // https://open.dingtalk.com/document/orgapp/event-callback-card
      if (!this.options.cardCallbackRouteKey)
        throw new DeliveryError(
          'DingTalk HTTP-mode cards need a callbackRouteKey (DINGTALK_CARD_CALLBACK_ROUTE_KEY)',
          false,
          undefined,
          'noRouteKey',
        );
      await this.options.ensureCardCallbackRoute?.();
      body.callbackRouteKey = this.options.cardCallbackRouteKey;
    }
    const result = await this.api<{
      success?: boolean;
      result?: { outTrackId?: string; deliverResults?: { success?: boolean; errorMsg?: string; spaceId?: string }[] };
    }>('POST', '/v1.0/card/instances/createAndDeliver', body);
    const failed = result.result?.deliverResults?.find((r) => r.success === false);
    if (failed)
      throw new DeliveryError(
        `DingTalk did not deliver card ${outTrackId}: ${failed.errorMsg ?? 'unknown error'}`,
        false,
        undefined,
        'deliverFailed',
      );
    return result.result?.outTrackId ?? outTrackId;
  }
}
