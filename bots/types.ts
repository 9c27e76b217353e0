// The contract between the platform-neutral core and each platform adapter
// (bots/lark, bots/wecom, bots/dingtalk). Adapters know their platform's
// protocol and nothing about OKRs; the core knows OKRs and nothing about any
// platform. Every adapter directory has the same files:
//   verify.ts  pure signature/token checks (WebCrypto, constant time, injectable now)
//   crypto.ts  payload encryption/decryption
//   parse.ts   platform payload -> BotEvent
//   render.ts  Card -> platform card JSON (pure)
//   client.ts  outbound API calls (send, update, tokens)
//   emulator.ts the platform's side, for tests and the playground
//   index.ts   createXxxAdapter(config): PlatformAdapter
import type { DirectoryChange } from '../core/directory';
import type { Card } from '../cards/model';
import { ErrorCode, PolarisError } from '../core/errors';

import type { Platform } from '../core/types';

export type { Platform };
export const PLATFORMS: readonly Platform[] = ['lark', 'wecom', 'dingtalk'];

/** Who sent an event, in the platform's own terms. */
export interface Sender {
  /** Lark open_id, WeCom userid, DingTalk staffId: what `identities.platform_user_id` stores. */
  platformUserId: string;
  name?: string;
}

export interface ConversationRef {
  id: string;
  type: 'direct' | 'group';
}

interface EventBase {
  platform: Platform;
  /** The platform's id for this delivery, used for deduplication. */
  eventId: string;
  /** Lark tenant_key, WeCom corpid, DingTalk corpId: which org this came from. */
  tenantKey?: string;
  sender: Sender;
  conversation: ConversationRef;
  /** Where a reply to this event should go. */
  replyTo: Address;
  raw: unknown;
}

export interface MessageEvent extends EventBase {
  type: 'message';
  /** Text with the bot @-mention removed and whitespace trimmed. */
  text: string;
  mentionedBot: boolean;
}

export interface CardActionEvent extends EventBase {
  type: 'card_action';
  /** The action id a CardButton carried (e.g. `kr.checkin`). */
  actionId: string;
  /** The button's values, plus any form input the platform sent. */
  value: Record<string, string>;
  /** The message the clicked card lives in, to update it later. */
  message?: SentRef;
}

export type BotEvent = MessageEvent | CardActionEvent;

/** Where to send: a person one-to-one, or a group chat. */
export interface Address {
  platform: Platform;
  kind: 'user' | 'group';
  /** Lark open_id or chat_id, WeCom userid or chatid, DingTalk staffId or openConversationId. */
  id: string;
  /** Platform-specific extras, e.g. DingTalk's sessionWebhook and its expiry. */
  hint?: Record<string, string | number>;
  /**
   * The tenant the recipient belongs to: the sending org's bound tenant, filled in by the
   * outbox when it delivers (storage/repos/tenants.ts). Absent for the sole org of an
   * unbound platform.
   */
  tenantKey?: string;
}

/** The platform's handle on a delivered message, enough to update it later. */
export interface SentRef {
  platform: Platform;
  /** Lark message_id, WeCom msgid, DingTalk outTrackId or processQueryKey. */
  messageId: string;
  /** Platform-specific extras (WeCom response_code and task_id, recipients, ...). */
  extra?: Record<string, string | number | string[]>;
}

export type OutboundMessage = { text: string; card?: undefined } | { card: Card; text?: undefined };

/** What the core answers to an event; adapters put it in the webhook response when they can. */
export interface EventResult {
  toast?: { kind: 'success' | 'info' | 'warning' | 'error'; text: string };
  /** The clicked card's new content. */
  card?: Card;
}

/**
 * Failure of an outbound call, classified for the outbox's retry policy:
 * - `rateLimited`: the platform refused for its rate limits. Not a failed attempt: the outbox
 *   pauses the platform for `retryAfterMs` (the platform's reset time) or longer, then tries again.
 * - `retryable`: transient (5xx, timeout, connection error, "system busy"): retried with capped
 *   exponential backoff for the outbox's retry window (hours).
 * - neither: documented as permanent (invalid recipient, bot not in the chat, malformed card):
 *   the message fails at once, with this message as the reason.
 * `platformCode` is the platform's own (Lark `code`, WeCom `errcode`, DingTalk `code`, or the
 * HTTP status); `code` is Polaris's stable one, e.g. `invalid_credentials` or `ip_not_allowed`
 * with the fix in the message.
 */
export class DeliveryError extends PolarisError {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly platformCode?: string | number,
    /** 'app': the whole app is over a limit (pause the platform); 'recipient': only this recipient is. */
    readonly rateLimited: false | 'app' | 'recipient' = false,
    code: ErrorCode = rateLimited
      ? ErrorCode.RateLimited
      : retryable
        ? ErrorCode.PlatformUnavailable
        : ErrorCode.DeliveryFailed,
  ) {
    super(code, message);
  }
}

/** Default bound on one platform HTTP call; a call that takes longer is abandoned as a transient failure. */
export const PLATFORM_CALL_TIMEOUT_MS = 10_000;

