// Bearer-token auth for /api/v1. Constant-time compare so the token cannot be
// guessed byte by byte from response times.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../services';
import { ApiError } from './errors';

export function timingSafeEqualStrings(a: string, b: string): boolean {
  const enc = new TextEncoder();
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0 && x.length === y.length;
}

/**
 * Refuses (429, Retry-After) a client that sent too many wrong tokens lately (src/auth-throttle.ts).
 * Checked before the token, so a blocked guesser learns nothing more.
 */
export function refuseIfThrottled(c: Context<AppEnv>): void {
  const { authThrottle, clientOf } = c.get('deps');
  const wait = authThrottle.retryAfterSeconds(clientOf(c));
  if (!wait) return;
  c.header('Retry-After', String(wait));
  throw new ApiError(
    429,
    'too_many_attempts',
    `Too many wrong tokens from this address; try again in ${Math.ceil(wait / 60)} minute(s).`,
  );
}

/** Counts a wrong token against the client's address. */
export function recordWrongToken(c: Context<AppEnv>): void {
  const { authThrottle, clientOf } = c.get('deps');
  authThrottle.fail(clientOf(c));
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  return m?.[1]?.trim();
}

/** Requires `Authorization: Bearer <token>` where the token is one of `accepted(config)`. */
export const requireToken = (which: 'admin' | 'ingest') =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { config } = c.get('deps');
    const expected = which === 'ingest' ? config.ingestToken : config.adminToken;
    const envName = which === 'ingest' ? 'INGEST_TOKEN (or ADMIN_TOKEN)' : 'ADMIN_TOKEN';
    if (!expected) {
      throw new ApiError(
        401,
        'unauthorized',
        `The API is disabled: set ${envName} on the server, then send "Authorization: Bearer <token>".`,
      );
    }
    refuseIfThrottled(c);
    const given = bearer(c.req.header('authorization'));
    if (!given)
      throw new ApiError(
        401,
        'unauthorized',
        `Missing "Authorization: Bearer <token>" header (the server's ${envName}).`,
      );
    if (!timingSafeEqualStrings(given, expected)) {
      recordWrongToken(c);
      throw new ApiError(
        401,
        'unauthorized',
        `Invalid token in the Authorization header (expected the server's ${envName}).`,
      );
    }
    await next();
  });
