// Dashboard sessions: a cookie holding `base64url(json).base64url(hmac)`, signed with
// HMAC-SHA-256 (WebCrypto, so it works on Workers) under a key derived from
// ADMIN_TOKEN. Rotating ADMIN_TOKEN therefore logs everybody out, which is the point.
// HttpOnly + SameSite=Strict: page scripts cannot read it and other sites cannot send it.
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Context } from 'hono';

export const SESSION_COOKIE = 'polaris_dash';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface SessionClaims {
  /** 'admin' for the admin token; else the signed-in person's id. */
  sub: string;
  /** The org a person session belongs to (admins pick one per request). */
  org?: string;
  /** How the session was opened: 'token' or a platform name. */
  via: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

/** HMAC key = HMAC(ADMIN_TOKEN, fixed label): the token itself never signs anything directly. */
function sessionKey(adminToken: string): Promise<CryptoKey> {
  let key = keys.get(adminToken);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey(
        'raw',
        enc.encode(adminToken),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const derived = await crypto.subtle.sign('HMAC', base, enc.encode('polaris/dashboard-session/v1'));
      return crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    })();
    keys.set(adminToken, key);
  }
  return key;
}

export async function signSession(adminToken: string, claims: SessionClaims): Promise<string> {
  const body = b64url(enc.encode(JSON.stringify(claims)));
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await sessionKey(adminToken), enc.encode(body)));
  return `${body}.${b64url(sig)}`;
}

/** The claims when the value is authentic and unexpired; undefined otherwise. */
export async function verifySession(
  adminToken: string,
  value: string | undefined,
  now: Date,
): Promise<SessionClaims | undefined> {
  if (!value || value.length > 4096) return undefined;
  const [body, sig, extra] = value.split('.');
  if (!body || !sig || extra !== undefined) return undefined;
  const sigBytes = fromB64url(sig);
  if (!sigBytes) return undefined;
  // crypto.subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify(
    'HMAC',
    await sessionKey(adminToken),
    sigBytes as Uint8Array<ArrayBuffer>,
    enc.encode(body),
  );
  if (!ok) return undefined;
  const json = fromB64url(body);
  if (!json) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(json)) as SessionClaims;
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || claims.exp * 1000 <= now.getTime())
      return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

export async function startSession(c: Context, adminToken: string, claims: Omit<SessionClaims, 'exp'>, now: Date) {
  const exp = Math.floor(now.getTime() / 1000) + SESSION_TTL_SECONDS;
  setCookie(c, SESSION_COOKIE, await signSession(adminToken, { ...claims, exp }), {
    path: '/dashboard',
    httpOnly: true,
    sameSite: 'Strict',
    maxAge: SESSION_TTL_SECONDS,
    secure: new URL(c.req.url).protocol === 'https:',
  });
}

export function endSession(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard' });
}

export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}
