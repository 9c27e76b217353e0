// /dashboard/connectors forms through app.request(): creating, editing, enabling/disabling,
// running and deleting connectors from the dashboard. Administrators only (the admin token or
// a person whose role is admin; a leader who sees the whole org is not one), form posts from
// another origin are refused, every refusal comes from the API's own validation and changes
// nothing, the auth value is never rendered, and every change is audited with its actor.
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, connectors, metricPoints, people } from '../../storage/schema';
import { createSession, SESSION_COOKIE } from '../../src/web/session';
import { ADMIN_TOKEN, createTestApp } from '../helpers/app';
import { IDS, seedSmallOrg } from '../helpers/fixtures';
import { startSourceServer, text } from '../connectors/source-server';

const SECRET = 'Bearer lms-secret-value-9f8e7d6c5b4a';
const CSV = 'teacher,day,hours\nE002,2026-11-20,6\nE003,2026-11-20,4.5\n';

let h: ReturnType<typeof createTestApp>;
let source: Awaited<ReturnType<typeof startSourceServer>>;

beforeAll(async () => {
  source = await startSourceServer({
    '/open.csv': text(CSV, 200, 'text/csv'),
    '/secure.csv': (req, res) => {
      if (req.headers.authorization !== SECRET) return void res.writeHead(401).end('no');
      text(CSV, 200, 'text/csv')(req, res);
    },
  });
});
afterAll(async () => {
  await source.close();
});
beforeEach(async () => {
  h = createTestApp({ deps: { connectorSource: { sleep: async () => {}, timeoutMs: 2000, attempts: 1 } } });
  await seedSmallOrg(h.store);
});
afterEach(() => h.close());

async function cookieOf(personId: string) {
  const exp = Math.floor(h.clock.now().getTime() / 1000) + 3600;
  const session = await createSession(
    h.store,
    ADMIN_TOKEN,
    { sub: personId, org: IDS.org, via: 'test', exp },
    h.clock.now(),
  );
  return `${SESSION_COOKIE}=${session}`;
}

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

