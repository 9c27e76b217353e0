// The OAuth `state` of a dashboard sign-in: a random value in a short-lived cookie,
// repeated by the platform on its way back, so a code cannot be planted on someone
// else's browser (login CSRF). SameSite=Lax because the way back is a cross-site
// top-level GET from the platform's sign-in page, which Strict cookies would miss.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { timingSafeEqualStrings } from '../api/auth';
import { isSecureRequest } from './session';

export const SSO_STATE_COOKIE = 'polaris_sso_state';
const STATE_TTL_SECONDS = 10 * 60;

/** A fresh state, remembered in the browser for the callback under /dashboard/sso. */
export function beginSsoState(c: Context, publicUrl: string | undefined): string {
  const state = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  setCookie(c, SSO_STATE_COOKIE, state, {
    path: '/dashboard/sso',
    httpOnly: true,
    sameSite: 'Lax',
    maxAge: STATE_TTL_SECONDS,
    secure: isSecureRequest(c, publicUrl),
  });
  return state;
}

/** True when the callback's `state` is the one this browser started with; the cookie is spent either way. */
export function checkSsoState(c: Context, state: string | undefined): boolean {
  const expected = getCookie(c, SSO_STATE_COOKIE);
  if (expected) deleteCookie(c, SSO_STATE_COOKIE, { path: '/dashboard/sso' });
  return !!expected && !!state && timingSafeEqualStrings(state, expected);
}

/** Where the platform sends the person back: PUBLIC_URL when set (behind a proxy), else this request's origin. */
export function ssoCallbackUrl(c: Context, publicUrl: string | undefined, platform: string): string {
  const origin = publicUrl ? publicUrl.replace(/\/$/, '') : new URL(c.req.url).origin;
  return `${origin}/dashboard/sso/${platform}`;
}
