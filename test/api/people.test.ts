import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { createTestApp } from '../helpers/app';
import { identities, people, teams } from '../../storage/schema';

type T = ReturnType<typeof createTestApp>;
let t: T;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const csvHeader =
  'external_id,name,email,title,team,manager_external_id,coach_external_id,locale,timezone,lark_open_id,wecom_userid,dingtalk_staff_id';

async function counts() {
  const [p] = await t.store.db.select({ n: count() }).from(people);
  const [i] = await t.store.db.select({ n: count() }).from(identities);
  const [tm] = await t.store.db.select({ n: count() }).from(teams);
  return { people: p.n, identities: i.n, teams: tm.n };
}

async function listAll(path: string) {
  const res = await t.api('GET', path);
  return (await res.json()) as { items: Record<string, unknown>[]; next_cursor: string | null };
}

describe('POST /api/v1/people/import', () => {
  it('imports CSV with a BOM, Chinese text and a manager listed after their report', async () => {
    const csv =
      '\uFEFF' +
      [
        csvHeader,
        'T001,王小明,xm.wang@example.com,数学老师,朝阳中心,M001,C001,zh-CN,Asia/Shanghai,ou_aaa,wangxm,staff01',
        'C001,李教研,jy.li@example.com,教研主管,朝阳中心,M001,,,,ou_ccc,lijy,staff03',
        'M001,张校长,"zh.zhang@example.com","中心主任, 朝阳",朝阳中心,,,zh,,ou_bbb,zhangx,staff02',
        'E001,Emma Stone,emma@example.com,English Teacher,海淀中心,M001,C001,en-US,,,,',
      ].join('\r\n');
    const res = await t.api('POST', '/api/v1/people/import', csv, { 'content-type': 'text/csv; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rows: 4, created: 4, updated: 0, teams_created: 2, ignored_columns: [] });

    const list = await listAll('/api/v1/people?q=王小明');
    expect(list.items).toHaveLength(1);
    const detail = await (await t.api('GET', `/api/v1/people/${list.items[0].id}`)).json();
    expect(detail).toMatchObject({
      name: '王小明',
      external_id: 'T001',
      title: '数学老师',
      locale: 'zh-CN',
      team: { name: '朝阳中心' },
      manager: { external_id: 'M001', name: '张校长' },
      coach: { external_id: 'C001' },
      identities: { lark: 'ou_aaa', wecom: 'wangxm', dingtalk: 'staff01' },
    });
    const emma = (await listAll('/api/v1/people?q=Emma')).items[0];
    expect(emma).toMatchObject({ locale: 'en', email: 'emma@example.com' });
    const manager = (await listAll('/api/v1/people?q=M001')).items[0];
    expect(manager.title).toBe('中心主任, 朝阳');
  });

  it('re-importing upserts by external_id instead of duplicating', async () => {
    const rows = [
      { external_id: 'A1', name: '甲', email: 'a1@example.com', lark_open_id: 'ou_1' },
      { external_id: 'B1', name: '乙', manager_external_id: 'A1' },
    ];
    expect((await t.api('POST', '/api/v1/people/import', rows)).status).toBe(200);
    const again = await t.api('POST', '/api/v1/people/import', [
      { external_id: 'A1', name: '甲改', lark_open_id: 'ou_2', team: '新团队' },
      rows[1],
    ]);
    expect(await again.json()).toMatchObject({ created: 0, updated: 2, teams_created: 1 });
    expect(await counts()).toEqual({ people: 2, identities: 1, teams: 1 });
    const a = (await listAll('/api/v1/people?q=A1')).items[0];
    expect(a).toMatchObject({ name: '甲改', email: 'a1@example.com' }); // email column absent: unchanged
    const detail = await (await t.api('GET', `/api/v1/people/${a.id}`)).json();
    expect(detail.identities.lark).toBe('ou_2');
  });

  it('lets two people swap emails and platform ids in one import', async () => {
    await t.api('POST', '/api/v1/people/import', [
      { external_id: 'A', name: 'A', email: 'a@x.com', wecom_userid: 'wa' },
      { external_id: 'B', name: 'B', email: 'b@x.com', wecom_userid: 'wb' },
    ]);
    const res = await t.api('POST', '/api/v1/people/import', [
      { external_id: 'A', name: 'A', email: 'b@x.com', wecom_userid: 'wb' },
      { external_id: 'B', name: 'B', email: 'a@x.com', wecom_userid: 'wa' },
    ]);
    expect(res.status).toBe(200);
    const a = (await listAll('/api/v1/people?q=b@x.com')).items[0];
    expect(a.external_id).toBe('A');
  });

  it('names the row and field of invalid rows and changes nothing', async () => {
    await t.api('POST', '/api/v1/people/import', [{ external_id: 'X', name: 'X' }]);
    const before = await counts();
    const res = await t.api('POST', '/api/v1/people/import', [
      { external_id: 'N1', name: '好人', team: '新中心' },
      { external_id: 'N2', name: '', email: 'not-an-email' },
      { external_id: 'N3', name: '时区', timezone: 'Mars/Olympus', locale: 'fr' },
    ]);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 2, field: 'name' }),
        expect.objectContaining({ row: 2, field: 'email' }),
        expect.objectContaining({ row: 3, field: 'timezone' }),
        expect.objectContaining({ row: 3, field: 'locale' }),
      ]),
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown manager, naming the row', async () => {
    const csv = [csvHeader, 'A,甲,,,,,,,,,,', 'B,乙,,,,NOBODY,,,,,,'].join('\n');
    const res = await t.api('POST', '/api/v1/people/import', csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.details).toEqual([
      expect.objectContaining({ row: 2, field: 'manager_external_id' }),
    ]);
    expect((await counts()).people).toBe(0);
  });

  it('refuses duplicates inside one file, naming both rows', async () => {
    const res = await t.api('POST', '/api/v1/people/import', [
      { external_id: 'A', name: 'A', email: 'same@x.com' },
      { external_id: 'B', name: 'B', email: 'SAME@x.com', lark_open_id: 'ou_1' },
      { external_id: 'A', name: 'A again', lark_open_id: 'ou_1' },
    ]);
    expect(res.status).toBe(400);
    const details = (await res.json()).error.details as { row: number; field: string; message: string }[];
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, field: 'external_id', message: expect.stringContaining('row 1') }),
        expect.objectContaining({ row: 2, field: 'email', message: expect.stringContaining('row 1') }),
        expect.objectContaining({ row: 3, field: 'lark_open_id', message: expect.stringContaining('row 2') }),
      ]),
    );
    expect((await counts()).people).toBe(0);
  });

  it('409s when a platform id or email already belongs to someone else, changing nothing', async () => {
    await t.api('POST', '/api/v1/people/import', [
      { external_id: 'A', name: 'A', email: 'a@x.com', dingtalk_staff_id: 'd1' },
    ]);
    const before = await counts();
    const res = await t.api('POST', '/api/v1/people/import', [
      { external_id: 'C', name: 'C', team: 'T' },
      { external_id: 'B', name: 'B', dingtalk_staff_id: 'd1' },
      { external_id: 'D', name: 'D', email: 'a@x.com' },
    ]);
    expect(res.status).toBe(409);
    expect((await res.json()).error.details).toEqual([
      expect.objectContaining({ row: 2, field: 'dingtalk_staff_id' }),
      expect.objectContaining({ row: 3, field: 'email' }),
    ]);
    expect(await counts()).toEqual(before);
  });

  it('refuses manager loops inside a file', async () => {
    const res = await t.api('POST', '/api/v1/people/import', [
      { external_id: 'A', name: 'A', manager_external_id: 'B' },
      { external_id: 'B', name: 'B', manager_external_id: 'A' },
    ]);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0]).toMatchObject({ field: 'manager_external_id' });
  });

  it('415 for other content types, 413 for too many rows, 400 for a CSV without the key columns', async () => {
    expect((await t.api('POST', '/api/v1/people/import', 'a,b', { 'content-type': 'text/plain' })).status).toBe(415);
    const many = Array.from({ length: 20_001 }, (_, i) => ({ external_id: `p${i}`, name: 'x' }));
    const big = await t.api('POST', '/api/v1/people/import', many);
    expect(big.status).toBe(413);
    expect((await big.json()).error.message).toMatch(/20000/);
    const res = await t.api('POST', '/api/v1/people/import', 'id,full_name\n1,x', { 'content-type': 'text/csv' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/external_id/);
  });
});

