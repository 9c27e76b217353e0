// The Workers entry, for real: `wrangler dev --local` runs src/worker.ts in
// workerd against a local D1 database migrated by `wrangler d1 migrations
// apply` from the same SQL files Node uses. Offline; no Cloudflare account.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/node/free-port';

const ROOT = join(import.meta.dirname, '..');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const TOKEN = 'workers-test-token';
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

let child: ChildProcess | undefined;
let base = '';
let persist = '';
let output = '';

async function waitForHealth(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child?.exitCode != null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer in time:\n${output}`);
}

describe('Workers runtime with local D1', () => {
  beforeAll(async () => {
    persist = mkdtempSync(join(tmpdir(), 'polaris-d1-'));
    const migrate = spawnSync(WRANGLER, ['d1', 'migrations', 'apply', 'polaris', '--local', '--persist-to', persist], { cwd: ROOT, env, encoding: 'utf8', timeout: 90_000 });
    expect(migrate.status, `${migrate.stdout}\n${migrate.stderr}`).toBe(0);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(WRANGLER, ['dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist,
      '--var', `ADMIN_TOKEN:${TOKEN}`, '--inspector-port', String(await freePort()), '--show-interactive-dev-session=false'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => { output += d; });
    child.stderr?.on('data', (d) => { output += d; });
    await waitForHealth(`${base}/healthz`, 90_000);
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode == null) {
      child.kill('SIGTERM');
      await new Promise((r) => { child!.once('exit', r); setTimeout(r, 5000); });
    }
    if (persist) rmSync(persist, { recursive: true, force: true });
  });

  it('answers /healthz from workerd on D1', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    const body = await res.json() as { ok: boolean; storage: string };
    expect(body).toMatchObject({ ok: true, storage: 'd1' });
  });

  it('refuses the API without the admin token', async () => {
    const res = await fetch(`${base}/api/v1/cycles`);
    expect(res.status).toBe(401);
  });

  it('round-trips a cycle through the API into D1 and back', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/cycles`, { method: 'POST', headers: auth, body: JSON.stringify({ name: '2026 Q4', starts_on: '2026-10-01', ends_on: '2026-12-31' }) });
    expect(created.status, await created.clone().text()).toBe(201);
    const list = await fetch(`${base}/api/v1/cycles`, { headers: auth });
    expect(list.status).toBe(200);
    const body = await list.json() as { items: { name: string }[] };
    expect(body.items.map((c) => c.name)).toContain('2026 Q4');
  });
});
