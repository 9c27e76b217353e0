// The dashboard's review page (src/web/review.tsx): completion by team, overdue people, open
// appeals, "remind everyone overdue" within the weekly cap, and the sheet downloads.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDS } from '../helpers/fixtures';
import { ADMIN_TOKEN, message, startReviewHarness, type ReviewHarness } from './harness';

let h: ReviewHarness;
beforeEach(async () => {
  h = await startReviewHarness({ now: '2026-12-20T02:00:00Z' });
  await h.api('POST', `/api/v1/cycles/${IDS.cycle}/review`, { self_due: '2026-12-22', calibration_due: '2026-12-28' });
  await h.dispatch(message('ou_alice', '自评 O1 0.7'));
  await h.dispatch(message('ou_alice', '申诉 原因 我的数据没算进去'));
  h.clock.set('2026-12-23T02:00:00Z');
});
afterEach(async () => {
  await h.close();
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const page = async () => {
  const res = await h.request('http://localhost/dashboard/review?org=acme', { headers: auth });
  return { status: res.status, html: await res.text() };
};
const remind = () =>
  h.request('http://localhost/dashboard/review/remind?org=acme', {
    method: 'POST',
    headers: { ...auth, origin: 'http://localhost' },
  });

describe('dashboard review page', () => {
  it('shows completion by team, the overdue people and the open appeals, with the download links', async () => {
    const { status, html } = await page();
    expect(status).toBe(200);
    expect(html).toContain('2 人参与 · 已自评 1 · 已校准 0 · 申诉 1（待处理 1） · 逾期 1');
    expect(html).toContain('销售一部');
    expect(html).toMatch(/Bob Smith<\/td><td>自评/);
    expect(html).toContain('我的数据没算进去');
    expect(html).toContain('/dashboard/review/performance.csv?org=acme');
    const dash = await (await h.request('http://localhost/dashboard?org=acme', { headers: auth })).text();
    expect(dash).toContain('id="review-link"');
  });

  it('reminds everyone overdue once per press, within the weekly reminder cap; needs our origin', async () => {
    const foreign = await h.request('http://localhost/dashboard/review/remind?org=acme', {
      method: 'POST',
      headers: { ...auth, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(h.lastText('ou_bob')).not.toContain('Reminder');
    const first = await remind();
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toContain('reminded=1&capped=0');
    expect(h.lastText('ou_bob')).toContain('Reminder: please finish your self-assessment for "2026 Q4" by 2026-12-22');
    await remind();
    const third = await remind();
    expect(third.headers.get('location')).toContain('reminded=0&capped=1');
    expect((await page()).html).not.toContain('reminded=');
  });

  it('downloads the sheet with the dashboard session; refuses without one', async () => {
    const csv = await h.request(`http://localhost/dashboard/review/performance.csv?org=acme&cycle=${IDS.cycle}`, {
      headers: auth,
    });
    expect(csv.status).toBe(200);
    expect([...new Uint8Array(await csv.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const xlsx = await h.request('http://localhost/dashboard/review/performance.xlsx?org=acme', { headers: auth });
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    expect((await h.request('http://localhost/dashboard/review/performance.csv?org=acme')).status).toBe(401);
    expect((await h.request('http://localhost/dashboard/review?org=acme')).status).toBe(401);
  });
});

describe('dashboard review page: start and close', () => {
  it('HR starts a review from the page and closes it; both need our origin and are idempotent', async () => {
    const other = await startReviewHarness({ now: '2026-12-20T02:00:00Z' });
    try {
      const post = (path: string, origin = 'http://localhost') =>
        other.request(`http://localhost/dashboard/review/${path}?org=acme`, {
          method: 'POST',
          headers: { ...auth, origin },
        });
      const before = await (
        await other.request('http://localhost/dashboard/review?org=acme', { headers: auth })
      ).text();
      expect(before).toContain('id="start-review"');
      expect((await post('start', 'https://evil.example')).status).toBe(403);
      expect((await post('start')).status).toBe(303);
      expect((await post('start')).status).toBe(303);
      expect(
        other.sent('ou_alice').filter((r) => JSON.stringify(r.message.card ?? '').includes('rv.self')),
      ).toHaveLength(1);
      expect((await post('close')).status).toBe(303);
      expect((await post('close')).status).toBe(303);
      expect(await other.audits('cycle.close')).toHaveLength(1);
      const after = await (await other.request('http://localhost/dashboard/review?org=acme', { headers: auth })).text();
      expect(after).not.toContain('id="close-cycle"');
      expect(after).toContain('状态 已关闭');
    } finally {
      await other.close();
    }
  });
});
