// The DingTalk adapter (HTTP mode):
//   POST /webhooks/dingtalk         robot messages, signed with the app secret (`timestamp`, `sign`)
//   POST /webhooks/dingtalk/card    card clicks, plain JSON, at the URL registered under the card
//                                   callbackRouteKey; authenticated by the secret token in that URL
//   POST /webhooks/dingtalk/events  the encrypted HTTP event subscription (check_url; cards never come here)
// Stream mode receives the same payloads over a websocket (stream.ts); sending is shared.
// https://open.dingtalk.com/document/orgapp/receive-message
import { parseJsonBounded } from '../common/json';
import type { DingtalkConfig } from './config';
import { DeliveryError, type BotEvent, type PlatformAdapter, type WebhookContext } from '../types';
import { DingtalkClient } from './client';
import { dingtalkLoginUrl, exchangeDingtalkLoginCode } from './login';
import { timingSafeEqual } from '../common/bytes';
import { CallbackCryptoError, decryptCallback, encryptCallback } from '../common/callback-crypto';
import { randomNonce } from './crypto';
import { describeIssue, parseCardCallback, parseContactEvent, parseRobotMessage } from './parse';
import {
  CARD_CALLBACK_SUBPATH,
  cardCallbackAnswer,
  cardCallbackUrl,
  defaultCardCallbackRouteKey,
  deriveCallbackSecret,
  HttpCardCallbackSchema,
} from './card-callback';
import { eventSignature, MAX_ROBOT_SKEW_MS, verifyEventSignature, verifyRobotRequest } from './verify';
import { answerBudget, within } from '../common/within';
import { rejectJson } from '../common/reject';
import { asCodedError, type ErrorCode } from '../../core/errors';
import { log } from '../../core/log';
import { DINGTALK_FIX } from './fixes';

export interface DingtalkAdapterOptions {
  fetch?: typeof fetch;
  now?: () => Date;
  /** Answer within this budget and let slower work finish in the background (event subscription: 1500 ms). */
  answerWithinMs?: number;
  /** Bound on each DingTalk API call (default PLATFORM_CALL_TIMEOUT_MS). */
  callTimeoutMs?: number;
}

const DEFAULT_ANSWER_WITHIN_MS = 1200;

/**
 * App-level OpenAPI quota is about 20 QPS (edition-dependent); DingTalk does not publish a
 * per-recipient cap for app robots (the 20/min figure is for custom webhook robots).
 * https://open.dingtalk.com/document/orgapp/invocation-frequency-limit
 */
export const DINGTALK_LIMITS = { perSecond: 20 } as const;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

function errorResponse(status: number, code: ErrorCode, message: string, cause?: unknown): Response {
  return rejectJson('dingtalk', { status, code, message, cause });
}

/** A failed signature check, with the setting to compare when the secrets disagree. */
function signatureFailed(check: { reason: string; mismatch?: true }, fix: string): Response {
  const hint = check.mismatch
    ? `: if it came from DingTalk, ${fix}`
    : check.reason.startsWith('timestamp')
      ? `: ${DINGTALK_FIX.clock}`
      : '';
  return errorResponse(401, 'bad_signature', `${check.reason}${hint}`);
}

