// Issue 19: people.csv as HR saves it. Excel on Chinese Windows writes GBK; every file here is
// encoded with iconv-lite in the test, sent as bytes over the app's HTTP interface and stored
// in a real SQLite file. A file that cannot be read is refused with both languages and
// changes nothing.
import iconv from 'iconv-lite';
import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, people, teams } from '../../storage/schema';
import { createTestApp } from '../helpers/app';

let t: ReturnType<typeof createTestApp>;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const HR_CSV = [
  '工号,姓名,邮箱,职位,部门,直属上级工号,教练工号,手机,备注',
  'E001,陈志远,ceo@example.com,总经理,总部,,,13800000001,',
  'E002,李娜,lina@example.com,语文老师,朝阳校区,E003,E003,138-0000-0002,新入职',
  'E003,马艳,mayan@example.com,校区主任,朝阳校区,E001,,+86 138 0000 0003,',
].join('\r\n');

const csv = (bytes: Uint8Array | string) =>
  t.api('POST', '/api/v1/people/import', bytes, { 'content-type': 'text/csv' });

async function snapshot() {
  const [p] = await t.store.db.select({ n: count() }).from(people);
  const [tm] = await t.store.db.select({ n: count() }).from(teams);
  const [a] = await t.store.db.select({ n: count() }).from(auditLog);
  const names = (await t.store.db.select({ name: people.name }).from(people)).map((r) => r.name).sort();
  return { people: p.n, teams: tm.n, audit: a.n, names };
}

async function person(externalId: string) {
  const list = (await (await t.api('GET', `/api/v1/people?q=${externalId}`)).json()) as { items: { id: string }[] };
  return (await t.api('GET', `/api/v1/people/${list.items[0].id}`)).json();
}

