// Outbound Lark API calls through the official SDK (`@larksuiteoapi/node-sdk`),
// with its HTTP layer replaced by `fetch` (injectable, Workers-friendly) and its
// token management replaced by one single-flight tenant_access_token per client on an
// injectable clock: the SDK fetches a token per concurrent call on a cold cache (one
// server fetched it six times at start), so it is given ours with withTenantToken.
import type { Client as LarkSdkClient } from '@larksuiteoapi/node-sdk';
import { DeliveryError, isTimeout, PLATFORM_CALL_TIMEOUT_MS, type OutboundMessage, type SentRef } from '../types';
import { sha256Hex } from '../common/bytes';
import { SingleFlightToken } from '../common/token';
import { renderLarkMessage } from './render';
import { ErrorCode, PolarisError } from '../../core/errors';
import { LARK_CODE_FIXES } from './fixes';

export interface LarkClientConfig {
  appId: string;
  appSecret: string;
  /** Base URL: https://open.feishu.cn, https://open.larksuite.com, or an emulator. */
  domain: string;
}

export interface LarkClientOptions {
  fetch?: typeof fetch;
  now?: () => Date;
  /**
   * 'sdk': the official SDK; 'rest': plain fetch; 'auto' (default): the SDK where
   * it loads (Node), plain fetch where it cannot (Cloudflare Workers).
   */
  transport?: 'auto' | 'sdk' | 'rest';
  /** Bound on each HTTP call; a call that runs past it is abandoned as a transient failure. */
  timeoutMs?: number;
}

export interface LarkClient {
  /** The client's tenant_access_token (single flight, refreshed 3 min before expiry). */
  readonly token: SingleFlightToken;
  /** Load the API client (the SDK, on first use) and get a token, ahead of the first call. */
  warm(): Promise<void>;
  send(to: { kind: 'user' | 'group'; id: string }, message: OutboundMessage, idempotencyKey: string): Promise<SentRef>;
  update(messageId: string, message: OutboundMessage): Promise<void>;
  /** Delayed card update with a callback's token (30 min, at most twice). */
  updateWithToken(token: string, card: Record<string, unknown>): Promise<void>;
}

/**
 * Rate-limit answers: 99991400 is the gateway's frequency control (HTTP 429, or 400 on older APIs, with
 * `x-ogw-ratelimit-reset` in seconds), 230020 the message API's own frequency limit.
 * https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control
 * https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code
 */
const RATE_LIMIT_CODES = new Set([230020, 99991400]);
/**
 * Errors Lark documents as caused by the request itself, which a retry cannot fix: bad parameters,
 * malformed or oversized content and cards, a recipient the bot cannot reach (not in the chat, outside
 * the app's availability, unknown id), missing permissions, wrong credentials. Any other code is retried
 * for the outbox's retry window.
 * https://open.feishu.cn/document/server-docs/im-v1/message/create (error codes)
 * https://open.feishu.cn/document/server-docs/im-v1/message-card/patch (error codes)
 * https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code
 */
const PERMANENT_CODES = new Set([
  // im/v1/messages: invalid parameter, bot not in chat / ability off, user outside availability,
  // message withdrawn or not found, content too long, no permission, card content invalid.
  230001, 230002, 230006, 230011, 230013, 230015, 230017, 230018, 230025, 230027, 230028, 230035, 230099,
  // generic: field validation, invalid app id or secret, no scope permission.
  99992402, 10003, 10014, 99991672, 99991661,
  // interactive/v1/card/update: token invalid or expired.
  200740,
]);
/** Invalid or expired tenant_access_token: refresh and retry once. */
const TOKEN_CODES = new Set([99991663, 99991664]);
const DEFAULT_RETRY_AFTER_MS = 1000;
const MAX_UUID_LENGTH = 50;

/** A non-2xx HTTP answer, as the SDK would see an axios error. */
export class LarkHttpError extends PolarisError {
  override readonly name = 'LarkHttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Headers,
  ) {
    super(ErrorCode.Upstream, `HTTP ${status}`);
  }
}

