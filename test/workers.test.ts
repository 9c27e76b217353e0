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

  it('keeps the stored roll-ups on D1: a check-in moves the chain above it; tree, stats and recompute agree', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, text, body: JSON.parse(text) };
    };
    const top = await post('/api/v1/objectives', {
      title: 'North star',
      owner_type: 'company',
      key_results: [{ title: 'rolled', target_value: 100, progress_mode: 'children' }],
    });
    expect(top.status, top.text).toBe(201);
    const child = await post('/api/v1/objectives', {
      title: 'Below',
      owner_type: 'company',
      parent_kr_id: top.body.key_results[0].id,
      key_results: [{ title: 'own', target_value: 100 }],
    });
    expect(child.status, child.text).toBe(201);
    const checkIn = await post(`/api/v1/key-results/${child.body.key_results[0].id}/check-ins`, { value: 40 });
    if (checkIn.status !== 201) await new Promise((r) => setTimeout(r, 1000));
    expect(checkIn.status, `${checkIn.text}\n${dev?.output().slice(-1500)}`).toBe(201);
    const treeRes = await fetch(`${base}/api/v1/tree`, { headers: auth });
    if (treeRes.status !== 200) await new Promise((r) => setTimeout(r, 1000));
    expect(treeRes.status, dev?.output().slice(-2500)).toBe(200);
    const tree = (await treeRes.json()) as {
      nodes: { id: string; progress: number }[];
    };
    expect(tree.nodes.find((n) => n.id === top.body.id)?.progress).toBe(0.4);
    // A check-in after the cycle is stored: the pass rewrites the chain's values in place on D1.
    const second = await post(`/api/v1/key-results/${child.body.key_results[0].id}/check-ins`, { value: 70 });
    expect(second.status, second.text).toBe(201);
    const moved = (await (await fetch(`${base}/api/v1/tree`, { headers: auth })).json()) as typeof tree;
    expect(moved.nodes.find((n) => n.id === top.body.id)?.progress).toBe(0.7);
    const stats = (await (await fetch(`${base}/api/v1/stats`, { headers: auth })).json()) as { keyResults: number };
    const rebuilt = await post('/api/v1/rollups/recompute', {});
    expect(rebuilt.status, rebuilt.text).toBe(200);
    expect(rebuilt.body.keyResults).toBe(stats.keyResults);
    const again = (await (await fetch(`${base}/api/v1/tree`, { headers: auth })).json()) as typeof tree;
    expect(again.nodes.find((n) => n.id === top.body.id)?.progress).toBe(0.7);
  });
});