/** Is this error the abort of a call that ran past its timeout signal? */
export function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** What the core gives an adapter while it handles one webhook request. */
export interface WebhookContext {
  now(): Date;
  /** Deduplicate and process one event. Resolves with what the platform should show inline. */
  dispatch(event: BotEvent): Promise<EventResult>;
  /**
   * True when `dispatch` of a *message* resolves once the event is stored (the inbox), not once it
   * is handled. The adapter then waits for it however long the store takes instead of answering
   * after its budget: a 200 sent before the row is committed acknowledges an event that a crash
   * loses, while a late answer only makes the platform push it again, which the inbox deduplicates.
   */
  storesMessages?: boolean;
  /** Keep work going after the response (Workers waitUntil; plain promise on Node). */
  defer(work: Promise<unknown>): void;
  /**
   * Records a single-use value of a signed request (e.g. DingTalk's `timestamp`+`sign`) until
   * `expiresAt`. False when it was already used: the request is a replay. Stored in the
   * database, so it holds across processes and on Workers.
   */
  firstUse(key: string, expiresAt: Date): Promise<boolean>;
  /**
   * A directory change event (members or departments added, changed, removed) arrived: the core
   * re-syncs the tenant's org from the platform in the background. Absent where nothing listens.
   */
  directoryChanged?(change: DirectoryChange): void;
}

export interface DeliveryOptions {
  /** Stable per outbox row: platforms that support it deduplicate retries with it. */
  idempotencyKey: string;
}

export interface PlatformAdapter {
  readonly platform: Platform;
  /**
   * The tenant whose credentials this adapter holds (WeCom corpid; Lark LARK_TENANT_KEY;
   * DingTalk DINGTALK_CORP_ID), when known. The outbox sends an org's messages only through
   * the adapter of that org's tenant.
   */
  readonly tenantKey?: string;
  /** Sub-paths under /webhooks/<platform> this adapter serves ('' is the base path). */
  readonly webhookPaths: readonly string[];
  /**
   * Can the adapter show `EventResult.card` in the webhook response itself? When
   * false, the core enqueues an `update` of `CardActionEvent.message` instead.
   */
  readonly inlineCardUpdates: boolean;
  /**
   * Work the platform needs before it can deliver to us, run when the server starts (Node) and
   * also lazily before it is needed (Workers have no start): DingTalk HTTP mode registers its
   * card callback URL. Failures are logged and retried later, never fatal.
   */
  start?(): Promise<void>;
  /**
   * Get what a send needs before the outbox takes rate-limit slots for a batch (the access
   * token, a client loaded on first use; once ready this costs nothing). Sends whose slots were
   * taken while the first one waited for those would otherwise reach the platform in one bunch,
   * over its per-second limit.
   * A failure is the sends' to report: the outbox ignores it here.
   */
  warm?(): Promise<void>;
  /** Verify, parse, dispatch and answer one webhook request. Never throws. */
  handleWebhook(request: Request, ctx: WebhookContext, subPath: string): Promise<Response>;
  send(to: Address, message: OutboundMessage, options: DeliveryOptions): Promise<SentRef>;
  update(ref: SentRef, message: OutboundMessage, options: DeliveryOptions): Promise<void>;
  /** Sending limits the outbox must respect for this platform. */
  readonly limits: SendLimits;
  /**
   * How many platform messages `send` turns this message into (default 1), e.g. WeCom's
   * markdown + buttons card: what `limits` count, so a split message cannot overrun them.
   */
  messagesPerSend?(message: OutboundMessage): number;
  /**
   * Single sign-on from the platform's workbench (H5 app): turns the OAuth `code` the
   * platform appended to our URL into who the person is. `platformUserId` is what
   * `identities.platform_user_id` stores (Lark open_id, WeCom userid, DingTalk staffId);
   * `tenantKey` is the person's tenant (Lark tenant_key, WeCom corpid, DingTalk corpId), which
   * decides the org they sign in to.
   * Throws LoginCodeError for a bad, used or expired code (or a non-member). `redirectUri` is the
   * one `loginUrl` was given (OAuth 2 token endpoints such as Lark's v2 check it).
   */
  exchangeLoginCode?(
    code: string,
    redirectUri?: string,
  ): Promise<{ platformUserId: string; name?: string; tenantKey?: string }>;
  /** The platform's sign-in page that comes back to `redirectUri?code=…&state=…` (with exchangeLoginCode). */
  loginUrl?(redirectUri: string, state: string): string;
  /** What the platform's H5 JS-SDK needs to trust the page at `url` (WeCom: corpId and a wx.config signature). */
  jsapiConfig?(url: string): Promise<Record<string, string | number>>;
}

/** The platform refused a login code: unknown, already used, expired, or not a member. */
export class LoginCodeError extends PolarisError {
  override readonly name = 'LoginCodeError';
  constructor(
    message: string,
    readonly platformCode?: string | number,
  ) {
    super(ErrorCode.LoginCodeRejected, message);
  }
}

/** At most `count` messages in any span of `windowMs`. */
export interface RateWindow {
  count: number;
  windowMs: number;
}

export interface SendLimits {
  /** Whole-app messages per second. */
  perSecond: number;
  /** Further whole-app windows, e.g. Lark's 1000 messages per minute. */
  appWindows?: RateWindow[];
  /** Per recipient (user or group), one window or several (WeCom: per minute and per hour). */
  perRecipient?: RateWindow | RateWindow[];
}