/** Dispatch, but answer the platform in time: slow work continues through ctx.defer. */
async function dispatchInTime(
  event: BotEvent,
  ctx: WebhookContext,
  budgetMs: number,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  const work = ctx.dispatch(event);
  try {
    if (!(await within(work, answerBudget(ctx, event, budgetMs))).done)
      ctx.defer(
        work.catch((error) =>
          log.error('dingtalk event failed after the answer', {
            platform: 'dingtalk',
            code: asCodedError(error).code,
            err: error,
          }),
        ),
      );
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The encrypted answer the event subscription expects: {msg_signature, timeStamp, nonce, encrypt}. */
export async function encryptedReply(
  config: { callbackToken: string; callbackAesKey: string; clientId: string },
  message: string,
  now: Date,
) {
  const encrypt = await encryptCallback(config.callbackAesKey, message, config.clientId);
  const timeStamp = String(now.getTime());
  const nonce = randomNonce();
  return {
    msg_signature: await eventSignature(config.callbackToken, timeStamp, nonce, encrypt),
    timeStamp,
    nonce,
    encrypt,
  };
}

export function createDingtalkAdapter(config: DingtalkConfig, options: DingtalkAdapterOptions = {}): PlatformAdapter {
  const routeKey = config.cardCallbackRouteKey ?? defaultCardCallbackRouteKey(config.clientId);
  // The card callback URL's token and the apiSecret registered with it: configured, else derived
  // from the client secret (so an unconfigured server is never guessable).
  const secrets = (async () => ({
    token: config.cardCallbackToken ?? (await deriveCallbackSecret(config.clientSecret, 'polaris/dingtalk/card-token')),
    apiSecret: await deriveCallbackSecret(config.clientSecret, 'polaris/dingtalk/card-api-secret'),
  }))();
  let registered: Promise<void> | undefined;
  /** Registers the card callback route once per process (forceUpdate: a changed PUBLIC_URL moves it). */
  function ensureCardCallbackRoute(): Promise<void> {
    registered ??= (async () => {
      if (!config.publicUrl)
        throw new DeliveryError(
          'DingTalk HTTP-mode cards need PUBLIC_URL to register their callback URL',
          false,
          undefined,
          'noPublicUrl',
        );
      const { token, apiSecret } = await secrets;
      await client.registerCardCallback({
        routeKey,
        url: cardCallbackUrl(config.publicUrl, token),
        apiSecret,
      });
    })().catch((error: unknown) => {
      registered = undefined;
      throw error;
    });
    return registered;
  }
  const client = new DingtalkClient({
    ...config,
    fetch: options.fetch,
    now: options.now,
    cardCallbackRouteKey: routeKey,
    ensureCardCallbackRoute,
    timeoutMs: options.callTimeoutMs,
  });
  const budget = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  const robotCheck = { robotCode: config.robotCode, corpId: config.corpId, apiBase: config.apiBase };

  async function cardClick(request: Request, ctx: WebhookContext): Promise<Response> {
    const given = new URL(request.url).searchParams.get('token') ?? '';
    const { token } = await secrets;
    if (!given || !timingSafeEqual(given, token))
      return errorResponse(401, 'bad_token', 'card callback token missing or wrong');
    const read = await readJson(request);
    if (!read.ok) return read.response;
    const body = HttpCardCallbackSchema.safeParse(read.body);
    if (!body.success) return errorResponse(400, 'bad_request', describeIssue(body.error));
    const parsed = await parseCardCallback({ ...body.data, type: 'actionCallback' });
    if (!parsed.ok) return errorResponse(400, 'bad_request', parsed.error);
    // Answer with the card's new data when it is ready in time; the outbox's update covers the rest.
    const work = ctx.dispatch({ ...parsed.event, raw: read.body });
    try {
      const answered = await within(work, budget);
      if (!answered.done) {
        ctx.defer(work.catch(() => undefined));
        return json({});
      }
      return json(cardCallbackAnswer(answered.value.card));
    } catch {
      return errorResponse(500, 'dispatch_failed', 'could not process the card action');
    }
  }

  async function readJson(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
    const text = await request.text();
    try {
      return { ok: true, body: parseJsonBounded(text) };
    } catch {
      return { ok: false, response: errorResponse(400, 'bad_request', 'body is not JSON') };
    }
  }

  async function robotMessage(request: Request, ctx: WebhookContext): Promise<Response> {
    const check = await verifyRobotRequest({
      appSecret: config.clientSecret,
      timestamp: request.headers.get('timestamp'),
      sign: request.headers.get('sign'),
      now: ctx.now(),
    });
    if (!check.ok) return signatureFailed(check, DINGTALK_FIX.clientSecret);
    // The sign covers only the timestamp, not the body: a (timestamp, sign) pair is good for one
    // request. Remembered until it would be too old anyway (MAX_ROBOT_SKEW_MS after its time).
    const timestamp = Number(request.headers.get('timestamp'));
    const first = await ctx.firstUse(
      `dingtalk:robot:${request.headers.get('timestamp')}:${request.headers.get('sign')}`,
      new Date(Math.max(timestamp, ctx.now().getTime()) + MAX_ROBOT_SKEW_MS),
    );
    if (!first) return errorResponse(401, 'replayed', 'this timestamp and sign were already used');
    const read = await readJson(request);
    if (!read.ok) return read.response;
    const parsed = parseRobotMessage(read.body, robotCheck);
    if (!parsed.ok) {
      const foreign = /^(robotCode|chatbotCorpId):/.test(parsed.error);
      return errorResponse(foreign ? 403 : 400, foreign ? 'wrong_robot' : 'bad_request', parsed.error);
    }
    if (parsed.event.conversation.type === 'group' && !parsed.event.mentionedBot) return json({});
    // Replies go through the outbox; DingTalk accepts an empty JSON answer.
    const done = await dispatchInTime(parsed.event, ctx, budget);
    return done.ok ? json({}) : errorResponse(500, 'dispatch_failed', 'could not process the message', done.error);
  }

  async function subscriptionEvent(request: Request, ctx: WebhookContext): Promise<Response> {
    if (!config.callbackToken || !config.callbackAesKey) {
      return errorResponse(
        404,
        'not_configured',
        'DingTalk event subscription is not configured: set DINGTALK_CALLBACK_TOKEN and DINGTALK_CALLBACK_AES_KEY',
      );
    }
    const crypto = {
      callbackToken: config.callbackToken,
      callbackAesKey: config.callbackAesKey,
      clientId: config.clientId,
    };
    const read = await readJson(request);
    if (!read.ok) return read.response;
    const encrypt = (read.body as { encrypt?: unknown } | null)?.encrypt;
    if (typeof encrypt !== 'string' || !encrypt) return errorResponse(400, 'bad_request', 'encrypt: required string');
    const query = new URL(request.url).searchParams;
    const check = await verifyEventSignature({
      token: config.callbackToken,
      signature: query.get('msg_signature') ?? query.get('signature'),
      timestamp: query.get('timestamp'),
      nonce: query.get('nonce'),
      encrypt,
      now: ctx.now(),
    });
    if (!check.ok) return signatureFailed(check, DINGTALK_FIX.callbackToken);
    let plain: { message: string; ownerKey: string };
    try {
      plain = await decryptCallback(config.callbackAesKey, encrypt);
    } catch (error) {
      // The signature passed, so the sender knows our token: the AES key is what differs.
      const why = error instanceof CallbackCryptoError ? error.message : 'decryption failed';
      // A ciphertext that is not even well-formed says nothing about the key.
      const fix = /not base64|truncated/.test(why) ? '' : `: ${DINGTALK_FIX.callbackAesKey}`;
      return errorResponse(400, 'decrypt_failed', `cannot decrypt the event (${why})${fix}`);
    }
    if (!timingSafeEqual(plain.ownerKey, config.clientId))
      return errorResponse(401, 'bad_owner', `message is addressed to another app: ${DINGTALK_FIX.clientId}`);
    let data: unknown;
    try {
      data = parseJsonBounded(plain.message);
    } catch {
      return errorResponse(400, 'bad_request', 'decrypted message is not JSON');
    }
    const success = async () => json(await encryptedReply(crypto, 'success', ctx.now()));
    const record = (data ?? {}) as { EventType?: unknown };
    if (record.EventType === 'check_url') return success();
    // 通讯录事件: acknowledged at once; the corp's org is re-synced in the background (src/directory/changes.ts).
    const change = parseContactEvent(record.EventType, data, config.corpId);
    if (change) ctx.directoryChanged?.(change);
    // Other subscribed events are acknowledged so DingTalk does not retry them. Card clicks never
    // come through the event subscription: they go to the URL registered for the card's route key.
    return success();
  }

  return {
    platform: 'dingtalk',
    tenantKey: config.corpId,
    webhookPaths: ['', '/events', CARD_CALLBACK_SUBPATH],
    inlineCardUpdates: false,
    limits: DINGTALK_LIMITS,

    async handleWebhook(request, ctx, subPath) {
      try {
        if (request.method !== 'POST')
          return errorResponse(405, 'method_not_allowed', `POST /webhooks/dingtalk${subPath} only`);
        if (subPath === '') return await robotMessage(request, ctx);
        if (subPath === '/events') return await subscriptionEvent(request, ctx);
        if (subPath === CARD_CALLBACK_SUBPATH) return await cardClick(request, ctx);
        return errorResponse(404, 'not_found', `No DingTalk webhook at ${subPath}`);
      } catch (error) {
        return errorResponse(400, 'bad_request', 'unreadable request', error);
      }
    },

    async start() {
      // https://open.dingtalk.com/document/orgapp/event-callback-card: register before any HTTP card.
      if (config.mode === 'http' && config.cardTemplateId) await ensureCardCallbackRoute();
    },

    async warm() {
      await client.accessToken();
    },

    async send(to, message, options) {
      if (to.platform !== 'dingtalk') throw new DeliveryError(`not a DingTalk address: ${to.platform}`, false);
      return client.send(to, message, options);
    },

    async update(ref, message, options) {
      if (ref.platform !== 'dingtalk') throw new DeliveryError(`not a DingTalk message: ${ref.platform}`, false);
      await client.update(ref, message, options);
    },

    loginUrl: (redirectUri, state) => dingtalkLoginUrl(config, redirectUri, state),
    exchangeLoginCode: (code) => exchangeDingtalkLoginCode(client, config, code, options.fetch),
  };
}