function post(path: string, form: Record<string, string>, headers: Record<string, string> = ADMIN) {
  return h.app.request(path, {
    method: 'POST',
    headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}
const get = (path: string, headers: Record<string, string> = ADMIN) => h.app.request(path, { headers });

const httpForm = (over: Record<string, string> = {}) => ({
  kind: 'http',
  name: 'LMS 授课时长',
  schedule: '',
  enabled: 'on',
  url: `${source.url}/secure.csv`,
  format: 'csv',
  items_path: '',
  auth_header: '',
  auth_value: SECRET,
  metric_mode: 'fixed',
  metric: 'teaching_hours',
  metric_field: '',
  subject_field: 'teacher',
  at_field: 'day',
  value_field: 'hours',
  ...over,
});

const rows = () => h.store.db.select().from(connectors);
const audits = () => h.store.db.select().from(auditLog).where(eq(auditLog.entityType, 'connector'));

async function createOne(over: Record<string, string> = {}) {
  const res = await post('/dashboard/connectors', httpForm(over));
  expect(res.status).toBe(303);
  const [row] = (await rows()).filter((r) => r.name === (over.name ?? 'LMS 授课时长'));
  return { res, row };
}

describe('/dashboard/connectors forms: who may use them', () => {
  it('refuses members and whole-org leaders who are not admins, and changes nothing', async () => {
    const member = await cookieOf(IDS.alice);
    await h.store.db.update(people).set({ leader: true }).where(eq(people.id, IDS.manager));
    const leader = await cookieOf(IDS.manager);
    for (const cookie of [member, leader]) {
      for (const path of ['/dashboard/connectors', '/dashboard/connectors/new?kind=http']) {
        const page = await get(path, { cookie });
        expect(page.status).toBe(403);
        expect(await page.text()).toContain('数据连接器仅对管理员显示');
      }
      const res = await post('/dashboard/connectors', httpForm(), { cookie });
      expect(res.status).toBe(403);
      const sample = await post('/dashboard/connectors/sample', httpForm(), { cookie, accept: 'application/json' });
      expect(sample.status).toBe(403);
    }
    expect(await rows()).toEqual([]);
    expect(source.requests.filter((r) => r.path === '/secure.csv')).toHaveLength(0);
    // The leader sees the whole org on the dashboard, but no connectors link; the admin does.
    const leaderHome = await (await get('/dashboard', { cookie: leader })).text();
    expect(leaderHome).not.toContain('href="/dashboard/connectors"');
    const adminHome = await (await get('/dashboard', { cookie: await cookieOf(IDS.ceo) })).text();
    expect(adminHome).toContain('href="/dashboard/connectors"');
    // Signed out: asked to sign in.
    expect((await h.app.request('/dashboard/connectors/new')).status).toBe(401);
  });

  it('refuses a form posted from another site (origin check), storing nothing', async () => {
    const res = await post('/dashboard/connectors', httpForm(), { ...ADMIN, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await rows()).toEqual([]);
    const { row } = await createOne();
    const del = await post(`/dashboard/connectors/${row.id}/delete`, {}, { ...ADMIN, origin: 'https://evil.example' });
    expect(del.status).toBe(403);
    expect(await rows()).toHaveLength(1);
  });

  it('bounds the body: an oversized form is refused before it is read', async () => {
    const res = await post('/dashboard/connectors', httpForm({ name: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(await rows()).toEqual([]);
  });
});

describe('/dashboard/connectors forms: create, validate, edit', () => {
  it('creates an HTTP connector as a person admin: audited under their id, the secret stored but never shown', async () => {
    const cookie = await cookieOf(IDS.ceo); // 李总, role admin
    const res = await post('/dashboard/connectors', httpForm(), { cookie });
    expect(res.status).toBe(303);
    const [row] = await rows();
    expect(res.headers.get('location')).toBe(`/dashboard/connectors?done=created&id=${row.id}`);
    expect(row).toMatchObject({
      kind: 'http',
      enabled: true,
      schedule: '5 * * * *',
      secret: SECRET,
      source: { url: `${source.url}/secure.csv`, format: 'csv' },
      mapping: { metric: 'teaching_hours', subject_field: 'teacher', at_field: 'day', value_field: 'hours' },
    });
    const [entry] = await audits();
    expect(entry).toMatchObject({ action: 'connector.created', actorType: 'person', actorId: IDS.ceo });
    expect(entry.data).toMatchObject({ via: 'dashboard', auth_value: 'set' });
    expect(JSON.stringify(entry)).not.toContain('lms-secret');

    const list = await get(res.headers.get('location')!, { cookie });
    const html = await list.text();
    expect(html).toContain('已创建连接器“LMS 授课时长”');
    const edit = await (await get(`/dashboard/connectors/${row.id}/edit`, { cookie })).text();
    expect(edit).toContain('已设置认证值');
    for (const page of [html, edit]) expect(page).not.toContain('lms-secret');
  });

  it('refuses a mapping naming a missing field in the person’s language, storing nothing, secret not echoed', async () => {
    const res = await post('/dashboard/connectors', httpForm({ value_field: 'hour' }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('未保存，没有做任何修改。');
    expect(html).toContain('映射的字段在数据源中不存在：数值字段: “hour”。数据源的字段有：teacher、day、hours。');
    expect(html).not.toContain('lms-secret');
    // What was typed (not the secret) stays in the form.
    expect(html).toContain('value="teaching_hours"');
    expect(await rows()).toEqual([]);
    expect(await audits()).toEqual([]);

    const en = await post('/dashboard/connectors?lang=en', httpForm({ value_field: 'hour' }));
    expect(en.status).toBe(422);
    const enHtml = await en.text();
    expect(enHtml).toContain(
      'The mapping names fields the source does not have: Value field: “hour”. The source’s fields are: teacher, day, hours.',
    );
    // The refusal is English only (the org's and connector's names are the admins' own text).
    const alert = /<div class="notice error" role="alert" id="form-error">(.*?)<\/div>/.exec(enHtml)?.[1] ?? '';
    expect(alert).toContain('Not saved; nothing was changed.');
    expect(alert).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('refuses what the API’s schema refuses (bad cron, empty name, no metric), naming the fields', async () => {
    const bad = await post('/dashboard/connectors', httpForm({ schedule: 'every day', name: ' ', metric: '' }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('以下内容有误');
    expect(html).toContain('“计划（cron 表达式，按组织时区）”的值不正确。');
    expect(html).toContain('“名称”的值不正确。');
    expect(html).toContain('“指标名称”的值不正确。');
    // The schema's English sentence never reaches a Chinese page.
    expect(html).not.toContain('not a cron expression');
    const url = await post('/dashboard/connectors', httpForm({ url: 'http://169.254.169.254/latest' }));
    expect(url.status).toBe(422);
    expect(await url.text()).toContain('不允许使用这个网址');
    const unauth = await post('/dashboard/connectors', httpForm({ auth_value: '' }));
    expect(unauth.status).toBe(422);
    expect(await unauth.text()).toContain('保存前读取数据源样本失败');
    const attendance = await post('/dashboard/connectors', {
      kind: 'attendance',
      name: '考勤',
      platform: 'lark',
      days: '9',
    });
    expect(attendance.status).toBe(400);
    expect(await attendance.text()).toContain('“每次读取最近几天（1–7）”的值不正确。');
    expect(await rows()).toEqual([]);
    expect(await audits()).toEqual([]);
  });

  it('edits: an empty auth field keeps the secret, a new one replaces it, a bad mapping changes nothing', async () => {
    const { row } = await createOne();
    const keep = await post(
      `/dashboard/connectors/${row.id}`,
      httpForm({ name: 'LMS 课时', auth_value: '', schedule: '0 7 * * *' }),
    );
    expect(keep.status).toBe(303);
    let [now] = await rows();
    expect(now).toMatchObject({ name: 'LMS 课时', schedule: '0 7 * * *', secret: SECRET });

    const refused = await post(
      `/dashboard/connectors/${row.id}`,
      httpForm({ name: '改名', subject_field: '工号', auth_value: '' }),
    );
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('对象字段（工号、团队或 org）: “工号”');
    [now] = await rows();
    expect(now.name).toBe('LMS 课时');
    expect(now.mapping).toMatchObject({ subject_field: 'teacher' });

    const removed = await post(
      `/dashboard/connectors/${row.id}`,
      httpForm({ name: 'LMS 课时', url: `${source.url}/open.csv`, auth_value: '', remove_auth: 'on' }),
    );
    expect(removed.status).toBe(303);
    [now] = await rows();
    expect(now.secret).toBeNull();
    const updates = (await audits()).filter((a) => a.action === 'connector.updated');
    expect(updates).toHaveLength(2);
    expect(updates[1].data).toMatchObject({ auth_value: 'removed', via: 'dashboard' });
    expect(updates[0].actorType).toBe('admin');
    expect(JSON.stringify(await audits())).not.toContain('lms-secret');
  });

  it('samples the source for the picker: JSON for the script, HTML without script; the stored secret is used, never shown', async () => {
    const json = await post('/dashboard/connectors/sample', httpForm(), { ...ADMIN, accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({
      fields: ['teacher', 'day', 'hours'],
      rows: [
        { teacher: 'E002', day: '2026-11-20', hours: '6' },
        { teacher: 'E003', day: '2026-11-20', hours: '4.5' },
      ],
    });
    const refused = await post('/dashboard/connectors/sample?lang=en', httpForm({ auth_value: '' }), {
      ...ADMIN,
      accept: 'application/json',
    });
    expect(refused.status).toBe(422);
    expect((await refused.json()).error.message).toContain('The source could not be read:');

    const { row } = await createOne();
    const stored = await post('/dashboard/connectors/sample', httpForm({ id: row.id, auth_value: '' }));
    expect(stored.status).toBe(200);
    const html = await stored.text();
    expect(html).toContain('<option value="hours" selected="">hours</option>');
    expect(html).toContain('<th scope="col">teacher</th>');
    expect(html).not.toContain('lms-secret');
    const typed = await post('/dashboard/connectors/sample', httpForm());
    const typedHtml = await typed.text();
    expect(typedHtml).not.toContain('lms-secret');
    expect(typedHtml).toContain('认证值不会回显，保存前请重新填写。');
    expect(await rows()).toHaveLength(1);
  });
});

describe('/dashboard/connectors forms: enable, run, delete', () => {
  it('disables and enables, runs now with counts (a re-run stores nothing twice), and deletes after confirming', async () => {
    const { row } = await createOne();
    expect((await post(`/dashboard/connectors/${row.id}/disable`, {})).status).toBe(303);
    expect((await rows())[0].enabled).toBe(false);
    const list = await (await get('/dashboard/connectors')).text();
    expect(list).toContain('已停用');
    expect((await post(`/dashboard/connectors/${row.id}/enable`, {})).status).toBe(303);
    expect((await rows())[0].enabled).toBe(true);

    const run = await post(`/dashboard/connectors/${row.id}/run`, {});
    expect(run.status).toBe(200);
    expect(await run.text()).toContain('已运行“LMS 授课时长”：成功（读取 2 · 写入 2 · 未变 0 · 拒收 0）');
    const again = await post(`/dashboard/connectors/${row.id}/run`, {});
    expect(await again.text()).toContain('（读取 2 · 写入 0 · 未变 2 · 拒收 0）');
    expect(await h.store.db.select().from(metricPoints).where(eq(metricPoints.metric, 'teaching_hours'))).toHaveLength(
      2,
    );

    const confirm = await get(`/dashboard/connectors/${row.id}/delete`);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('删除连接器“LMS 授课时长”？');
    expect(await rows()).toHaveLength(1);
    const del = await post(`/dashboard/connectors/${row.id}/delete`, {});
    expect(del.status).toBe(303);
    expect(await rows()).toEqual([]);
    expect((await audits()).map((a) => a.action)).toEqual([
      'connector.created',
      'connector.updated',
      'connector.updated',
      'connector.run',
      'connector.run',
      'connector.deleted',
    ]);
    expect((await get(`/dashboard/connectors/${row.id}/edit`)).status).toBe(404);
  });
});

describe('/dashboard/connectors forms: the other kinds', () => {
  it('creates and edits a WeCom attendance connector; Lark, not configured here, is refused in the reader’s language', async () => {
    h.close();
    h = createTestApp({
      env: {
        WECOM_CORP_ID: 'ww_corp',
        WECOM_AGENT_ID: '1000002',
        WECOM_SECRET: 'wecom-secret',
        WECOM_TOKEN: 'wecomtoken',
        WECOM_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      },
    });
    await seedSmallOrg(h.store);
    const choice = await (await get('/dashboard/connectors/new')).text();
    for (const href of [
      '/dashboard/connectors/new?kind=attendance&amp;platform=lark',
      '/dashboard/connectors/new?kind=attendance&amp;platform=wecom',
      '/dashboard/connectors/new?kind=attendance&amp;platform=dingtalk',
      '/dashboard/connectors/new?kind=bitable',
      '/dashboard/connectors/new?kind=http',
    ])
      expect(choice).toContain(`href="${href}"`);
    const bitable = await (await get('/dashboard/connectors/new?kind=bitable')).text();
    expect(bitable).toContain('name="app_token"');
    expect(bitable).not.toContain('name="auth_value"');
    const form = await (await get('/dashboard/connectors/new?kind=attendance&platform=wecom')).text();
    expect(form).toContain('<option value="wecom" selected="">企业微信</option>');
    expect(form).not.toContain('name="subject_field"');

    const lark = await post('/dashboard/connectors', {
      kind: 'attendance',
      name: '飞书考勤',
      platform: 'lark',
      days: '3',
    });
    expect(lark.status).toBe(422);
    expect(await lark.text()).toContain('本服务器没有配置该平台的应用凭证');
    expect(await rows()).toEqual([]);

    const res = await post('/dashboard/connectors', {
      kind: 'attendance',
      name: '企微考勤',
      platform: 'wecom',
      days: '2',
      schedule: '',
      enabled: 'on',
    });
    expect(res.status).toBe(303);
    let [row] = await rows();
    expect(row).toMatchObject({ kind: 'attendance', schedule: '30 6 * * *', source: { platform: 'wecom', days: 2 } });
    expect(row.mapping).toBeNull();
    const edit = await post(`/dashboard/connectors/${row.id}`, {
      name: '企微考勤',
      platform: 'wecom',
      days: '5',
      schedule: '0 7 * * *',
    });
    expect(edit.status).toBe(303);
    [row] = await rows();
    expect(row).toMatchObject({ schedule: '0 7 * * *', source: { platform: 'wecom', days: 5 } });
  });
});
