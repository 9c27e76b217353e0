// The WeCom (企业微信) self-built app adapter: callback URL verification,
// encrypted message/event callbacks, and app messages with template cards.
// https://developer.work.weixin.qq.com/document/path/90238 (接收消息与事件)
import type { WecomConfig } from './config';
import {
  DeliveryError,
  type Address,
  type DeliveryOptions,
  type OutboundMessage,
  type PlatformAdapter,
  type SentRef,
  type WebhookContext,
} from '../types';
import { WecomClient } from './client';
import { exchangeWecomLoginCode, wecomLoginUrl } from './login';
import { wecomJsapiConfig } from './jsapi';
import { decryptWecom, WecomCryptoError } from './crypto';
import { extractEncrypt, MAX_BODY_BYTES, parseDecrypted, WecomXmlError } from './parse';
import { readTextWithin } from '../common/bytes';
import { clip, renderOutbound, renderTemplateCard, taskIdFor, WecomRenderError } from './render';
import { verifyWecomSignature, type SignedQuery } from './verify';
import { answerBudget, within } from '../common/within';
import { rejectText } from '../common/reject';
import { asCodedError, type ErrorCode } from '../../core/errors';
import { log } from '../../core/log';
import { WECOM_FIX } from './fixes';
import { cardButtons, type Card } from '../../cards/model';

export type { WecomConfig };

export interface WecomAdapterOptions {
  fetch?: typeof fetch;
  now?: () => Date;
  /** Page a buttonless `text_notice` card opens when tapped (WeCom requires one); without it such cards go as markdown. */
  cardUrl?: string;
  /** How long the webhook waits for processing before acknowledging anyway (WeCom retries after 5 s). */
  ackBudgetMs?: number;
  /** Bound on each WeCom API call (default PLATFORM_CALL_TIMEOUT_MS). */
  callTimeoutMs?: number;
}

/** WeCom's replace_name for a clicked button ("已处理"-style outcome). */
const REPLACE_NAME_MAX = 20;

