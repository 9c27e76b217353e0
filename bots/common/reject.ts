// A webhook request the adapter will not process: answered with a stable code and a message
// that names the setting to fix when the cause is a known misconfiguration, and logged with
// the same code and message, so what the platform console shows is what the server log says.
import type { ErrorCode } from '../../core/errors';
import { log, type LogLevel } from '../../core/log';
import type { Platform } from '../types';

/** Codes that mean "the platform and this server disagree about a secret or an id": worth a warning. */
const MISCONFIGURATION: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad_signature',
  'bad_token',
  'decrypt_failed',
  'bad_owner',
  'not_configured',
]);

function levelFor(status: number, code: ErrorCode): LogLevel {
  if (status >= 500) return 'error';
  return MISCONFIGURATION.has(code) ? 'warn' : 'debug';
}

export interface Rejection {
  status: number;
  code: ErrorCode;
  message: string;
  /** What went wrong inside (a failed dispatch); logged, never answered. */
  cause?: unknown;
}

/** Logs the rejection; `{"error":{"code","message"}}` for platforms that speak JSON (Lark, DingTalk). */
export function rejectJson(platform: Platform, r: Rejection): Response {
  logRejection(platform, r);
  return new Response(JSON.stringify({ error: { code: r.code, message: r.message } }), {
    status: r.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

/** Logs the rejection; `code: message` as plain text (WeCom's callbacks are XML and text). */
export function rejectText(platform: Platform, r: Rejection): Response {
  logRejection(platform, r);
  return new Response(`${r.code}: ${r.message}`, {
    status: r.status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

function logRejection(platform: Platform, r: Rejection): void {
  log[levelFor(r.status, r.code)](`${platform} webhook answered ${r.status}: ${r.message}`, {
    platform,
    code: r.code,
    ...(r.cause !== undefined ? { err: r.cause } : {}),
  });
}
