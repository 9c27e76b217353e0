// The API's error shape: {"error":{"code","message","message_zh","details"}}. Handlers throw
// ApiError; the app's onError turns it (and anything unexpected) into JSON through
// `errorJson`, the one writer of error answers, so every error carries both languages.
//
// Decision (issue 19): every answer carries `message` in English (stable, what scripts and
// logs have always read) and `message_zh` in Simplified Chinese, rather than following
// Accept-Language: an HR admin's script, curl and the dashboard all get both without content
// negotiation, and one answer never mixes languages inside one field. An error built from a
// catalogue key (`bilingual(key, params)`) has the same specific sentence in both; an error
// thrown with English text only gets its code's Chinese sentence (core/i18n `apiError.<code>`).
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { type ErrorCode, PolarisError } from '../../core/errors';
import { type MessageKey, type MessageParams, catalogues, t } from '../../core/i18n';

/** One message in both API languages. */
export interface Bilingual {
  en: string;
  zh: string;
}

/** A catalogue message in both languages. */
export function bilingual(key: MessageKey, params?: MessageParams): Bilingual {
  return { en: t('en', key, params), zh: t('zh-CN', key, params) };
}

export class ApiError extends PolarisError {
  override readonly name = 'ApiError';
  /** The Chinese message, when the thrower wrote one; else the code's sentence is used. */
  readonly zh?: string;
  constructor(
    readonly status: ContentfulStatusCode,
    code: ErrorCode,
    message: string | Bilingual,
    readonly details?: unknown,
  ) {
    super(code, typeof message === 'string' ? message : message.en);
    if (typeof message !== 'string') this.zh = message.zh;
  }
}

const THINGS: Record<string, MessageKey> = {
  Team: 'apiError.thing.team',
  Person: 'apiError.thing.person',
  Organisation: 'apiError.thing.organisation',
  Cycle: 'apiError.thing.cycle',
  'Key result': 'apiError.thing.keyResult',
  Objective: 'apiError.thing.objective',
  'Outbox message': 'apiError.thing.outbox',
  Rule: 'apiError.thing.rule',
};

export const notFound = (what: string, id: string) =>
  new ApiError(404, 'not_found', {
    en: `${what} ${id} does not exist`,
    zh: t('zh-CN', 'apiError.notFoundThing', { what: t('zh-CN', THINGS[what] ?? 'apiError.thing.other'), id }),
  });
export const badRequest = (message: string | Bilingual, details?: unknown) =>
  new ApiError(400, 'bad_request', message, details);
export const conflict = (message: string | Bilingual, details?: unknown) =>
  new ApiError(409, 'conflict', message, details);

/** Zod issues as `[{path:"rows[3].email", message}]`, so a client can find the field. */
export function zodDetails(error: z.ZodError, prefix = ''): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: formatPath(prefix, i.path), message: i.message }));
}

function formatPath(prefix: string, path: PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(body)';
}

/** The code's Chinese sentence (`apiError.<code>`), or the generic one. */
export function codeMessageZh(code: string): string {
  const key = `apiError.${code}`;
  return key in catalogues['zh-CN'] ? t('zh-CN', key as MessageKey) : t('zh-CN', 'apiError.generic');
}

/** Every JSON error answer of the API and the app is written here. */
export function errorJson(
  c: Context,
  status: ContentfulStatusCode,
  error: { code: string; message: string; zh?: string; details?: unknown },
) {
  return c.json(
    {
      error: {
        code: error.code,
        message: error.message,
        message_zh: error.zh ?? codeMessageZh(error.code),
        ...(error.details !== undefined ? { details: error.details } : {}),
      },
    },
    status,
  );
}

export function errorResponse(c: Context, err: ApiError) {
  return errorJson(c, err.status, { code: err.code, message: err.message, zh: err.zh, details: err.details });
}
