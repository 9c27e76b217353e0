// The Lark/Feishu adapter: one webhook URL for events and card callbacks
// (verify -> decrypt -> parse -> dispatch -> answer), and outbound calls.
// https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/request-url-configuration-case
import { JsonDepthError, parseJsonBounded } from '../common/json';
import type { LarkConfig } from './config';
import type { BotEvent, EventResult, PlatformAdapter, WebhookContext } from '../types';
import { DeliveryError } from '../types';
import { decryptLarkPayload } from './crypto';
import { createLarkClient } from './client';
import { exchangeLarkLoginCode, larkLoginUrl } from './login';
import {
  parseCardActionEvent,
  parseContactChange,
  parseLarkInbound,
  parseMessageEvent,
  type LarkEnvelope,
  type ParseOutcome,
} from './parse';
import { renderLarkCard } from './render';
import { signatureHeaders, verifyLarkSignature, verifyLarkToken } from './verify';
import { answerBudget, within } from '../common/within';
import { rejectJson } from '../common/reject';
import { asCodedError, type ErrorCode } from '../../core/errors';
import { log } from '../../core/log';
import { LARK_FIX } from './fixes';

export interface LarkAdapterOptions {
  fetch?: typeof fetch;
  now?: () => Date;
  /**
   * Lark re-pushes anything not answered with HTTP 200 within 3 s. Past this
   * budget the adapter answers and lets the work finish in the background.
   */
  answerWithinMs?: number;
  /** See LarkClientOptions.transport. */
  transport?: 'auto' | 'sdk' | 'rest';
  /** Bound on each Lark API call (default PLATFORM_CALL_TIMEOUT_MS). */
  callTimeoutMs?: number;
}

const DEFAULT_ANSWER_WITHIN_MS = 2500;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

function errorResponse(status: number, code: ErrorCode, message: string, cause?: unknown): Response {
  return rejectJson('lark', { status, code, message, cause });
}

/** A failed signature or token check, with the setting to compare when the secrets disagree. */
function checkFailed(code: 'bad_signature' | 'bad_token', check: { reason: string; mismatch?: true }): Response {
  const fix = code === 'bad_token' ? LARK_FIX.verificationToken : LARK_FIX.encryptKey;
  const stale = check.reason.startsWith('timestamp') ? LARK_FIX.clock : undefined;
  const hint = check.mismatch ? `: if it came from Lark, ${fix}` : stale ? `: ${stale}` : '';
  return errorResponse(401, code, `${check.reason}${hint}`);
}

/** Lark's card-callback answer: a toast and/or the clicked card's new content. */
export function cardCallbackResponse(result: EventResult): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (result.toast) body.toast = { type: result.toast.kind, content: result.toast.text };
  if (result.card) body.card = { type: 'raw', data: renderLarkCard(result.card) };
  return body;
}