interface RequestOptions {
  url?: string;
  method?: string;
  headers?: Record<string, unknown>;
  params?: Record<string, unknown>;
  data?: unknown;
  paramsSerializer?: (params: Record<string, unknown>) => string;
}

/** The subset of axios the SDK calls (`request`, `post`), answering with the JSON body like its default instance. */
export function fetchHttpInstance(fetchFn: typeof fetch, timeoutMs = PLATFORM_CALL_TIMEOUT_MS) {
  async function request(opts: RequestOptions): Promise<unknown> {
    const url = new URL(opts.url ?? '');
    if (opts.params && Object.keys(opts.params).length > 0) {
      url.search = opts.paramsSerializer
        ? opts.paramsSerializer(opts.params)
        : new URLSearchParams(Object.entries(opts.params).map(([k, v]) => [k, String(v)])).toString();
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (v !== undefined && v !== null) headers.set(k, String(v));
    const method = (opts.method ?? 'GET').toUpperCase();
    const hasBody = opts.data !== undefined && method !== 'GET';
    if (hasBody) headers.set('content-type', 'application/json; charset=utf-8');
    // The timeout covers the answer's body too: a platform that hangs mid-answer is abandoned as well.
    const response = await fetchFn(url, {
      method,
      headers,
      body: hasBody ? JSON.stringify(opts.data) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      /* keep the text */
    }
    if (!response.ok) throw new LarkHttpError(response.status, body, response.headers);
    return body;
  }
  const withMethod =
    (method: string) =>
    (url: string, data?: unknown, opts: RequestOptions = {}) =>
      request({ ...opts, url, method, data });
  const noBody =
    (method: string) =>
    (url: string, opts: RequestOptions = {}) =>
      request({ ...opts, url, method });
  return {
    request,
    post: withMethod('POST'),
    put: withMethod('PUT'),
    patch: withMethod('PATCH'),
    get: noBody('GET'),
    delete: noBody('DELETE'),
    head: noBody('HEAD'),
    options: noBody('OPTIONS'),
  };
}

interface LarkBody {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
}

function retryAfterFrom(headers: Headers | undefined): number {
  // Lark's gateway tells when the window resets, in seconds.
  const reset = Number(headers?.get('x-ogw-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : DEFAULT_RETRY_AFTER_MS;
}

/** Classifies a Lark answer or failure for the outbox. */
export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof LarkHttpError) {
    const body = (error.body && typeof error.body === 'object' ? error.body : {}) as LarkBody;
    if (typeof body.code === 'number' && body.code !== 0) return codeError(body, error.status, error.headers);
    if (error.status === 429)
      return new DeliveryError(`Lark HTTP 429`, true, retryAfterFrom(error.headers), error.status, 'app');
    // 5xx and anything Lark does not explain with a code: transient.
    return new DeliveryError(`Lark HTTP ${error.status}`, true, undefined, error.status);
  }
  if (isTimeout(error)) return new DeliveryError('Lark call timed out', true, undefined, 'timeout');
  // fetch rejections are network failures, anything else (e.g. the SDK's token error) is not documented as
  // permanent either: both are retried, with the reason.
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError(`Lark call failed: ${message}`, true);
}

function codeError(body: LarkBody, status?: number, headers?: Headers): DeliveryError {
  const code = body.code ?? -1;
  const text = `Lark error ${code}: ${body.msg ?? 'unknown'}`;
  if (RATE_LIMIT_CODES.has(code)) return new DeliveryError(text, true, retryAfterFrom(headers), code, 'app');
  const known = LARK_CODE_FIXES[code];
  if (known) return new DeliveryError(`${text}: ${known.fix}`, false, undefined, code, false, known.code);
  if (PERMANENT_CODES.has(code) && !(status !== undefined && status >= 500))
    return new DeliveryError(text, false, undefined, code);
  return new DeliveryError(text, true, undefined, code);
}

function isTokenError(error: unknown): boolean {
  if (error instanceof DeliveryError) return TOKEN_CODES.has(Number(error.platformCode));
  return false;
}

/** `uuid` must be ≤ 50 chars: longer keys are replaced by a stable hash. */
export async function larkUuid(idempotencyKey: string): Promise<string> {
  if (idempotencyKey.length <= MAX_UUID_LENGTH) return idempotencyKey;
  return (await sha256Hex(idempotencyKey)).slice(0, MAX_UUID_LENGTH);
}

const silentLogger = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** The three Lark calls Polaris makes, each answering Lark's `{code,msg,data}` body. */
interface LarkTransport {
  createMessage(receiveIdType: string, data: Record<string, unknown>, used: (token: string) => void): Promise<unknown>;
  patchMessage(messageId: string, data: Record<string, unknown>, used: (token: string) => void): Promise<unknown>;
  post(path: string, data: Record<string, unknown>, used: (token: string) => void): Promise<unknown>;
}

type HttpInstance = ReturnType<typeof fetchHttpInstance>;

/** Through the official SDK (token management included). */
async function sdkTransport(config: LarkClientConfig, http: HttpInstance, token: TokenFor): Promise<LarkTransport> {
  const lark = await import('@larksuiteoapi/node-sdk');
  const sdk: LarkSdkClient = new lark.Client({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    appType: lark.AppType.SelfBuild,
    // Tokens come from our single-flight source (withTenantToken below), never from the SDK's own fetches.
    disableTokenCache: true,
    httpInstance: http as never,
    // Failures come back as DeliveryErrors for the outbox to log; the SDK's own
    // logging would print them twice (and LoggerLevel.fatal is 0, which it treats as unset).
    logger: silentLogger,
    loggerLevel: lark.LoggerLevel.error,
  });
  return {
    createMessage: async (receiveIdType, data, used) =>
      sdk.im.v1.message.create(
        { params: { receive_id_type: receiveIdType as 'open_id' }, data: data as never },
        lark.withTenantToken(await token(used)),
      ),
    patchMessage: async (messageId, data, used) =>
      sdk.im.v1.message.patch(
        { path: { message_id: messageId }, data: data as never },
        lark.withTenantToken(await token(used)),
      ),
    post: async (path, data, used) =>
      sdk.request({ method: 'POST', url: `${config.domain}${path}`, data }, lark.withTenantToken(await token(used))),
  };
}

/**
 * The same calls with fetch only, for runtimes where the SDK cannot load (on
 * Cloudflare Workers it needs `__dirname` and Node's http). Same single-flight token.
 */
function restTransport(config: LarkClientConfig, http: HttpInstance, token: TokenFor): LarkTransport {
  const authed = async (
    used: (t: string) => void,
    method: string,
    path: string,
    data: Record<string, unknown>,
    params?: Record<string, string>,
  ) =>
    http.request({
      method,
      url: `${config.domain}${path}`,
      data,
      params,
      headers: { Authorization: `Bearer ${await token(used)}` },
    });
  return {
    createMessage: (receiveIdType, data, used) =>
      authed(used, 'POST', '/open-apis/im/v1/messages', data, { receive_id_type: receiveIdType }),
    patchMessage: (messageId, data, used) =>
      authed(used, 'PATCH', `/open-apis/im/v1/messages/${encodeURIComponent(messageId)}`, data),
    post: (path, data, used) => authed(used, 'POST', path, data),
  };
}

/** Hands out the current token and tells the caller which one it used (to invalidate exactly that one). */
type TokenFor = (used: (token: string) => void) => Promise<string>;

/** POST /open-apis/auth/v3/tenant_access_token/internal → {code, msg, tenant_access_token, expire}. */
async function fetchTenantToken(config: LarkClientConfig, http: HttpInstance) {
  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
  let body: LarkBody & { tenant_access_token?: string; expire?: number };
  try {
    body = (await http.post(`${config.domain}/open-apis/auth/v3/tenant_access_token/internal`, {
      app_id: config.appId,
      app_secret: config.appSecret,
    })) as typeof body;
  } catch (error) {
    throw toDeliveryError(error);
  }
  if (!body.tenant_access_token)
    throw codeError({ code: body.code ?? -1, msg: `failed to get tenant_access_token: ${body.msg ?? 'no message'}` });
  return { value: body.tenant_access_token, expiresInSeconds: body.expire ?? 7200 };
}

/** Refresh this long before Lark's `expire` (the SDK's own margin). */
const TOKEN_MARGIN_MS = 3 * 60 * 1000;

export function createLarkClient(config: LarkClientConfig, options: LarkClientOptions = {}): LarkClient {
  const now = options.now ?? (() => new Date());
  const http = fetchHttpInstance(
    options.fetch ?? ((input, init) => fetch(input, init)),
    options.timeoutMs ?? PLATFORM_CALL_TIMEOUT_MS,
  );
  const token = new SingleFlightToken(() => fetchTenantToken(config, http), now, TOKEN_MARGIN_MS);
  const tokenFor: TokenFor = async (used) => {
    const value = await token.get();
    used(value);
    return value;
  };
  const mode = options.transport ?? 'auto';
  let transport: Promise<LarkTransport> | undefined;

  // Loaded on first use: the SDK is large and only outbound calls need it.
  function api(): Promise<LarkTransport> {
    transport ??=
      mode === 'rest'
        ? Promise.resolve(restTransport(config, http, tokenFor))
        : sdkTransport(config, http, tokenFor).catch((error: unknown) => {
            if (mode === 'sdk') throw error;
            return restTransport(config, http, tokenFor);
          });
    return transport;
  }

  /** One API call: Lark's `{code,msg,data}` checked, errors classified, one token refresh on 99991663/4. */
  async function call(
    run: (api: LarkTransport, used: (token: string) => void) => Promise<unknown>,
  ): Promise<Record<string, unknown>> {
    let usedToken: string | undefined;
    const attempt = async () => {
      let body: LarkBody;
      try {
        body = (await run(await api(), (t) => {
          usedToken = t;
        })) as LarkBody;
      } catch (error) {
        throw toDeliveryError(error);
      }
      if (!body || typeof body !== 'object') throw new DeliveryError('Lark answered with a non-JSON body', true);
      if (body.code !== 0) throw codeError(body);
      return body.data ?? {};
    };
    try {
      return await attempt();
    } catch (error) {
      if (!isTokenError(error)) throw error;
      // Drop only the token Lark refused: concurrent refusals of one stale token refresh it once.
      if (usedToken) token.invalidate(usedToken);
      return attempt();
    }
  }

  return {
    token,
    async warm() {
      await api();
      await token.get();
    },
    async send(to, message, idempotencyKey) {
      const body = renderLarkMessage(message);
      const uuid = await larkUuid(idempotencyKey);
      // https://open.feishu.cn/document/server-docs/im-v1/message/create
      const data = await call((a, used) =>
        a.createMessage(
          to.kind === 'group' ? 'chat_id' : 'open_id',
          { receive_id: to.id, msg_type: body.msg_type, content: body.content, uuid },
          used,
        ),
      );
      const messageId = data.message_id;
      if (typeof messageId !== 'string') throw new DeliveryError('Lark did not return a message_id', false);
      return {
        platform: 'lark',
        messageId,
        extra: typeof data.chat_id === 'string' ? { chatId: data.chat_id } : undefined,
      };
    },

    async update(messageId, message) {
      if (!message.card) throw new DeliveryError('Lark can only update card messages', false);
      const body = renderLarkMessage(message);
      // https://open.feishu.cn/document/server-docs/im-v1/message-card/patch
      await call((a, used) => a.patchMessage(messageId, { content: body.content }, used));
    },

    async updateWithToken(token, card) {
      // https://open.feishu.cn/document/feishu-cards/card-callback-communication (delayed update)
      await call((a, used) => a.post('/open-apis/interactive/v1/card/update', { token, card }, used));
    },
  };
}
