import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app';
import { checkInStatements, getKeyResult, personOkrs } from '../../storage/repos/okrs';
import { findPersonByIdentity } from '../../storage/repos/people';

type T = ReturnType<typeof createTestApp>;
let t: T;
let cycleId: string;
let personId: string;
let teamId: string;
beforeEach(async () => {
  t = createTestApp();
  await t.api('POST', '/api/v1/people/import', [
    { external_id: 'M1', name: '主任', team: '朝阳中心' },
    { external_id: 'T1', name: '老师', team: '朝阳中心', manager_external_id: 'M1', lark_open_id: 'ou_t1' },
  ]);
  const cyc = await t.api('POST', '/api/v1/cycles', {
    name: '2026 Q4',
    starts_on: '2026-10-01',
    ends_on: '2026-12-31',
  });
  expect(cyc.status).toBe(201);
  cycleId = (await cyc.json()).id;
  const list = await (await t.api('GET', '/api/v1/people?q=T1')).json();
  personId = list.items[0].id;
  teamId = list.items[0].team_id;
});
afterEach(() => t.close());

async function post(path: string, body: unknown) {
  const res = await t.api('POST', path, body);
  return { status: res.status, body: await res.json() };
}

describe('cycles and teams', () => {
  it('validates cycle dates and refuses duplicate names', async () => {
    expect((await post('/api/v1/cycles', { name: 'bad', starts_on: '2026-12-31', ends_on: '2026-10-01' })).status).toBe(
      400,
    );
    expect((await post('/api/v1/cycles', { name: 'bad', starts_on: '2026-02-30', ends_on: '2026-10-01' })).status).toBe(
      400,
    );
    expect(
      (await post('/api/v1/cycles', { name: '2026 Q4', starts_on: '2026-10-01', ends_on: '2026-12-31' })).status,
    ).toBe(409);
    const current = await (await t.api('GET', '/api/v1/cycles/current')).json();
    expect(current.id).toBe(cycleId);
    expect((await t.api('GET', '/api/v1/cycles/nope')).status).toBe(404);
    expect((await (await t.api('GET', '/api/v1/cycles')).json()).items).toHaveLength(1);
  });

  it('creates teams with a parent and chat ids, 409 on a taken name, 400 on an unknown parent', async () => {
    const created = await post('/api/v1/teams', {
      name: '教学部',
      lark_chat_id: 'oc_1',
      wecom_chat_id: 'wr_1',
      dingtalk_conversation_id: 'cid_1',
    });
    expect(created.status).toBe(201);
    const child = await post('/api/v1/teams', { name: '海淀中心', parent_id: created.body.id, manager_id: personId });
    expect(child.body).toMatchObject({ parent_id: created.body.id, manager_id: personId });
    expect((await post('/api/v1/teams', { name: '教学部' })).status).toBe(409);
    expect((await post('/api/v1/teams', { name: 'x', parent_id: 'team_nope' })).status).toBe(400);
    expect((await t.api('GET', '/api/v1/teams/team_nope')).status).toBe(404);
  });
});

