// Dashboard sessions: revocable, stored in `dashboard_sessions` (SQLite or D1). The cookie
// holds `<random id>.<HMAC-SHA-256(id)>` (WebCrypto, so it works on Workers) under a key
// derived from ADMIN_TOKEN: rotating ADMIN_TOKEN logs everybody out, and logging out deletes
// the row so an old copy of the cookie no longer works. The table stores SHA-256(id) only.
// HttpOnly + SameSite=Strict: page scripts cannot read it and other sites cannot send it;
// Secure whenever the browser came over TLS (also behind a proxy, see isSecureRequest).
import { eq, lt } from 'drizzle-orm';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { Store } from '../../storage/db';
import { dashboardSessions } from '../../storage/schema';

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

function randomId(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function mac(adminToken: string, id: string): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', await sessionKey(adminToken), enc.encode(id))));
}

/**
 * Stores a new session and returns the cookie value `<random id>.<HMAC(id)>`. The database keeps
 * only SHA-256(id); the HMAC under the ADMIN_TOKEN-derived key means rotating the token still
 * logs everybody out, and garbage cookies are refused without a database read.
 */
export async function createSession(
  store: Store,
  adminToken: string,
  claims: SessionClaims,
  now: Date,
): Promise<string> {
  const id = randomId();
  await store.atomic([
    // Expired rows go whenever someone signs in, so the table stays as small as the live sessions.
    store.db.delete(dashboardSessions).where(lt(dashboardSessions.expiresAt, now.toISOString())),
    store.db.insert(dashboardSessions).values({
      idHash: await sha256Hex(id),
      sub: claims.sub,
      orgId: claims.org ?? null,
      via: claims.via,
      createdAt: now.toISOString(),
      expiresAt: new Date(claims.exp * 1000).toISOString(),
    }),
  ]);
  return `${id}.${await mac(adminToken, id)}`;
}

/** The session id of an authentic cookie value (HMAC checked in constant time), else undefined. */
async function authenticId(adminToken: string, value: string | undefined): Promise<string | undefined> {
  if (!value || value.length > 512) return undefined;
  const [id, sig, extra] = value.split('.');
  if (!id || !sig || extra !== undefined) return undefined;
  const sigBytes = fromB64url(sig);
  if (!sigBytes) return undefined;
  // crypto.subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify(
    'HMAC',
    await sessionKey(adminToken),
    sigBytes as Uint8Array<ArrayBuffer>,
    enc.encode(id),
  );
  return ok ? id : undefined;
}

/** The claims when the cookie value is authentic, its session is stored and unexpired; undefined otherwise. */
export async function verifySession(
  store: Store,
  adminToken: string,
  value: string | undefined,
  now: Date,
): Promise<SessionClaims | undefined> {
  const id = await authenticId(adminToken, value);
  if (!id) return undefined;
  const [row] = await store.db
    .select()
    .from(dashboardSessions)
    .where(eq(dashboardSessions.idHash, await sha256Hex(id)))
    .limit(1);
  if (!row || row.expiresAt <= now.toISOString()) return undefined;
  return {
    sub: row.sub,
    org: row.orgId ?? undefined,
    via: row.via,
    exp: Math.floor(Date.parse(row.expiresAt) / 1000),
  };
}

/** Deletes the cookie's session: every copy of the cookie stops working at once. */
export async function revokeSession(store: Store, adminToken: string, value: string | undefined): Promise<void> {
  const id = await authenticId(adminToken, value);
  if (!id) return;
  await store.db.delete(dashboardSessions).where(eq(dashboardSessions.idHash, await sha256Hex(id)));
}

/**
 * Whether the browser reached us over TLS, so cookies get `Secure`. Behind a TLS-terminating
 * proxy the request Node sees is plain http, so an `https://` PUBLIC_URL or the proxy's
 * `X-Forwarded-Proto: https` count too. Trusting the header cannot weaken anything: a forged
 * one only makes the forger's own cookie stricter.
 */
export function isSecureRequest(c: Context, publicUrl: string | undefined): boolean {
  if (publicUrl?.toLowerCase().startsWith('https://')) return true;
  if (new URL(c.req.url).protocol === 'https:') return true;
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https';
}

export async function startSession(
  c: Context,
  deps: { store: Store; adminToken: string; publicUrl?: string },
  claims: Omit<SessionClaims, 'exp'>,
  now: Date,
) {
  const exp = Math.floor(now.getTime() / 1000) + SESSION_TTL_SECONDS;
  setCookie(c, SESSION_COOKIE, await createSession(deps.store, deps.adminToken, { ...claims, exp }, now), {
    path: '/dashboard',
    httpOnly: true,
    sameSite: 'Strict',
    maxAge: SESSION_TTL_SECONDS,
    secure: isSecureRequest(c, deps.publicUrl),
  });
}

export async function endSession(c: Context, deps: { store: Store; adminToken?: string }) {
  if (deps.adminToken) await revokeSession(deps.store, deps.adminToken, sessionCookie(c));
  deleteCookie(c, SESSION_COOKIE, { path: '/dashboard' });
}

export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}