describe('people list, read and patch', () => {
  beforeEach(async () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({
      external_id: `E${String(i).padStart(2, '0')}`,
      name: `员工${i}`,
      team: i % 2 ? '单' : '双',
    }));
    rows.push({ external_id: 'BOSS', name: '老板', team: '双' });
    await t.api(
      'POST',
      '/api/v1/people/import',
      rows.map((r) => (r.external_id === 'BOSS' ? r : { ...r, manager_external_id: 'BOSS' })),
    );
  });

  it('pages through everyone with an opaque cursor', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listAll(`/api/v1/people?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      for (const p of page.items) seen.add(p.id as string);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(seen.size).toBe(24);
    expect(pages).toBe(5);
    expect((await t.api('GET', '/api/v1/people?cursor=garbage!')).status).toBe(400);
    expect((await t.api('GET', '/api/v1/people?limit=0')).status).toBe(400);
    expect((await listAll('/api/v1/people?limit=100000')).items).toHaveLength(24);
  });

  it('filters by team', async () => {
    const teamsList = await listAll('/api/v1/teams');
    const odd = teamsList.items.find((x) => x.name === '单')!;
    expect((await listAll(`/api/v1/people?team=${odd.id}`)).items).toHaveLength(11);
  });

  it('patches fields and identities, refusing manager loops, unknown refs and taken emails', async () => {
    const boss = (await listAll('/api/v1/people?q=BOSS')).items[0];
    const e1 = (await listAll('/api/v1/people?q=E01')).items[0];
    const ok = await t.api('PATCH', `/api/v1/people/${e1.id}`, {
      title: '组长',
      locale: 'en',
      lark_open_id: 'ou_e1',
      paused_until: '2026-12-31',
      email: 'e1@x.com',
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      title: '组长',
      locale: 'en',
      paused_until: '2026-12-31',
      identities: { lark: 'ou_e1' },
    });

    const loop = await t.api('PATCH', `/api/v1/people/${boss.id}`, { manager_id: e1.id });
    expect(loop.status).toBe(400);
    expect((await loop.json()).error.details[0].field).toBe('manager_id');
    expect((await t.api('PATCH', `/api/v1/people/${e1.id}`, { manager_id: 'p_nope' })).status).toBe(400);
    expect((await t.api('PATCH', `/api/v1/people/p_nope`, { title: 'x' })).status).toBe(404);
    expect((await t.api('PATCH', `/api/v1/people/${boss.id}`, { email: 'e1@x.com' })).status).toBe(409);
    expect((await t.api('PATCH', `/api/v1/people/${boss.id}`, { lark_open_id: 'ou_e1' })).status).toBe(409);
    expect((await t.api('PATCH', `/api/v1/people/${boss.id}`, { nickname: 'x' })).status).toBe(400);
    expect((await t.api('GET', '/api/v1/people/p_nope')).status).toBe(404);
  });
});
