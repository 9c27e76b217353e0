// The part of an OAuth authorization server every emulator shares: single-use codes
// valid 5 minutes (what Lark, WeCom and DingTalk all document for their login codes),
// and an authorize page that redirects back with `?code=…&state=…`.
//
// A real platform knows who is signed in to its client; an emulator does not, so the
// authorize endpoints take the person as `?user=<platform user id>` and, without it,
// show a one-field form asking for it (for people driving an emulator by hand).
// Anyone who can reach such a page can be anyone, so an emulator serving people (the
// playground) passes `allowed`: the users it may sign in (the playground: the demo org's).
import type { Context } from 'hono';
import { bytesToHex } from '../bytes';

export const LOGIN_CODE_TTL_MS = 5 * 60 * 1000;

export type Redeemed =
  | { ok: true; user: string; redirect?: string }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export function createLoginCodes(now: () => Date, ttlMs = LOGIN_CODE_TTL_MS) {
  const codes = new Map<string, { user: string; expiresAt: number; used: boolean; redirect?: string }>();
  return {
    /** `redirect`: the redirect_uri the code was issued for (OAuth 2 token endpoints check it). */
    issue(user: string, redirect?: string): string {
      const code = bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
      codes.set(code, { user, expiresAt: now().getTime() + ttlMs, used: false, redirect });
      return code;
    },
    /** Consumes a code: the first redemption wins, every later one is `used`. */
    redeem(code: string): Redeemed {
      const entry = codes.get(code);
      if (!entry) return { ok: false, reason: 'unknown' };
      if (entry.used) return { ok: false, reason: 'used' };
      if (entry.expiresAt <= now().getTime()) return { ok: false, reason: 'expired' };
      entry.used = true;
      return { ok: true, user: entry.user, redirect: entry.redirect };
    },
    clear() {
      codes.clear();
    },
  };
}

export type LoginCodes = ReturnType<typeof createLoginCodes>;

/** Which platform user ids an emulator's authorize page may sign in (all when absent). */
export type SignInAllowed = (user: string) => boolean | Promise<boolean>;

const USER = /^[A-Za-z0-9_.@:$=+-]{1,128}$/;

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * GET handler for an authorize URL: answers 302 to the `redirect_uri` parameter with a
 * fresh code in `?code=` (DingTalk's login calls it `authCode`) and the `state` given.
 */
export function authorizeHandler(
  codes: LoginCodes,
  platformName: string,
  names: { redirect?: string; code?: string } = {},
  allowed?: SignInAllowed,
) {
  const redirectParam = names.redirect ?? 'redirect_uri';
  const codeParam = names.code ?? 'code';
  return async (c: Context) => {
    const redirect = c.req.query(redirectParam) ?? '';
    let target: URL;
    try {
      target = new URL(redirect);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return c.text(`${redirectParam} must be an absolute http(s) URL`, 400);
    }
    const user = c.req.query('user')?.trim() ?? '';
    if (!user) {
      // Who is signed in to the emulated client? Ask, then come back to this same URL.
      const hidden = Object.entries(c.req.query())
        .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
        .join('');
      return c.html(
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>${esc(platformName)} emulator sign-in</title>` +
          `<form method="get"><label for="user">${esc(platformName)} user id</label> <input id="user" name="user" required>${hidden} <button>Sign in</button></form></html>`,
      );
    }
    if (!USER.test(user)) return c.text('user: not a platform user id', 400);
    if (allowed && !(await allowed(user))) return c.text('user: this emulator does not sign in that user', 403);
    target.searchParams.set(codeParam, codes.issue(user, redirect));
    const state = c.req.query('state');
    if (state !== undefined) target.searchParams.set('state', state);
    return c.redirect(target.toString(), 302);
  };
}