export function createLarkAdapter(config: LarkConfig, options: LarkAdapterOptions = {}): PlatformAdapter {
  // Fail closed: without a Verification Token anyone could post events, and without an
  // Encrypt Key (unless deliberately waived) they arrive unsigned. src/config.ts says which variable.
  if (!config.verificationToken) throw new Error('Lark adapter: a Verification Token is required');
  if (!config.encryptKey && !config.allowUnencrypted)
    throw new Error('Lark adapter: an Encrypt Key is required (or allowUnencrypted, LARK_ALLOW_UNENCRYPTED=1)');
  const client = createLarkClient(config, {
    fetch: options.fetch,
    now: options.now,
    transport: options.transport,
    timeoutMs: options.callTimeoutMs,
  });
  const answerWithinMs = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;

  /** Raw body -> decrypted JSON, or the HTTP answer explaining why not. */
  async function readBody(
    request: Request,
    ctx: WebhookContext,
  ): Promise<{ ok: true; body: unknown; signed: boolean } | { ok: false; response: Response }> {
    const raw = new Uint8Array(await request.arrayBuffer());
    const signature = signatureHeaders(request.headers);
    let signed = false;
    if (config.encryptKey && (signature.signature || signature.timestamp)) {
      const check = await verifyLarkSignature({
        encryptKey: config.encryptKey,
        headers: signature,
        rawBody: raw,
        now: ctx.now(),
      });
      if (!check.ok) return { ok: false, response: checkFailed('bad_signature', check) };
      signed = true;
    }
    let parsed: unknown;
    try {
      parsed = parseJsonBounded(new TextDecoder().decode(raw));
    } catch (error) {
      const why = error instanceof JsonDepthError ? `body is ${error.message}` : 'body is not JSON';
      return { ok: false, response: errorResponse(400, 'bad_request', why) };
    }
    if (!parsed || typeof parsed !== 'object')
      return { ok: false, response: errorResponse(400, 'bad_request', 'body is not a JSON object') };
    const encrypted = (parsed as { encrypt?: unknown }).encrypt;
    if (encrypted === undefined) return { ok: true, body: parsed, signed };
    if (typeof encrypted !== 'string')
      return { ok: false, response: errorResponse(400, 'bad_request', 'encrypt: must be a string') };
    if (!config.encryptKey)
      return {
        ok: false,
        response: errorResponse(400, 'decrypt_failed', `encrypted body: ${LARK_FIX.missingEncryptKey}`),
      };
    let plain: string;
    try {
      plain = await decryptLarkPayload(config.encryptKey, encrypted);
    } catch {
      // A signed body was signed with our key, so it is the ciphertext that is broken, not the key.
      const why = signed ? 'the ciphertext is malformed' : LARK_FIX.encryptKey;
      return { ok: false, response: errorResponse(400, 'decrypt_failed', `cannot decrypt the body: ${why}`) };
    }
    try {
      return { ok: true, body: parseJsonBounded(plain), signed };
    } catch (error) {
      const why = error instanceof JsonDepthError ? `event is ${error.message}` : 'decrypted event is not JSON';
      return { ok: false, response: errorResponse(400, 'bad_request', why) };
    }
  }

  async function dispatchMessage(outcome: ParseOutcome<BotEvent>, ctx: WebhookContext): Promise<Response> {
    if (!outcome.ok) return json({});
    const work = ctx.dispatch(outcome.event);
    try {
      const answer = await within(work, answerBudget(ctx, outcome.event, answerWithinMs));
      if (!answer.done)
        ctx.defer(
          work.catch((error) =>
            log.error('lark event failed after the answer', {
              platform: 'lark',
              code: asCodedError(error).code,
              err: error,
            }),
          ),
        );
      return json({});
    } catch (error) {
      // Not HTTP 200: Lark pushes the same event_id again later.
      return errorResponse(500, 'dispatch_failed', 'could not process the event', error);
    }
  }

  async function dispatchCardAction(envelope: LarkEnvelope, ctx: WebhookContext): Promise<Response> {
    const outcome = parseCardActionEvent(envelope);
    if (!outcome.ok) return json({});
    const work = ctx.dispatch(outcome.event);
    try {
      const answer = await within(work, answerWithinMs);
      if (answer.done) return json(cardCallbackResponse(answer.value));
      // Too slow for the inline answer: finish with Lark's delayed update instead.
      const token = outcome.event.message?.extra?.updateToken;
      ctx.defer(
        work
          .then(async (result) => {
            if (result.card && typeof token === 'string')
              await client.updateWithToken(token, renderLarkCard(result.card));
          })
          .catch((error) =>
            log.error('lark card action failed after the answer', {
              platform: 'lark',
              code: asCodedError(error).code,
              err: error,
            }),
          ),
      );
      return json({});
    } catch (error) {
      log.error('lark card action failed', { platform: 'lark', code: asCodedError(error).code, err: error });
      return json({ toast: { type: 'error', content: '操作失败，请稍后重试 / Something went wrong, please retry' } });
    }
  }

  return {
    platform: 'lark',
    tenantKey: config.tenantKey,
    webhookPaths: [''],
    inlineCardUpdates: true,
    // https://open.feishu.cn/document/server-docs/im-v1/message/create (frequency limits)
    limits: {
      perSecond: 50,
      appWindows: [{ count: 1000, windowMs: 60_000 }],
      perRecipient: { count: 5, windowMs: 1000 },
    },

    async handleWebhook(request, ctx, subPath) {
      try {
        if (subPath !== '' || request.method !== 'POST')
          return errorResponse(404, 'not_found', 'POST /webhooks/lark only');
        const read = await readBody(request, ctx);
        if (!read.ok) return read.response;
        const inbound = parseLarkInbound(read.body);
        if (inbound.kind === 'invalid') return errorResponse(400, 'bad_request', inbound.reason);
        if (inbound.kind === 'url_verification') {
          // The challenge is checked by token (and decrypts with our key when encrypted).
          const token = verifyLarkToken(config.verificationToken, inbound.token);
          if (!token.ok) return checkFailed('bad_token', token);
          return json({ challenge: inbound.challenge });
        }
        if (config.encryptKey && !read.signed)
          return errorResponse(401, 'bad_signature', `missing signature headers: ${LARK_FIX.unsigned}`);
        const token = verifyLarkToken(config.verificationToken, inbound.envelope.header.token);
        if (!token.ok) return checkFailed('bad_token', token);
        switch (inbound.envelope.header.event_type) {
          case 'im.message.receive_v1':
            return dispatchMessage(parseMessageEvent(inbound.envelope), ctx);
          case 'card.action.trigger':
            return dispatchCardAction(inbound.envelope, ctx);
          case 'contact.user.created_v3':
          case 'contact.user.updated_v3':
          case 'contact.user.deleted_v3':
          case 'contact.department.created_v3':
          case 'contact.department.updated_v3':
          case 'contact.department.deleted_v3': {
            // Acknowledged at once; the tenant's org is re-synced in the background (src/directory/changes.ts).
            const change = parseContactChange(inbound.envelope);
            if (change) ctx.directoryChanged?.(change);
            return json({});
          }
          default:
            return json({});
        }
      } catch (error) {
        return errorResponse(400, 'bad_request', 'unreadable request', error);
      }
    },

    async warm() {
      await client.warm();
    },

    async send(to, message, { idempotencyKey }) {
      if (to.platform !== 'lark') throw new DeliveryError(`not a Lark address: ${to.platform}`, false);
      return client.send(to, message, idempotencyKey);
    },

    async update(ref, message) {
      if (ref.platform !== 'lark') throw new DeliveryError(`not a Lark message: ${ref.platform}`, false);
      await client.update(ref.messageId, message);
    },

    loginUrl: (redirectUri, state) => larkLoginUrl(config, redirectUri, state),
    exchangeLoginCode: (code, redirectUri) => exchangeLarkLoginCode(config, code, redirectUri, options.fetch),
  };
}
