// Item 8 of the security review: behind a TLS-terminating proxy the server sees plain http,
// yet the browser is on https; the session and SSO-state cookies must still be `Secure`.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, ADMIN_TOKEN } from '../helpers/app';
import { serveOnNode } from '../../bots/common/emulator/serve';
import { createLarkEmulator } from '../../bots/lark/emulator';

let h: ReturnType<typeof createTestApp> | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  h?.close();
  h = undefined;
  while (closers.length) await closers.pop()!();
});

const login = (headers: Record<string, string> = {}) =>
  h!.app.request('http://polaris.internal:8787/dashboard/login', {
    method: 'POST',
    headers,
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
  });

describe('cookies behind a TLS proxy', () => {
  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    h = createTestApp({ env: { PUBLIC_URL: 'https://okr.example.com' } });
    const res = await login();
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/polaris_dash=[^;]+;.*\bSecure\b/);
  });

  it('marks the session cookie Secure when the proxy says X-Forwarded-Proto: https', async () => {
    h = createTestApp();
    const res = await login({ 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toMatch(/\bSecure\b/);
  });

  it('keeps plain http (local development) without Secure, so the cookie still works there', async () => {
    h = createTestApp();
    const res = await login();
    expect(res.headers.get('set-cookie')).toMatch(/polaris_dash=/);
    expect(res.headers.get('set-cookie')).not.toMatch(/\bSecure\b/);
  });

  it('marks the SSO state cookie Secure behind the proxy', async () => {
    const lark = createLarkEmulator({ appId: 'cli_sec', appSecret: 'ls', verificationToken: 'v' });
    const served = await serveOnNode(lark.app.fetch);
    closers.push(() => served.close());
    h = createTestApp({
      env: {
        PUBLIC_URL: 'https://okr.example.com',
        LARK_APP_ID: 'cli_sec',
        LARK_APP_SECRET: 'ls',
        LARK_VERIFICATION_TOKEN: 'v',
        LARK_ENCRYPT_KEY: 'encrypt-key-for-tests',
        LARK_DOMAIN: served.url,
      },
    });
    const res = await h.app.request('http://polaris.internal:8787/dashboard/sso/lark/start', {
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toMatch(/polaris_sso_state=[^;]+;.*\bSecure\b/);
  });
});
