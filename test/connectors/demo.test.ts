// The demo has one connector of each kind, and in the playground each one works: WeCom
// attendance and the Lark Bitable from the in-process emulators, the CRM CSV from the
// playground itself. Each run turns source rows into points; a second run stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type RunningPlayground } from '../playground/helpers';

const TOKEN = 'demo-connectors-token-0123456789abcdef';

describe('demo connectors in the playground', () => {
  let pg: RunningPlayground;
  beforeAll(async () => {
    pg = await startPlayground({ env: { ADMIN_TOKEN: TOKEN } });
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  async function api(method: string, path: string) {
    const res = await fetch(`${pg.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'x-polaris-org': 'demo' },
    });
    return res.json();
  }

  it('has one enabled connector of each kind, and each run stores points once', async () => {
    const { items } = await api('GET', '/connectors');
    expect(items.map((c: { kind: string }) => c.kind).sort()).toEqual(['attendance', 'bitable', 'http']);
    expect(items.every((c: { enabled: boolean }) => c.enabled)).toBe(true);
    const expected: Record<string, string[]> = {
      attendance: ['attendance_days', 'late_count', 'work_hours'],
      bitable: ['feedback_score'],
      http: ['renewal_rate'],
    };
    for (const c of items as { id: string; kind: string }[]) {
      const first = await api('POST', `/connectors/${c.id}/run`);
      expect(first.status, `${c.kind}: ${first.error}`).toBe('ok');
      expect(first.stored, c.kind).toBeGreaterThan(10);
      expect(first.metrics).toEqual(expected[c.kind]);
      const second = await api('POST', `/connectors/${c.id}/run`);
      expect(second).toMatchObject({ status: 'ok', stored: 0, unchanged: first.stored });
    }
  });
});
