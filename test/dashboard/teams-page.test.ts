// /dashboard/teams through app.request(): only administrators (the admin token's session or a
// person with role admin) may see or change teams; a member's session is refused and changes
// nothing; a person admin's change is audited under their id.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo, type DemoSummary } from '../../storage/seed/demo';
import { auditLog, people, teams } from '../../storage/schema';
import { createSession, SESSION_COOKIE } from '../../src/web/session';
import { ADMIN_TOKEN, createTestApp } from '../helpers/app';

let h: ReturnType<typeof createTestApp>;
let demo: DemoSummary;

beforeAll(async () => {
  h = createTestApp();
  demo = await loadDemo(h.store, { now: h.clock.now() });
});
afterAll(() => h.close());

async function cookieOf(name: string) {
  const [person] = await h.store.db.select().from(people).where(eq(people.name, name));
  const exp = Math.floor(h.clock.now().getTime() / 1000) + 3600;
  const session = await createSession(
    h.store,
    ADMIN_TOKEN,
    { sub: person.id, org: demo.orgId, via: 'test', exp },
    h.clock.now(),
  );
  return { person, cookie: `${SESSION_COOKIE}=${session}` };
}

async function team(name: string) {
  const [row] = await h.store.db.select().from(teams).where(eq(teams.name, name));
  return row;
}

const post = (path: string, cookie: string, form: Record<string, string>) =>
  h.app.request(path, {
    method: 'POST',
    headers: { cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

describe('/dashboard/teams access', () => {
  it('refuses a member (a teacher, a centre lead) and changes nothing', async () => {
    const { cookie } = await cookieOf('周明华'); // 教学副总裁: leads a department, not an admin
    const page = await h.app.request('/dashboard/teams', { headers: { cookie } });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('只有管理员可以管理团队');
    const before = await team('教学部');
    const res = await post(`/dashboard/teams/${before.id}/rename`, cookie, { name: '改名' });
    expect(res.status).toBe(403);
    expect(await team('教学部')).toEqual(before);
    const noSession = await h.app.request('/dashboard/teams');
    expect(noSession.status).toBe(303);
    expect(noSession.headers.get('location')).toBe('/dashboard/login');
  });

  it('lets a person with role admin rename a team, audited under their id; bad forms change nothing', async () => {
    const { person, cookie } = await cookieOf('林晓燕'); // HR 总监, role admin in the demo
    expect(person.role).toBe('admin');
    const hr = await team('人力资源部');
    const empty = await post(`/dashboard/teams/${hr.id}/rename`, cookie, { name: '  ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('表单内容不完整');
    const taken = await post(`/dashboard/teams/${hr.id}/rename`, cookie, { name: '教学部' });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain('已有名为“教学部”的团队');
    expect(await team('人力资源部')).toEqual(hr);

    const teaching = await team('教学部');
    const unticked = await post(`/dashboard/teams/${hr.id}/merge`, cookie, { into: teaching.id });
    expect(unticked.status).toBe(400);
    expect(await team('人力资源部')).toEqual(hr);

    const res = await post(`/dashboard/teams/${hr.id}/rename`, cookie, { name: '人力资源中心' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/dashboard/teams?done=renamed&team=${encodeURIComponent('人力资源中心')}`,
    );
    const after = await h.app.request(res.headers.get('location')!, { headers: { cookie } });
    expect(await after.text()).toContain('已重命名为“人力资源中心”。');
    const [entry] = await h.store.db.select().from(auditLog).where(eq(auditLog.action, 'team.update'));
    expect(entry).toMatchObject({ actorType: 'person', actorId: person.id, entityId: hr.id });
  });
});