describe('objectives', () => {
  async function companyWithKr() {
    return post('/api/v1/objectives', {
      cycle_id: cycleId,
      title: '续费驱动增长',
      owner_type: 'company',
      key_results: [
        {
          title: '学员续费率提升至68%',
          kind: 'percent',
          start_value: 52,
          target_value: 68,
          current_value: 60,
          unit: '%',
        },
      ],
    });
  }

  it('creates an objective with KRs and progress, aligned to a parent KR', async () => {
    const company = await companyWithKr();
    expect(company.status).toBe(201);
    expect(company.body.key_results[0]).toMatchObject({
      kind: 'percent',
      start_value: 52,
      target_value: 68,
      progress: 0.5,
      direction: 'up',
    });
    expect(company.body.progress).toBe(0.5);
    const parentKr = company.body.key_results[0].id;
    const mine = await post('/api/v1/objectives', {
      title: '每节课后收集5份有效反馈',
      owner_type: 'person',
      owner_id: personId,
      parent_kr_id: parentKr,
      key_results: [
        { title: '反馈 25 份', target_value: 25, unit: '份' },
        { title: '投诉降为 0', start_value: 3, target_value: 0 },
        { title: '公开课', kind: 'boolean' },
      ],
    });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({
      cycle_id: cycleId,
      owner_type: 'person',
      owner_id: personId,
      parent_kr_id: parentKr,
    });
    expect(mine.body.key_results.map((k: { direction: string }) => k.direction)).toEqual(['up', 'down', 'up']);

    const got = await (await t.api('GET', `/api/v1/objectives/${mine.body.id}`)).json();
    expect(got.key_results).toHaveLength(3);
    const filtered = await (await t.api('GET', `/api/v1/objectives?owner=${personId}&cycle=2026 Q4`)).json();
    expect(filtered.items.map((o: { id: string }) => o.id)).toEqual([mine.body.id]);
    // The shared repository returns them in display order for chat.
    const okrs = await personOkrs(t.store, { orgId: await orgId(), personId, cycleId });
    expect(okrs.objectives[0].keyResults.map((k) => k.title)).toEqual(['反馈 25 份', '投诉降为 0', '公开课']);
  });

  it('refuses bad owners, unknown parent KRs and parents from another cycle', async () => {
    expect((await post('/api/v1/objectives', { title: 'x', owner_type: 'person' })).status).toBe(400);
    expect((await post('/api/v1/objectives', { title: 'x', owner_type: 'person', owner_id: 'p_nope' })).status).toBe(
      400,
    );
    expect((await post('/api/v1/objectives', { title: 'x', owner_type: 'company', owner_id: personId })).status).toBe(
      400,
    );
    expect((await post('/api/v1/objectives', { title: 'x', owner_type: 'team', owner_id: teamId })).status).toBe(201);
    const noParent = await post('/api/v1/objectives', { title: 'x', owner_type: 'company', parent_kr_id: 'kr_nope' });
    expect(noParent.status).toBe(400);
    expect(noParent.body.error.details[0].path).toBe('parent_kr_id');
    const company = await companyWithKr();
    const other = await post('/api/v1/cycles', { name: '2027 Q1', starts_on: '2027-01-01', ends_on: '2027-03-31' });
    const cross = await post('/api/v1/objectives', {
      title: 'x',
      owner_type: 'company',
      cycle_id: other.body.id,
      parent_kr_id: company.body.key_results[0].id,
    });
    expect(cross.status).toBe(400);
    const badKr = await post('/api/v1/objectives', {
      title: 'x',
      owner_type: 'company',
      key_results: [
        { title: 'ok', target_value: 1 },
        { title: 'm', target_value: 5, progress_mode: 'metric' },
      ],
    });
    expect(badKr.status).toBe(400);
    expect(badKr.body.error.details[0].path).toBe('key_results[1].metric_key');
  });

  it('patches title, KRs (update, add, drop) and refuses alignment loops', async () => {
    const company = await companyWithKr();
    const kr = company.body.key_results[0];
    const child = await post('/api/v1/objectives', {
      title: 'child',
      owner_type: 'team',
      owner_id: teamId,
      parent_kr_id: kr.id,
      key_results: [{ title: 'c1', target_value: 10 }],
    });
    const patched = await t.api('PATCH', `/api/v1/objectives/${company.body.id}`, {
      title: '续费驱动增长 2.0',
      key_results: [
        { id: kr.id, target_value: 70 },
        { title: 'NPS 76', start_value: 62, target_value: 76 },
      ],
    });
    expect(patched.status).toBe(200);
    const body = await patched.json();
    expect(body.title).toBe('续费驱动增长 2.0');
    expect(body.key_results.map((k: { title: string; target_value: number }) => [k.title, k.target_value])).toEqual([
      ['学员续费率提升至68%', 70],
      ['NPS 76', 76],
    ]);

    // The company objective cannot align to a KR of its own child.
    const loop = await t.api('PATCH', `/api/v1/objectives/${company.body.id}`, {
      parent_kr_id: child.body.key_results[0].id,
    });
    expect(loop.status).toBe(400);
    // Dropping a KR others align to: refused, then forced (child unlinked).
    const drop = await t.api('PATCH', `/api/v1/objectives/${company.body.id}`, {
      key_results: [{ id: kr.id, drop: true }],
    });
    expect(drop.status).toBe(409);
    const forced = await t.api('PATCH', `/api/v1/objectives/${company.body.id}?force=true`, {
      key_results: [{ id: kr.id, drop: true }],
    });
    expect(forced.status).toBe(200);
    expect((await forced.json()).key_results.find((k: { id: string }) => k.id === kr.id).status).toBe('dropped');
    expect((await (await t.api('GET', `/api/v1/objectives/${child.body.id}`)).json()).parent_kr_id).toBeNull();
    expect(
      (await t.api('PATCH', `/api/v1/objectives/${company.body.id}`, { key_results: [{ id: 'kr_other', title: 'x' }] }))
        .status,
    ).toBe(400);
    expect((await t.api('PATCH', '/api/v1/objectives/obj_nope', { title: 'x' })).status).toBe(404);
  });

  it('DELETE archives, refusing while others align to it unless force=true', async () => {
    const company = await companyWithKr();
    const child = await post('/api/v1/objectives', {
      title: 'child',
      owner_type: 'person',
      owner_id: personId,
      parent_kr_id: company.body.key_results[0].id,
    });
    const refused = await t.api('DELETE', `/api/v1/objectives/${company.body.id}`);
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.details[0].objective_id).toBe(child.body.id);
    const ok = await t.api('DELETE', `/api/v1/objectives/${company.body.id}?force=true`);
    expect(ok.status).toBe(200);
    expect((await ok.json()).status).toBe('archived');
    const list = await (await t.api('GET', '/api/v1/objectives')).json();
    expect(list.items.map((o: { id: string }) => o.id)).toEqual([child.body.id]);
    expect((await (await t.api('GET', '/api/v1/objectives?status=all')).json()).items).toHaveLength(2);
    expect((await t.api('DELETE', '/api/v1/objectives/obj_nope')).status).toBe(404);
  });

  it('pages through objectives', async () => {
    for (let i = 0; i < 7; i++) await post('/api/v1/objectives', { title: `o${i}`, owner_type: 'company' });
    const first = await (await t.api('GET', '/api/v1/objectives?limit=3')).json();
    const second = await (await t.api('GET', `/api/v1/objectives?limit=3&cursor=${first.next_cursor}`)).json();
    const third = await (await t.api('GET', `/api/v1/objectives?limit=3&cursor=${second.next_cursor}`)).json();
    expect([...first.items, ...second.items, ...third.items].map((o: { title: string }) => o.title).sort()).toEqual([
      'o0',
      'o1',
      'o2',
      'o3',
      'o4',
      'o5',
      'o6',
    ]);
    expect(third.next_cursor).toBeNull();
  });
});

