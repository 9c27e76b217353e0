// The Workers entry, for real: `wrangler dev --local` runs src/worker.ts in
// workerd against a local D1 database migrated by `wrangler d1 migrations
// apply` from the same SQL files Node uses. Offline; no Cloudflare account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDev } from './helpers/wrangler';

const TOKEN = 'workers-test-token-0123456789abcdef';
let dev: WranglerDev | undefined;
let base = '';

describe('Workers runtime with local D1', () => {
  beforeAll(async () => {
    dev = await startWranglerDev({ vars: { ADMIN_TOKEN: TOKEN } });
    base = dev.base;
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
  });

  it('answers /healthz from workerd on D1', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; storage: string };
    expect(body).toMatchObject({ ok: true, storage: 'd1' });
  });

  it('refuses the API without the admin token', async () => {
    const res = await fetch(`${base}/api/v1/cycles`);
    expect(res.status).toBe(401);
  });

  it('round-trips a cycle through the API into D1 and back', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/cycles`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: '2026 Q4', starts_on: '2026-10-01', ends_on: '2026-12-31' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const list = await fetch(`${base}/api/v1/cycles`, { headers: auth });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items: { name: string }[] };
    expect(body.items.map((c) => c.name)).toContain('2026 Q4');
  });
});
