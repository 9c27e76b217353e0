// Item 10 of the security review: dashboard sessions are revocable (a stored, hashed id),
// state-changing routes check Origin, and every dashboard page carries CSP, anti-framing
// and nosniff headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ADMIN_TOKEN } from '../helpers/app';
import { loadDemo } from '../../storage/seed/demo';
import { dashboardSessions } from '../../storage/schema';

let h: ReturnType<typeof createTestApp>;
const ORIGIN = 'http://localhost';

beforeAll(async () => {
  h = createTestApp();
  await loadDemo(h.store, { now: h.clock.now() });
});
afterAll(() => h.close());

async function login(headers: Record<string, string> = { origin: ORIGIN }) {
  return h.app.request('/dashboard/login', {
    method: 'POST',
    headers,
    body: new URLSearchParams({ token: ADMIN_TOKEN }),
  });
}
const cookieOf = (res: Response) => res.headers.get('set-cookie')?.split(';')[0] ?? '';
const data = (cookie: string) => h.app.request('/dashboard/data/cycles', { headers: { cookie } });

describe('revocable sessions', () => {
  it('an old copy of the cookie stops working after logout', async () => {
    const cookie = cookieOf(await login());
    expect((await data(cookie)).status).toBe(200);
    const out = await h.app.request('/dashboard/logout', { method: 'POST', headers: { cookie, origin: ORIGIN } });
    expect(out.status).toBe(303);
    // The attacker kept a copy of the cookie from before the logout:
    expect((await data(cookie)).status).toBe(401);
  });

  it('stores only a hash of the session id', async () => {
    const cookie = cookieOf(await login());
    const id = decodeURIComponent(cookie.split('=')[1]).split('.')[0];
    expect(id.length).toBeGreaterThanOrEqual(40);
    const rows = await h.store.db.select().from(dashboardSessions);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(id);
  });

  it('refuses a forged cookie that only looks like a session', async () => {
    expect((await data('polaris_dash=AAAA.BBBB')).status).toBe(401);
  });
});

describe('Origin on state-changing routes', () => {
  it('refuses a cross-site login form and sets no cookie', async () => {
    const res = await login({ origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('未做任何更改');
  });

  it('refuses a cross-site logout and the session survives', async () => {
    const cookie = cookieOf(await login());
    const res = await h.app.request('/dashboard/logout', {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect((await data(cookie)).status).toBe(200);
  });

  it('refuses a cross-site POST that hides its Origin but not its Sec-Fetch-Site', async () => {
    const res = await login({ 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
  });

  it('accepts PUBLIC_URL as our origin behind a proxy', async () => {
    const proxied = createTestApp({ env: { PUBLIC_URL: 'https://okr.example.com' } });
    try {
      const res = await proxied.app.request('http://10.0.0.5:8787/dashboard/login', {
        method: 'POST',
        headers: { origin: 'https://okr.example.com' },
        body: new URLSearchParams({ token: ADMIN_TOKEN }),
      });
      expect(res.status).toBe(303);
    } finally {
      proxied.close();
    }
  });
});

describe('security headers', () => {
  it('sends CSP, anti-framing and nosniff on dashboard pages', async () => {
    const cookie = cookieOf(await login());
    for (const path of ['/dashboard/login', '/dashboard', '/dashboard/data/cycles', '/dashboard/assets/dashboard.js']) {
      const res = await h.app.request(path, { headers: { cookie } });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('the dashboard page has no inline script the CSP would block', async () => {
    const cookie = cookieOf(await login());
    const html = await (await h.app.request('/dashboard', { headers: { cookie } })).text();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
    for (const attrs of inline) expect(attrs).toContain('type="application/json"');
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});
