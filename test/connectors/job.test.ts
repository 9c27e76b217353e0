// The `connectors` job: every 15 minutes it runs each enabled connector whose own schedule has a
// slot no run has served, or whose failed run is due for a retry (5 min, 10 min, … backoff).
// Driven with a fixed clock; the source is a real local HTTP server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPolaris } from '../../src/app';
import { loadConfig } from '../../src/config';
import { runDueJobs } from '../../src/jobs';
import { fixedClock } from '../../core/clock';
import { openSqlite } from '../../storage/sqlite';
import { ADMIN_TOKEN, tempDbPath } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';
import { json, startSourceServer, text, type Route } from './source-server';

describe('connectors job', () => {
  let source: Awaited<ReturnType<typeof startSourceServer>>;
  let route: Route;
  let db: ReturnType<typeof tempDbPath>;
  let store: ReturnType<typeof openSqlite>;
  const clock = fixedClock('2026-11-27T02:00:00Z');
  let polaris: ReturnType<typeof createPolaris>;

  beforeEach(async () => {
    clock.set('2026-11-27T02:00:00Z');
    route = json([{ who: 'E002', day: '2026-11-26', v: 3 }]);
    source = await startSourceServer({ '/x.json': (req, res) => route(req, res) });
    db = tempDbPath();
    store = openSqlite(db.path);
    await seedSmallOrg(store);
    polaris = createPolaris({
      store,
      config: loadConfig({ ADMIN_TOKEN }),
      clock,
      connectorSource: { sleep: async () => {}, timeoutMs: 500, attempts: 2 },
    });
  });
  afterEach(async () => {
    store.close();
    db.cleanup();
    await source.close();
  });

  async function api(method: string, path: string, body?: unknown) {
    const res = await polaris.app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json();
  }

  async function tick(at: string) {
    clock.set(at);
    const [result] = await runDueJobs(polaris.services, clock.now(), { jobNames: ['connectors'] });
    return result?.stats ?? {};
  }

  it('runs each connector on its own schedule, and retries a failed one with backoff', async () => {
    const created = await api('POST', '/connectors', {
      name: 'LMS',
      kind: 'http',
      schedule: '5 * * * *',
      source: { url: `${source.url}/x.json`, format: 'json' },
      mapping: { metric: 'lessons', subject_field: 'who', at_field: 'day', value_field: 'v' },
    });
    // Hourly at :05 in the org's zone (Asia/Shanghai): 10:05 local is 02:05Z.
    expect(created.next_run_at).toBe('2026-11-27T02:05:00.000Z');
    const disabled = await api('POST', '/connectors', {
      name: 'off',
      kind: 'http',
      enabled: false,
      source: { url: `${source.url}/x.json`, format: 'json' },
      mapping: { metric: 'other', subject_field: 'who', at_field: 'day', value_field: 'v' },
    });
    expect(disabled.next_run_at).toBeNull();

    // A new connector has served no slot: the first tick runs it.
    expect(await tick('2026-11-27T02:00:00Z')).toMatchObject({ runs: 1, stored: 1 });
    // 02:15: the 02:05 slot has not been served yet.
    expect(await tick('2026-11-27T02:15:00Z')).toMatchObject({ runs: 1, stored: 0 });
    // 02:30 and 02:45: nothing due.
    expect((await tick('2026-11-27T02:30:00Z')).runs).toBeUndefined();
    expect((await tick('2026-11-27T02:45:00Z')).runs).toBeUndefined();

    // The source breaks: the 03:05 slot fails, and is retried 5, then 10 minutes later.
    route = text('Service Unavailable', 503);
    expect(await tick('2026-11-27T03:15:00Z')).toMatchObject({ runs: 1, failed: 1 });
    let state = await api('GET', `/connectors/${created.id}`);
    expect(state).toMatchObject({ failures: 1, retry_at: '2026-11-27T03:20:00.000Z', last_status: 'failed' });
    expect(state.last_error).toMatch(/HTTP 503.*after 2 attempts/);
    expect(state.next_run_at).toBe('2026-11-27T03:20:00.000Z');
    expect(await tick('2026-11-27T03:30:00Z')).toMatchObject({ runs: 1, failed: 1 });
    state = await api('GET', `/connectors/${created.id}`);
    expect(state).toMatchObject({ failures: 2, retry_at: '2026-11-27T03:40:00.000Z' });

    // Back: the retry succeeds and the backoff resets.
    route = json([{ who: 'E002', day: '2026-11-26', v: 4 }]);
    expect(await tick('2026-11-27T03:45:00Z')).toMatchObject({ runs: 1, stored: 1 });
    state = await api('GET', `/connectors/${created.id}`);
    expect(state).toMatchObject({ failures: 0, retry_at: null, last_status: 'ok', last_error: null });
    expect(state.last_result).toMatchObject({ read: 1, stored: 1 });
    expect(state.next_run_at).toBe('2026-11-27T04:05:00.000Z');
  });
});