describe('people.csv in GBK with HR headers', () => {
  it('imports a GBK file with Chinese headers, listing the mapped and the unknown headers', async () => {
    const gbk = iconv.encode(HR_CSV, 'gbk');
    expect(new TextDecoder().decode(gbk)).toContain('\uFFFD'); // really not UTF-8
    const res = await csv(new Uint8Array(gbk));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      rows: 3,
      created: 3,
      updated: 0,
      teams_created: 2,
      encoding: 'GB18030',
      mapped_columns: {
        工号: 'external_id',
        姓名: 'name',
        邮箱: 'email',
        职位: 'title',
        部门: 'team',
        直属上级工号: 'manager_external_id',
        教练工号: 'coach_external_id',
        手机: 'mobile',
      },
      ignored_columns: ['备注'],
    });
    expect(await person('E002')).toMatchObject({
      name: '李娜',
      title: '语文老师',
      team: { name: '朝阳校区' },
      manager: { external_id: 'E003', name: '马艳' },
      coach: { external_id: 'E003' },
    });
    const teamNames = (await t.store.db.select({ name: teams.name }).from(teams)).map((r) => r.name).sort();
    expect(teamNames).toEqual(['总部', '朝阳校区'].sort());
    const [mayan] = await t.store.db.select().from(people).where(eqExternal('E003'));
    expect(mayan.mobile).toBe('+86 138 0000 0003');
  });

  it('reads the same file as UTF-8, with and without a BOM, and English header forms', async () => {
    const utf8 = new TextEncoder().encode(HR_CSV);
    const plain = await csv(utf8);
    expect(await plain.json()).toMatchObject({ created: 3, encoding: 'UTF-8' });
    const bom = await csv(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8]));
    expect(await bom.json()).toMatchObject({ updated: 3, encoding: 'UTF-8 BOM' });

    const english = [
      'Employee ID,Full Name,E-mail,Job Title,Department,Manager ID,Coach ID,Mobile',
      'E004,Emma Stone,emma@example.com,English Teacher,朝阳校区,E003,,13800000004',
    ].join('\n');
    const res = await csv(english);
    expect(await res.json()).toMatchObject({
      created: 1,
      mapped_columns: {
        'Employee ID': 'external_id',
        'Full Name': 'name',
        'E-mail': 'email',
        'Job Title': 'title',
        Department: 'team',
        'Manager ID': 'manager_external_id',
        'Coach ID': 'coach_external_id',
        Mobile: 'mobile',
      },
      ignored_columns: [],
    });
    expect(await person('E004')).toMatchObject({ name: 'Emma Stone', manager: { external_id: 'E003' } });
  });

  it('refuses a file that decodes to replacement characters, in both languages, changing nothing', async () => {
    await csv(new TextEncoder().encode(HR_CSV));
    const before = await snapshot();
    // What a GBK file looks like after an editor opened it as UTF-8 and saved it: names are U+FFFD.
    const garbled = new TextEncoder().encode(new TextDecoder().decode(iconv.encode(HR_CSV, 'gbk')));
    const res = await csv(garbled);
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; message_zh: string; details: unknown[] };
    };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/undecodable characters .* at header, 1, 2, 3/);
    expect(body.error.message).not.toMatch(/[\u4e00-\u9fff]{2}/); // English only
    expect(body.error.message_zh).toMatch(/乱码.*表头、第 1 行、第 2 行、第 3 行.*未做任何修改/);
    expect(body.error.details).toHaveLength(4);
    expect(await snapshot()).toEqual(before);

    // The case: English headers, GBK names read as UTF-8 (the old import answered 200 with "����").
    const english = new TextEncoder().encode(
      new TextDecoder().decode(iconv.encode('external_id,name,team\r\nE001,陈志远,总部\r\n', 'gbk')),
    );
    const res1 = await csv(english);
    expect(res1.status).toBe(400);
    expect((await res1.json()).error.message).toMatch(/at 1\./);

    // Bytes that are neither UTF-8 nor GBK (0x80 and 0xFF are not GBK lead bytes).
    const broken = new Uint8Array([...iconv.encode('工号,姓名\r\nE009,', 'gbk'), 0xff, 0x80, 0x0d, 0x0a]);
    const res2 = await csv(broken);
    expect(res2.status).toBe(400);
    expect((await res2.json()).error.message).toMatch(/GB18030 .* at 1/);
    expect(await snapshot()).toEqual(before);
    // Raw GBK bytes with English headers are read, not garbled.
    const raw = await csv(new Uint8Array(iconv.encode('external_id,name,team\r\nE001,陈志远,总部\r\n', 'gbk')));
    expect(await raw.json()).toMatchObject({ updated: 1, encoding: 'GB18030' });
    expect((await snapshot()).names).toEqual(before.names);
  });

  it('refuses a Big5 file by name instead of reading it as GBK', async () => {
    const big5 = iconv.encode('工號,姓名,部門\r\nE010,陳志遠,總部\r\nE011,李娜,朝陽校區\r\n', 'big5');
    const before = await snapshot();
    const res = await csv(new Uint8Array(big5));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.message).toMatch(/looks like Big5/);
    expect(body.error.message_zh).toMatch(/Big5 编码/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses two headers for one column and a file without 工号 or 姓名, changing nothing', async () => {
    const before = await snapshot();
    const twice = await csv('工号,external_id,姓名\nE1,E1,甲\n');
    expect(twice.status).toBe(400);
    expect((await twice.json()).error).toMatchObject({
      message: expect.stringMatching(/工号 \/ external_id → external_id/),
      message_zh: expect.stringMatching(/同一列/),
    });
    const nameless = await csv(iconv.encode('工号,部门\nE1,总部\n', 'gbk'));
    expect(nameless.status).toBe(400);
    expect((await nameless.json()).error.message_zh).toMatch(/缺少 姓名（name） 列/);
    const badPhone = await csv('工号,姓名,手机\nE1,甲,1.38E+10\n');
    expect(badPhone.status).toBe(400);
    expect((await badPhone.json()).error.details).toEqual([
      expect.objectContaining({ row: 1, field: 'mobile', message: expect.stringMatching(/phone number/) }),
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses JSON that is not UTF-8', async () => {
    const res = await t.api(
      'POST',
      '/api/v1/people/import',
      new Uint8Array(iconv.encode('[{"external_id":"E1","name":"陈"}]', 'gbk')),
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({
      code: 'invalid_json',
      message_zh: expect.stringMatching(/UTF-8/),
    });
  });
});

const eqExternal = (id: string) => eq(people.externalId, id);
