// Attendance and Bitable connectors against the platform emulators over real HTTP: each kind
// turns the platform's rows into metric points, a re-run stores nothing twice, and a missing
// permission stores nothing and says which permission to grant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { startStack, type Stack } from '../helpers/e2e';
import { seedSmallOrg } from '../helpers/fixtures';
import { metricPoints } from '../../storage/schema';
import { localDate } from '../../core/okr/pace';
import { addDays, localMidnight } from '../../core/time';

const TZ = 'Asia/Shanghai';
const AUTH = { authorization: 'Bearer e2e-admin-token-0123456789abcdef', 'content-type': 'application/json' };

describe('attendance and Bitable connectors against the emulators', () => {
  let stack: Stack;
  const today = localDate(new Date(), TZ);
  const d1 = addDays(today, -1);
  const d2 = addDays(today, -2);
  const sec = (day: string, hh: number, mm = 0) =>
    Math.floor(localMidnight(day, TZ).getTime() / 1000) + hh * 3600 + mm * 60;

  beforeAll(async () => {
    stack = await startStack({ wecom: true, dingtalk: 'http' });
    await seedSmallOrg(stack.store);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${stack.base}/api/v1${path}`, {
      method,
      headers: AUTH,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  }

  async function pointsOf(metric: string) {
    return (
      await stack.store.db
        .select()
        .from(metricPoints)
        .where(and(eq(metricPoints.orgId, 'org_acme'), eq(metricPoints.metric, metric)))
    )
      .map((p) => `${p.subject} ${localDate(new Date(p.at), TZ)} ${p.value}`)
      .sort();
  }

  it('Lark attendance: user_tasks/query per person and day, open_id → employee id, re-run stores nothing', async () => {
    const lark = stack.lark!;
    lark.directory.users.push(
      { open_id: 'ou_alice', user_id: 'u_alice', name: '张伟', department_ids: ['0'] },
      { open_id: 'ou_bob', user_id: 'u_bob', name: 'Bob', department_ids: ['0'] },
    );
    lark.sources.tasks.push(
      {
        user_id: 'u_alice',
        day: Number(d1.replaceAll('-', '')),
        records: [
          {
            check_in_record: { check_time: String(sec(d1, 9, 20)) },
            check_out_record: { check_time: String(sec(d1, 18, 20)) },
            check_in_result: 'Late',
            check_out_result: 'Normal',
          },
        ],
      },
      {
        user_id: 'u_bob',
        day: Number(d1.replaceAll('-', '')),
        records: [{ check_in_result: 'Lack', check_out_result: 'Lack' }],
      },
    );
    const created = await api('POST', '/connectors', {
      name: '飞书考勤',
      kind: 'attendance',
      source: { platform: 'lark', days: 2 },
    });
    expect(created.status).toBe(201);
    expect(created.body.schedule).toBe('30 6 * * *');
    const run = await api('POST', `/connectors/${created.body.id}/run`);
    expect(run.body).toMatchObject({ status: 'ok', read: 2, stored: 5, rejected: 0 });
    // The CEO and the manager are not in Lark's contacts here: skipped, not rejected.
    expect(run.body.skipped).toEqual(['E000', 'E001']);
    expect(await pointsOf('attendance_days')).toEqual([`E002 ${d1} 1`, `E003 ${d1} 0`]);
    expect(await pointsOf('late_count')).toEqual([`E002 ${d1} 1`, `E003 ${d1} 0`]);
    expect(await pointsOf('work_hours')).toEqual([`E002 ${d1} 9`]);
    const again = await api('POST', `/connectors/${created.body.id}/run`);
    expect(again.body).toMatchObject({ status: 'ok', stored: 0, unchanged: 5 });

    // Without the scope: nothing stored, the permission named.
    lark.sources.attendanceGranted = false;
    const refused = await api('POST', `/connectors/${created.body.id}/run`);
    expect(refused.body.status).toBe('failed');
    expect(refused.body.error).toMatch(/99991672.*attendance:task:readonly/);
    lark.sources.attendanceGranted = true;
  });

  it('WeCom attendance: getcheckin_daydata, late from exception 1, hours from regular_work_sec', async () => {
    const wecom = stack.wecom!;
    wecom.checkin.reports.push(
      { userid: 'ZhangWei', date: sec(d2, 0), checkin_count: 2, regular_work_sec: 8.5 * 3600 },
      {
        userid: 'ZhangWei',
        date: sec(d1, 0),
        checkin_count: 2,
        regular_work_sec: 7 * 3600,
        exceptions: [{ exception: 1, count: 1, duration: 600 }],
      },
      {
        userid: 'BobSmith',
        date: sec(d1, 0),
        checkin_count: 0,
        regular_work_sec: 0,
        exceptions: [{ exception: 4, count: 1 }],
      },
    );
    const created = await api('POST', '/connectors', {
      name: '企微考勤',
      kind: 'attendance',
      source: { platform: 'wecom', days: 2 },
    });
    expect(created.status).toBe(201);
    const before = (await pointsOf('work_hours')).length;
    const run = await api('POST', `/connectors/${created.body.id}/run`);
    expect(run.body).toMatchObject({ status: 'ok', read: 3 });
    expect(await pointsOf('work_hours')).toEqual(expect.arrayContaining([`E002 ${d2} 8.5`, `E002 ${d1} 7`]));
    expect(await pointsOf('late_count')).toEqual(expect.arrayContaining([`E002 ${d1} 1`, `E002 ${d2} 0`]));
    expect(await pointsOf('attendance_days')).toEqual(expect.arrayContaining([`E003 ${d1} 0`, `E002 ${d2} 1`]));
    expect((await pointsOf('work_hours')).length).toBeGreaterThan(before);
    const again = await api('POST', `/connectors/${created.body.id}/run`);
    expect(again.body.stored).toBe(0);

    wecom.checkin.granted = false;
    const refused = await api('POST', `/connectors/${created.body.id}/run`);
    expect(refused.body).toMatchObject({ status: 'failed', stored: 0 });
    expect(refused.body.error).toMatch(/48002.*打卡 → API → 可调用接口的应用/);
    wecom.checkin.granted = true;
  });

  it('DingTalk attendance: attendance/list pages of 50 with hasMore', async () => {
    const ding = stack.dingtalk!;
    const ms = (day: string, hh: number, mm = 0) => sec(day, hh, mm) * 1000;
    // 60 results for Alice (so the list has a second page) plus Bob's absence.
    for (let i = 0; i < 30; i++) {
      ding.attendance.results.push(
        {
          userId: 'staff_alice',
          workDate: ms(d2, 0),
          checkType: 'OnDuty',
          timeResult: 'Normal',
          userCheckTime: ms(d2, 8, 55),
        },
        {
          userId: 'staff_alice',
          workDate: ms(d2, 0),
          checkType: 'OffDuty',
          timeResult: 'Normal',
          userCheckTime: ms(d2, 18, 25),
        },
      );
    }
    ding.attendance.results.push(
      {
        userId: 'staff_bob',
        workDate: ms(d1, 0),
        checkType: 'OnDuty',
        timeResult: 'SeriousLate',
        userCheckTime: ms(d1, 11),
      },
      { userId: 'staff_bob', workDate: ms(d1, 0), checkType: 'OffDuty', timeResult: 'NotSigned' },
    );
    const created = await api('POST', '/connectors', {
      name: '钉钉考勤',
      kind: 'attendance',
      source: { platform: 'dingtalk', days: 2 },
    });
    expect(created.status).toBe(201);
    const calls = ding.attendance.calls;
    const run = await api('POST', `/connectors/${created.body.id}/run`);
    expect(run.body.status).toBe('ok');
    expect(ding.attendance.calls - calls).toBe(2);
    expect(await pointsOf('work_hours')).toEqual(expect.arrayContaining([`E002 ${d2} 9.5`]));
    expect(await pointsOf('late_count')).toEqual(expect.arrayContaining([`E003 ${d1} 1`]));
    expect(await pointsOf('attendance_days')).toEqual(expect.arrayContaining([`E003 ${d1} 1`]));

    ding.attendance.granted = false;
    const refused = await api('POST', `/connectors/${created.body.id}/run`);
    expect(refused.body.status).toBe('failed');
    expect(refused.body.error).toMatch(/88\/60011/);
    ding.attendance.granted = true;
  });

  it('Lark Bitable: fields list and records/search with paging, person fields map to people', async () => {
    const lark = stack.lark!;
    const records = Array.from({ length: 620 }, (_, i) => ({
      record_id: `rec${i}`,
      fields: {
        负责人: [{ id: i % 2 ? 'ou_bob' : 'ou_alice', name: i % 2 ? 'Bob' : '张伟' }],
        日期: Date.parse(`${addDays(d1, -Math.floor(i / 2))}T00:00:00+08:00`),
        满意度: (i % 50) / 10,
        备注: i % 3 ? '' : [{ type: 'text', text: '家长反馈' }],
      },
    }));
    lark.sources.bases.set(
      'bascnDemo',
      new Map([
        [
          'tblScores',
          {
            fields: [
              { field_name: '负责人', type: 11 },
              { field_name: '日期', type: 5 },
              { field_name: '满意度', type: 2 },
              { field_name: '备注', type: 1 },
            ],
            records: records.slice(0, 400),
          },
        ],
      ]),
    );
    const mapping = { metric: 'feedback_score', subject_field: '负责人', at_field: '日期', value_field: '满意度' };
    // A mapping naming a field the table lacks is refused when saved.
    const wrong = await api('POST', '/connectors', {
      name: '课程满意度',
      kind: 'bitable',
      source: { app_token: 'bascnDemo', table_id: 'tblScores' },
      mapping: { ...mapping, value_field: '评分' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('connector_mapping');
    const created = await api('POST', '/connectors', {
      name: '课程满意度',
      kind: 'bitable',
      source: { app_token: 'bascnDemo', table_id: 'tblScores' },
      mapping,
    });
    expect(created.status).toBe(201);
    const search = lark.sources.calls.search;
    const run = await api('POST', `/connectors/${created.body.id}/run`);
    expect(run.body).toMatchObject({ status: 'ok', read: 400, stored: 400, rejected: 0 });
    expect(lark.sources.calls.search - search).toBe(1);
    expect(await pointsOf('feedback_score')).toHaveLength(400);

    // More rows than a page: 620 records → two pages of 500.
    lark.sources.bases.get('bascnDemo')!.get('tblScores')!.records = records;
    const bigger = await api('POST', `/connectors/${created.body.id}/run`);
    expect(bigger.body).toMatchObject({ read: 620, stored: 220, unchanged: 400 });
    expect(lark.sources.calls.search - search).toBe(3);

    // The base's advanced permissions leave the app out: nothing stored, the fix named.
    lark.sources.bitableLockedBases.add('bascnDemo');
    const refused = await api('POST', `/connectors/${created.body.id}/run`);
    expect(refused.body.status).toBe('failed');
    expect(refused.body.error).toMatch(/1254302.*添加文档应用/);
    lark.sources.bitableLockedBases.clear();
  });

  it('refuses an attendance window of more than 7 days', async () => {
    const res = await api('POST', '/connectors', {
      name: 'x',
      kind: 'attendance',
      source: { platform: 'lark', days: 9 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'source.days' })]);
  });
});
