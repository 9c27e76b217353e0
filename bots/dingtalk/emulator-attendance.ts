// DingTalk 获取打卡结果 (classic oapi POST /attendance/list), emulated for attendance
// connectors: `?access_token=`, "yyyy-MM-dd HH:mm:ss" work dates at most 7 days apart,
// 1..50 userIdList, offset/limit (limit ≤ 50) paging with hasMore, errcode 88 / sub_code 60011
// while the app lacks the permission. https://open.dingtalk.com/document/orgapp/open-attendance-clock-in-data
import type { Context, Hono } from 'hono';

export interface DingtalkPunchResult {
  userId: string;
  /** Work day, ms at local midnight. */
  workDate: number;
  checkType: 'OnDuty' | 'OffDuty';
  timeResult: 'Normal' | 'Early' | 'Late' | 'SeriousLate' | 'Absenteeism' | 'NotSigned';
  userCheckTime?: number;
}

export interface DingtalkAttendanceState {
  results: DingtalkPunchResult[];
  granted: boolean;
  calls: number;
}

export function createDingtalkAttendance(): DingtalkAttendanceState {
  return { results: [], granted: true, calls: 0 };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** A "yyyy-MM-dd HH:mm:ss" work date in Beijing time (DingTalk's zone), in ms. */
function parseWorkDate(s: unknown): number | undefined {
  const m = typeof s === 'string' ? DATE_TIME.exec(s) : null;
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(t) ? undefined : t;
}

export function mountDingtalkAttendance(
  app: Hono,
  state: DingtalkAttendanceState,
  options: { tokenValid(token: string): boolean },
) {
  const fail = (c: Context, errcode: number, errmsg: string, extra: Record<string, unknown> = {}) =>
    c.json({ errcode, errmsg, ...extra });
  app.post('/attendance/list', async (c) => {
    const token = c.req.query('access_token');
    if (!token || !options.tokenValid(token)) return fail(c, 40014, '不合法的access_token');
    if (!state.granted)
      return fail(c, 88, '没有调用该接口的权限', {
        sub_code: '60011',
        sub_msg: '没有调用该接口的权限，接口权限申请参考',
      });
    let body: Record<string, unknown>;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 40035, '缺少参数 json');
    }
    const from = parseWorkDate(body.workDateFrom);
    const to = parseWorkDate(body.workDateTo);
    if (from === undefined || to === undefined || from > to)
      return fail(c, 40035, '缺少参数 workDateFrom/workDateTo (yyyy-MM-dd HH:mm:ss)');
    if (to - from > 7 * 86_400_000) return fail(c, 40035, '查询时间跨度不能超过7天');
    const ids = body.userIdList;
    if (!Array.isArray(ids) || !ids.length || ids.length > 50 || ids.some((x) => typeof x !== 'string'))
      return fail(c, 40035, 'userIdList 必须是 1 到 50 个 userId');
    const offset = body.offset ?? 0;
    const limit = body.limit ?? 50;
    if (typeof offset !== 'number' || typeof limit !== 'number' || offset < 0 || limit < 1 || limit > 50)
      return fail(c, 40035, 'offset/limit 不合法 (limit 1..50)');
    state.calls++;
    const wanted = new Set(ids as string[]);
    const all = state.results.filter((r) => wanted.has(r.userId) && r.workDate >= from && r.workDate <= to);
    const page = all.slice(offset, offset + limit);
    return c.json({
      errcode: 0,
      errmsg: 'ok',
      hasMore: offset + limit < all.length,
      recordresult: page.map((r, i) => ({
        id: offset + i + 1,
        groupId: 1,
        planId: offset + i + 1,
        recordId: offset + i + 1,
        sourceType: r.userCheckTime ? 'USER' : 'SYSTEM',
        locationResult: 'Normal',
        baseCheckTime: r.workDate + (r.checkType === 'OnDuty' ? 9 : 18) * 3_600_000,
        ...r,
      })),
    });
  });
}