/** What a settled card's button says: its note ("已同意 · 张三"), else 已处理 / Done. */
function outcomeLabel(card: Card): string {
  const note = card.blocks.find((b) => b.type === 'note');
  const zh = /[\u4e00-\u9fff]/.test(card.header.title);
  return clip(
    note && note.type === 'note' ? note.text.replace(/[*_`]/g, '') : zh ? '已处理' : 'Done',
    REPLACE_NAME_MAX,
  );
}

function plainResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

function reject(status: number, code: ErrorCode, message: string, cause?: unknown): Response {
  return rejectText('wecom', { status, code, message, cause });
}

/** A failed msg_signature check, with the setting to compare when the tokens disagree. */
function signatureFailed(check: { reason: string; mismatch?: true }): Response {
  const hint = check.mismatch
    ? `: if it came from WeCom, ${WECOM_FIX.token}`
    : check.reason.startsWith('timestamp')
      ? `: ${WECOM_FIX.clock}`
      : '';
  return reject(401, 'bad_signature', `${check.reason}${hint}`);
}

/**
 * Decrypts a callback that passed the signature check. A signed callback that does not decrypt
 * was encrypted with another EncodingAESKey, and one addressed to another receiveid is for another corp.
 */
async function decryptSigned(config: WecomConfig, encrypt: string): Promise<string> {
  try {
    return (await decryptWecom(config.encodingAesKey, encrypt, config.corpId)).message;
  } catch (error) {
    if (!(error instanceof WecomCryptoError)) throw error;
    // A ciphertext that is not even well-formed says nothing about the key.
    if (/not base64|truncated/.test(error.message)) throw error;
    const fix = /receiveid/.test(error.message) ? WECOM_FIX.corpId : WECOM_FIX.aesKey;
    throw new WecomCryptoError(`cannot decrypt the callback (${error.message}): ${fix}`);
  }
}

function signedQuery(url: URL): SignedQuery {
  return {
    msgSignature: url.searchParams.get('msg_signature'),
    timestamp: url.searchParams.get('timestamp'),
    nonce: url.searchParams.get('nonce'),
  };
}

export function createWecomAdapter(config: WecomConfig, options: WecomAdapterOptions = {}): PlatformAdapter {
  const client = new WecomClient({
    corpId: config.corpId,
    secret: config.secret,
    agentId: config.agentId,
    apiBase: config.apiBase,
    fetch: options.fetch,
    now: options.now,
    timeoutMs: options.callTimeoutMs,
  });
  const ackBudgetMs = options.ackBudgetMs ?? 4_000;

  // https://developer.work.weixin.qq.com/document/path/90930 (验证URL有效性)
  async function verifyUrl(url: URL, ctx: WebhookContext): Promise<Response> {
    // URLSearchParams decodes `+` as a space; base64 never contains spaces, so they were `+`.
    const echostr = url.searchParams.get('echostr')?.replace(/ /g, '+');
    if (!echostr) return reject(400, 'bad_request', 'missing echostr');
    const verified = await verifyWecomSignature({
      token: config.token,
      query: signedQuery(url),
      encrypt: echostr,
      now: ctx.now(),
    });
    if (!verified.ok) return signatureFailed(verified);
    return plainResponse(await decryptSigned(config, echostr));
  }

  async function receive(request: Request, url: URL, ctx: WebhookContext): Promise<Response> {
    const body = await readTextWithin(request, MAX_BODY_BYTES);
    if (body === undefined) return reject(413, 'payload_too_large', 'body too large');
    // Verify first: only the signed <Encrypt> value is read from an unverified body, without an XML parser.
    const encrypt = extractEncrypt(body);
    const verified = await verifyWecomSignature({
      token: config.token,
      query: signedQuery(url),
      encrypt,
      now: ctx.now(),
    });
    if (!verified.ok) return signatureFailed(verified);
    const message = await decryptSigned(config, encrypt);
    const inbound = parseDecrypted(message, config.corpId);
    if (inbound.kind === 'ignored') return plainResponse('');
    if (inbound.kind === 'directory_change') {
      // Acknowledged at once; the org is re-synced in the background (src/directory/changes.ts).
      ctx.directoryChanged?.(inbound.change);
      return plainResponse('');
    }

    // Acknowledge within WeCom's 5 s: wait for processing up to the budget, then let it finish in the background.
    // A failure seen within the budget answers 500 so WeCom retries (the core deduplicates on eventId).
    const processing = ctx.dispatch(inbound.event);
    try {
      if (!(await within(processing, answerBudget(ctx, inbound.event, ackBudgetMs))).done)
        ctx.defer(
          processing.catch((error) =>
            log.error('wecom event failed after the answer', {
              platform: 'wecom',
              code: asCodedError(error).code,
              err: error,
            }),
          ),
        );
    } catch (error) {
      return reject(500, 'dispatch_failed', 'processing failed', error);
    }
    // Empty body: no passive reply; card changes go out through update_template_card.
    return plainResponse('');
  }

  async function handleWebhook(request: Request, ctx: WebhookContext): Promise<Response> {
    try {
      const url = new URL(request.url);
      if (request.method === 'GET') return await verifyUrl(url, ctx);
      if (request.method === 'POST') return await receive(request, url, ctx);
      return new Response('method not allowed', { status: 405, headers: { allow: 'GET, POST' } });
    } catch (error) {
      if (error instanceof WecomCryptoError || error instanceof WecomXmlError)
        return reject(400, error.code, error.message);
      return reject(500, 'internal', 'internal error', error);
    }
  }

  async function send(to: Address, message: OutboundMessage, delivery: DeliveryOptions): Promise<SentRef> {
    if (to.kind !== 'user')
      throw new DeliveryError('WeCom app messages go to members (userid); group chats are not supported', false);
    const taskId = taskIdFor(delivery.idempotencyKey);
    let rendered: ReturnType<typeof renderOutbound>;
    try {
      rendered = renderOutbound(message, taskId, { cardUrl: options.cardUrl });
    } catch (error) {
      if (error instanceof WecomRenderError) throw new DeliveryError(error.message, false);
      throw error;
    }
    let ref: SentRef | undefined;
    for (const [i, body] of rendered.bodies.entries()) {
      // Text parts use WeCom's duplicate check so a retried row does not repeat them; cards are unique by task_id.
      const result = await client.sendMessage([to.id], body, { duplicateCheck: body.msgtype !== 'template_card' });
      if (i !== rendered.primary) continue;
      const extra: NonNullable<SentRef['extra']> = { userid: to.id };
      if (body.msgtype === 'template_card') extra.taskId = taskId;
      if (result.responseCode) extra.responseCode = result.responseCode;
      if (result.invalidUsers.length) extra.invaliduser = result.invalidUsers;
      // Delivered by an earlier attempt whose answer was lost: no msgid or response_code to keep.
      if (result.alreadyDelivered) extra.alreadyDelivered = 1;
      ref = { platform: 'wecom', messageId: result.msgid || taskId, extra };
    }
    return ref!;
  }

  async function update(ref: SentRef, message: OutboundMessage, delivery: DeliveryOptions): Promise<void> {
    const responseCode = ref.extra?.responseCode;
    const userid = ref.extra?.userid;
    if (
      (typeof responseCode !== 'string' || !responseCode) &&
      ref.extra?.alreadyDelivered &&
      typeof userid === 'string'
    ) {
      // The card went out on an earlier attempt whose answer (and response_code) was lost, so it cannot
      // be edited until the person clicks it: the new content goes out as a new message instead.
      await send({ platform: 'wecom', kind: 'user', id: userid }, message, delivery);
      return;
    }
    if (typeof responseCode !== 'string' || !responseCode || typeof userid !== 'string') {
      throw new DeliveryError(
        'WeCom can only update a template card with the response_code from its send or click (none recorded for this message)',
        false,
      );
    }
    if (message.card === undefined) {
      await client.updateTemplateCard({
        userids: [userid],
        responseCode,
        replaceName: clip(message.text, REPLACE_NAME_MAX),
      });
      return;
    }
    // A card without buttons has no documented button_interaction form (button_list is required), and a
    // text_notice must open a URL when tapped: with PUBLIC_URL it opens the dashboard; without one the
    // documented way to settle the card is to rename the clicked button (`button.replace_name`).
    // https://developer.work.weixin.qq.com/document/path/94888 (更新模版卡片消息)
    const cardUrl = options.cardUrl ?? (config.publicUrl ? `${config.publicUrl}/dashboard/sso/wecom/start` : undefined);
    if (!cardButtons(message.card).length && !cardUrl) {
      await client.updateTemplateCard({ userids: [userid], responseCode, replaceName: outcomeLabel(message.card) });
      return;
    }
    const taskId =
      typeof ref.extra?.taskId === 'string' && ref.extra.taskId ? ref.extra.taskId : taskIdFor(delivery.idempotencyKey);
    let templateCard: ReturnType<typeof renderTemplateCard>;
    try {
      templateCard = renderTemplateCard(message.card, taskId, { cardUrl });
    } catch (error) {
      if (error instanceof WecomRenderError) throw new DeliveryError(error.message, false);
      throw error;
    }
    await client.updateTemplateCard({ userids: [userid], responseCode, templateCard });
  }

  return {
    platform: 'wecom',
    tenantKey: config.corpId,
    webhookPaths: [''],
    inlineCardUpdates: false,
    handleWebhook: (request, ctx) => handleWebhook(request, ctx),
    async warm() {
      await client.accessToken();
    },
    send,
    update,
    loginUrl: (redirectUri, state) => wecomLoginUrl(config, redirectUri, state),
    // The access token is the corp's own, so whoever it resolves is a member of config.corpId.
    exchangeLoginCode: async (code) => ({
      ...(await exchangeWecomLoginCode(client, config.apiBase, code, options.fetch)),
      tenantKey: config.corpId,
    }),
    jsapiConfig: async (url) => ({
      ...(await wecomJsapiConfig(client, config, url, (options.now ?? (() => new Date()))(), options.fetch)),
    }),
    // Long cards go out as markdown plus a buttons card: the member limit counts each of them.
    messagesPerSend(message) {
      try {
        return renderOutbound(message, taskIdFor('count'), { cardUrl: options.cardUrl }).bodies.length;
      } catch {
        return 1;
      }
    },
    // A member receives at most 30 app messages a minute (and 1000 an hour); WeCom silently drops the excess,
    // so the outbox must hold them back. Each API allows 10,000 calls a minute per corp (~166/s) shared with
    // the corp's other apps: 50/s leaves them headroom.
    // https://developer.work.weixin.qq.com/document/path/90312 (频率限制)
    limits: {
      perSecond: 50,
      perRecipient: [
        { count: 30, windowMs: 60_000 },
        { count: 1000, windowMs: 3_600_000 },
      ],
    },
  };
}
