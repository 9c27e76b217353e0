// Issue 21, item 11: weak tokens. ADMIN_TOKEN=a used to be accepted, and wrong tokens could be
// tried without end. Now tokens shorter than 24 characters refuse to start (the playground makes
// its own when none is set), and wrong admin/ingest tokens (API bearer, dashboard bearer, the
// login form) are throttled per client address with 429 + Retry-After on a sliding window of the
// injected clock. X-Forwarded-For counts only from a TRUSTED_PROXIES peer.
import type { Context } from 'hono';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FAILURE_LIMIT, FAILURE_WINDOW_MS } from '../../src/auth-throttle';
import { ConfigError, loadConfig, MIN_TOKEN_LENGTH } from '../../src/config';
import { ADMIN_TOKEN, createTestApp } from '../helpers/app';
import { startStack } from '../helpers/e2e';

describe('token length', () => {
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };

  it('refuses ADMIN_TOKEN=a and any token under 24 characters, saying how to make one', () => {
    expect(MIN_TOKEN_LENGTH).toBe(24);
    expect(refusal({ ADMIN_TOKEN: 'a' })).toMatch(/ADMIN_TOKEN is 1 characters long; use at least 24.*openssl rand/);
    expect(refusal({ ADMIN_TOKEN: 'x'.repeat(23) })).toMatch(/ADMIN_TOKEN/);
    expect(refusal({ ADMIN_TOKEN: 'x'.repeat(24) })).toBe('');
    expect(refusal({ ADMIN_TOKEN: 'x'.repeat(24), INGEST_TOKEN: 'short' })).toMatch(/INGEST_TOKEN is 5 characters/);
  });
});

/** The app with the peer address taken from a test header, so each test picks who is asking. */
function app(env: Record<string, string> = {}) {
  return createTestApp({ env, deps: { peerAddress: (c: Context) => c.req.header('x-test-peer') } });
}
type App = ReturnType<typeof app>;
let h: App | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const apiAs = (h: App, peer: string, token: string, headers: Record<string, string> = {}) =>
  h.app.request('/api/v1/people', { headers: { authorization: `Bearer ${token}`, 'x-test-peer': peer, ...headers } });