async function orgId(): Promise<string> {
  const { organizations } = await import('../../storage/schema');
  const [org] = await t.store.db.select().from(organizations);
  return org.id;
}

describe('check-ins', () => {
  it('records a check-in via the API and lists history newest first', async () => {
    const obj = await post('/api/v1/objectives', {
      title: 'o',
      owner_type: 'person',
      owner_id: personId,
      key_results: [{ title: '反馈', target_value: 20 }],
    });
    const krId = obj.body.key_results[0].id;
    const first = await post(`/api/v1/key-results/${krId}/check-ins`, {
      value: 5,
      confidence: 6,
      note: '第一周',
      author_external_id: 'T1',
    });
    expect(first.status).toBe(201);
    expect(first.body.check_in).toMatchObject({
      value: 5,
      previous_value: 0,
      confidence: 6,
      note: '第一周',
      author_id: personId,
      source: 'api',
    });
    expect(first.body.key_result).toMatchObject({ current_value: 5, confidence: 6, progress: 0.25 });
    t.clock.advance(60_000);
    const second = await post(`/api/v1/key-results/${krId}/check-ins`, { value: 10 });
    expect(second.body.check_in.previous_value).toBe(5);
    expect(second.body.key_result.confidence).toBe(6); // unchanged when not given
    const history = await (await t.api('GET', `/api/v1/key-results/${krId}/check-ins?limit=1`)).json();
    expect(history.items[0].value).toBe(10);
    const older = await (
      await t.api('GET', `/api/v1/key-results/${krId}/check-ins?limit=1&cursor=${history.next_cursor}`)
    ).json();
    expect(older.items[0].value).toBe(5);
    expect(older.next_cursor).toBeNull();

    expect((await post('/api/v1/key-results/kr_nope/check-ins', { value: 1 })).status).toBe(404);
    expect(
      (await post(`/api/v1/key-results/${krId}/check-ins`, { value: 1, author_external_id: 'NOBODY' })).status,
    ).toBe(400);
    expect((await post(`/api/v1/key-results/${krId}/check-ins`, { value: 1, confidence: 11 })).status).toBe(400);
  });

  it('applies the same validation as chat: kind fit, and out-of-range values need confirm (issue 18)', async () => {
    const obj = await post('/api/v1/objectives', {
      title: 'o',
      owner_type: 'person',
      owner_id: personId,
      key_results: [
        { title: '公开课', kind: 'boolean', target_value: 1 },
        { title: '改版', kind: 'milestone', target_value: 4 },
        { title: '满意度', start_value: 4.2, target_value: 4.8 },
      ],
    });
    const [yesNo, milestones, score] = obj.body.key_results.map((k: { id: string }) => k.id);
    const checkIn = (id: string, body: Record<string, unknown>) => post(`/api/v1/key-results/${id}/check-ins`, body);
    for (const value of [0.5, 7, -1]) {
      const res = await checkIn(yesNo, { value });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('yes/no');
    }
    for (const value of [2.7, 99, -1]) expect((await checkIn(milestones, { value })).status).toBe(400);
    expect((await checkIn(yesNo, { value: 1 })).status).toBe(201);
    expect((await checkIn(milestones, { value: 3 })).status).toBe(201);
    const far = await checkIn(score, { value: 8 });
    expect(far.status).toBe(422);
    expect(far.body.error.code).toBe('out_of_range');
    expect((await checkIn(score, { value: 4.5 })).status).toBe(201);
    const confirmed = await checkIn(score, { value: 8, confirm: true });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.key_result.current_value).toBe(8);
  });

  it('checkInStatements composes with other writes and findPersonByIdentity finds the author', async () => {
    const id = await orgId();
    const obj = await post('/api/v1/objectives', {
      title: 'o',
      owner_type: 'person',
      owner_id: personId,
      key_results: [{ title: 'k', target_value: 10 }],
    });
    const kr = (await getKeyResult(t.store, id, obj.body.key_results[0].id))!;
    const author = await findPersonByIdentity(t.store, 'lark', 'ou_t1', id);
    expect(author?.id).toBe(personId);
    const { checkIn, statements } = checkInStatements(t.store, {
      orgId: id,
      kr,
      authorId: author!.id,
      value: 7,
      confidence: 8,
      source: 'chat',
      now: t.clock.now(),
    });
    await t.store.atomic(statements);
    expect(checkIn.previousValue).toBe(0);
    expect(await getKeyResult(t.store, id, kr.id)).toMatchObject({
      currentValue: 7,
      confidence: 8,
      lastCheckInAt: t.clock.now().toISOString(),
    });
  });
});
