// One HTTP request of a connector source, with a timeout, a body size cap, and retries with
// backoff for what may pass (network errors, timeouts, HTTP 5xx and 429). Shared by the HTTP(S)
// source (src/connectors) and the platform attendance and Bitable readers (bots/<platform>/).
import {
  DEFAULT_SOURCE_ATTEMPTS,
  DEFAULT_SOURCE_TIMEOUT_MS,
  realSleep,
  SourceError,
  sourceBackoffMs,
  type SourceFetchOptions,
} from '../../core/connectors';
import { readTextWithin } from './bytes';

/** A source answer larger than this is refused (a 10,000-row CSV export is well under 4 MB). */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

export interface SourceResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface SourceRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** How the request is named in errors (never the URL's query, which may hold a token). */
  label: string;
  /** Decides, from a 2xx answer, whether to retry (a platform's rate-limit code in a 200). */
  retryOn?: (response: SourceResponse) => boolean;
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const text = await readTextWithin(res, maxBytes);
  if (text === undefined) throw new SourceError(`the answer is larger than ${maxBytes / 1024 / 1024} MB`, false);
  return text;
}

export async function sourceFetch(
  request: SourceRequest,
  options: SourceFetchOptions & { stats?: { requests: number }; maxBytes?: number } = {},
): Promise<SourceResponse> {
  const send = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const sleep = options.sleep ?? realSleep;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_SOURCE_ATTEMPTS);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS;
  let last: SourceError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(sourceBackoffMs(attempt - 1));
    if (options.stats) options.stats.requests++;
    let res: Response;
    try {
      res = await send(request.url, {
        method: request.method ?? 'GET',
        headers: request.headers,
        body: request.body,
        // Redirects are not followed: a source that redirects elsewhere is refused (docs/connectors.md#ssrf).
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
      last = new SourceError(
        timedOut
          ? `${request.label}: no answer within ${timeoutMs / 1000} s`
          : `${request.label}: cannot connect (${(err as Error)?.message ?? String(err)})`,
        true,
      );
      continue;
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => {});
      throw new SourceError(`${request.label}: answered a redirect (HTTP ${res.status}), which is not followed`, false);
    }
    let text: string;
    try {
      text = await readCapped(res, options.maxBytes ?? MAX_SOURCE_BYTES);
    } catch (err) {
      if (err instanceof SourceError) throw new SourceError(`${request.label}: ${err.message}`, false);
      last = new SourceError(`${request.label}: the answer broke off (${(err as Error).message})`, true);
      continue;
    }
    const answer = { status: res.status, headers: res.headers, text };
    if (res.status >= 500 || res.status === 429) {
      last = new SourceError(`${request.label}: HTTP ${res.status}${snippet(text)}`, true);
      continue;
    }
    if (res.status >= 200 && res.status < 300 && request.retryOn?.(answer)) {
      last = new SourceError(`${request.label}: rate limited${snippet(text)}`, true);
      continue;
    }
    return answer;
  }
  throw new SourceError(`${last?.message ?? request.label} (after ${attempts} attempts)`, true);
}

/** The start of an answer body for an error message, without line breaks. */
/**
 * A `retryOn` for platforms that answer a rate limit as HTTP 200 with a code in the JSON body
 * (`errcode` on WeCom and DingTalk, `code` on Lark): retry when that code is one of `codes`.
 */
export function retryOnBodyCode(field: 'errcode' | 'code', codes: ReadonlySet<number>) {
  return (res: SourceResponse): boolean => {
    try {
      return codes.has((JSON.parse(res.text) as Record<string, number | undefined>)[field] ?? 0);
    } catch {
      return false;
    }
  };
}

export function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  return s ? `: ${s}` : '';
}