const loginAs = (h: App, peer: string, token: string, lang = '') =>
  h.app.request(`/dashboard/login${lang}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-test-peer': peer },
    body: new URLSearchParams({ token }).toString(),
  });

describe('throttling wrong tokens', () => {
  it('answers 429 after 10 wrong API tokens from one address, even to the right token, and only there', async () => {
    h = app();
    for (let i = 0; i < FAILURE_LIMIT; i++) expect((await apiAs(h, '10.0.0.1', `wrong-${i}`)).status).toBe(401);
    const blocked = await apiAs(h, '10.0.0.1', 'wrong-again');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBe(FAILURE_WINDOW_MS / 1000);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('too_many_attempts');
    expect((await apiAs(h, '10.0.0.1', ADMIN_TOKEN)).status).toBe(429);
    expect((await apiAs(h, '10.0.0.2', ADMIN_TOKEN)).status).toBe(200);
  });

  it('is a sliding window on the injected clock', async () => {
    h = app();
    for (let i = 0; i < FAILURE_LIMIT; i++) {
      expect((await apiAs(h, '10.0.0.3', 'wrong')).status).toBe(401);
      h.clock.advance(60_000); // one wrong token a minute
    }
    // The oldest failure is 10 minutes old: it leaves the 15-minute window in 5 minutes.
    const blocked = await apiAs(h, '10.0.0.3', ADMIN_TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBe(5 * 60);
    h.clock.advance(5 * 60_000 - 1000);
    expect((await apiAs(h, '10.0.0.3', ADMIN_TOKEN)).status).toBe(429);
    h.clock.advance(1000);
    expect((await apiAs(h, '10.0.0.3', ADMIN_TOKEN)).status).toBe(200);
    // Nine failures are still in the window: one more wrong token blocks again.
    expect((await apiAs(h, '10.0.0.3', 'wrong')).status).toBe(401);
    expect((await apiAs(h, '10.0.0.3', ADMIN_TOKEN)).status).toBe(429);
  });

  it('throttles the dashboard login form and bearer too, in the person’s language', async () => {
    h = app();
    for (let i = 0; i < FAILURE_LIMIT - 1; i++) expect((await loginAs(h, '10.0.0.4', `wrong-${i}`)).status).toBe(401);
    const bearer = await h.app.request('/dashboard/data/tree', {
      headers: { authorization: 'Bearer wrong', 'x-test-peer': '10.0.0.4' },
    });
    expect(bearer.status).toBe(401);
    const zh = await loginAs(h, '10.0.0.4', ADMIN_TOKEN);
    expect(zh.status).toBe(429);
    expect(zh.headers.get('retry-after')).toBeTruthy();
    expect(await zh.text()).toContain('该地址输错令牌次数过多');
    const en = await loginAs(h, '10.0.0.4', ADMIN_TOKEN, '?lang=en');
    expect(await en.text()).toContain('Too many wrong tokens from this address');
    expect(
      (
        await h.app.request('/dashboard/data/tree', {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-test-peer': '10.0.0.4' },
        })
      ).status,
    ).toBe(429);
    expect((await loginAs(h, '10.0.0.5', ADMIN_TOKEN)).status).toBe(303);
  });

  it('throttles wrong ingest tokens on POST /api/v1/metrics', async () => {
    h = app({ INGEST_TOKEN: 'ingest-token-0123456789abcdef' });
    const ingest = (token: string) =>
      h!.app.request('/api/v1/metrics', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-test-peer': '10.0.0.6' },
        body: '[]',
      });
    for (let i = 0; i < FAILURE_LIMIT; i++) expect((await ingest('wrong')).status).toBe(401);
    expect((await ingest('ingest-token-0123456789abcdef')).status).toBe(429);
  });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy, and then only its right-most entry', async () => {
    h = app();
    // Rotating X-Forwarded-For from one peer does not escape the throttle.
    for (let i = 0; i < FAILURE_LIMIT; i++)
      expect((await apiAs(h, '203.0.113.9', 'wrong', { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(401);
    expect((await apiAs(h, '203.0.113.9', ADMIN_TOKEN, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429);
    h.close();

    h = app({ TRUSTED_PROXIES: '127.0.0.1' });
    // Behind the proxy, each client is its own: the address the proxy appended, not what the client wrote.
    for (let i = 0; i < FAILURE_LIMIT; i++)
      expect((await apiAs(h, '127.0.0.1', 'wrong', { 'x-forwarded-for': `spoofed-${i}, 198.51.100.7` })).status).toBe(
        401,
      );
    expect((await apiAs(h, '127.0.0.1', ADMIN_TOKEN, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
    expect((await apiAs(h, '127.0.0.1', ADMIN_TOKEN, { 'x-forwarded-for': '198.51.100.8' })).status).toBe(200);
  });
});

describe('over real HTTP', () => {
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it('keys the throttle on the socket’s address', async () => {
    stack = await startStack();
    // On Node a header (Cloudflare's, or X-Forwarded-For without TRUSTED_PROXIES) cannot move a client elsewhere.
    const call = (token: string, claimed: string) =>
      fetch(`${stack!.base}/api/v1/people`, {
        headers: { authorization: `Bearer ${token}`, 'cf-connecting-ip': claimed, 'x-forwarded-for': claimed },
      });
    for (let i = 0; i < FAILURE_LIMIT; i++) expect((await call('wrong', `1.2.3.${i}`)).status).toBe(401);
    expect((await call('e2e-admin-token-0123456789abcdef', '5.6.7.8')).status).toBe(429);
  });
});
