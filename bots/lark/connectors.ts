// Lark/Feishu sources for connectors (docs/connectors.md): a Bitable table's records and the
// attendance results of the org's people. Both use the app's tenant_access_token and retry
// rate limits, 5xx answers and timeouts with backoff (bots/common/source-fetch.ts).
import {
  SourceError,
  type AttendanceDay,
  type FetchedAttendance,
  type SourceFetchOptions,
  type SourceRows,
} from '../../core/connectors';
import { retryOnBodyCode, snippet, sourceFetch, type SourceResponse } from '../common/source-fetch';
import type { LarkClientConfig } from './client';

/** Lark rate-limit codes: frequency control, and Bitable's TooManyRequest. https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control */
const RATE_LIMITED = new Set([99991400, 1254290]);
/** The app lacks a scope (generic), or the base's advanced permissions leave the app out. */
const PERMISSION = new Set([99991672, 99991679, 1254302]);

interface LarkBody {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
  tenant_access_token?: string;
}

function parse(res: SourceResponse, label: string): LarkBody {
  try {
    const body = JSON.parse(res.text) as LarkBody;
    if (body && typeof body === 'object') return body;
  } catch {
    /* below */
  }
  throw new SourceError(`${label}: Lark answered HTTP ${res.status} that is not JSON${snippet(res.text)}`, false);
}

function larkSession(config: LarkClientConfig, options: SourceFetchOptions, permissionHint: string) {
  const stats = { requests: 0 };
  let token: Promise<string> | undefined;
  const retryOn = retryOnBodyCode('code', RATE_LIMITED);

  async function call(method: 'GET' | 'POST', path: string, body: unknown, auth?: string): Promise<LarkBody> {
    const label = `Lark ${method} ${path.split('?')[0]}`;
    const res = await sourceFetch(
      {
        url: `${config.domain}${path}`,
        method,
        label,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        retryOn,
      },
      { ...options, stats },
    );
    const parsed = parse(res, label);
    if (parsed.code === 0) return parsed;
    if (parsed.code !== undefined && PERMISSION.has(parsed.code))
      throw new SourceError(
        `${label}: Lark refused (${parsed.code}: ${parsed.msg ?? ''}). ${permissionHint}`,
        false,
        true,
      );
    throw new SourceError(
      `${label}: Lark answered ${parsed.code ?? `HTTP ${res.status}`}: ${parsed.msg ?? ''}`.trim(),
      false,
    );
  }

  async function getToken(): Promise<string> {
    // https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
    token ??= call('POST', '/open-apis/auth/v3/tenant_access_token/internal', {
      app_id: config.appId,
      app_secret: config.appSecret,
    }).then((auth) => {
      if (!auth.tenant_access_token) throw new SourceError('Lark gave no tenant_access_token', false);
      return auth.tenant_access_token;
    });
    return token;
  }

  return {
    stats,
    get: async (path: string) => call('GET', path, undefined, await getToken()),
    post: async (path: string, body: unknown) => call('POST', path, body, await getToken()),
  };
}

export interface BitableSource {
  app_token: string;
  table_id: string;
  view_id?: string;
}

const BITABLE_HINT =
  'Grant the app bitable:app:readonly (查看、评论和导出多维表格) and add it to the base (… → 更多 → 添加文档应用) with read access.';

/** Most rows read from one table per run. */
const MAX_BITABLE_ROWS = 10_000;

/** A table's field names (all of them, also those empty in every record) and its records' fields. */
export async function fetchBitableRows(
  config: LarkClientConfig,
  source: BitableSource,
  options: SourceFetchOptions & { limit?: number } = {},
): Promise<SourceRows> {
  const session = larkSession(config, options, BITABLE_HINT);
  const base = `/open-apis/bitable/v1/apps/${encodeURIComponent(source.app_token)}/tables/${encodeURIComponent(source.table_id)}`;
  const fields: string[] = [];
  let pageToken: string | undefined;
  do {
    // https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-field/list
    const q = new URLSearchParams({ page_size: '100', ...(pageToken ? { page_token: pageToken } : {}) });
    const body = await session.get(`${base}/fields?${q}`);
    for (const f of (body.data?.items as { field_name?: string }[] | undefined) ?? [])
      if (f.field_name) fields.push(f.field_name);
    pageToken = body.data?.has_more ? (body.data.page_token as string) : undefined;
  } while (pageToken);

  const rows: Record<string, unknown>[] = [];
  const limit = options.limit ?? MAX_BITABLE_ROWS;
  pageToken = undefined;
  do {
    // https://open.feishu.cn/document/docs/bitable-v1/app-table-record/search (page_size ≤ 500)
    const q = new URLSearchParams({
      page_size: String(Math.min(500, limit)),
      user_id_type: 'open_id',
      ...(pageToken ? { page_token: pageToken } : {}),
    });
    const body = await session.post(`${base}/records/search?${q}`, source.view_id ? { view_id: source.view_id } : {});
    for (const r of (body.data?.items as { fields?: Record<string, unknown> }[] | undefined) ?? [])
      rows.push(r.fields ?? {});
    if (rows.length > limit) {
      if (options.limit) break;
      throw new SourceError(`the table has more than ${MAX_BITABLE_ROWS} records; use a view that shows fewer`, false);
    }
    pageToken = body.data?.has_more ? (body.data.page_token as string) : undefined;
  } while (pageToken && rows.length < limit);
  return { fields, rows: rows.slice(0, limit), requests: session.stats.requests };
}

const ATTENDANCE_HINT =
  'Grant the app attendance:task:readonly (导出打卡数据) and contact:user.employee_id:readonly (获取用户 user ID), and put the people in the app’s contacts range.';

/** yyyyMMdd as Lark's attendance API takes and returns days. */
const larkDay = (date: string) => Number(date.replaceAll('-', ''));
const isoDay = (day: number) => {
  const s = String(day);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
};

interface LarkTaskRecord {
  check_in_record?: { check_time?: string };
  check_out_record?: { check_time?: string };
  check_in_result?: string;
  check_out_result?: string;
}

/** One day's attendance facts from Lark's user task (one record per shift segment). */
export function larkAttendanceDay(userId: string, day: number, records: LarkTaskRecord[]): AttendanceDay {
  let late = 0;
  let present = false;
  let first: number | undefined;
  let last: number | undefined;
  for (const r of records) {
    if (r.check_in_result === 'Late') late++;
    for (const [time, result] of [
      [r.check_in_record?.check_time, r.check_in_result],
      [r.check_out_record?.check_time, r.check_out_result],
    ] as const) {
      const t = Number(time);
      if (!time || !Number.isFinite(t) || result === 'Lack' || result === 'Todo') continue;
      present = true;
      first = first === undefined ? t : Math.min(first, t);
      last = last === undefined ? t : Math.max(last, t);
    }
  }
  const workHours =
    first !== undefined && last !== undefined && last > first ? Math.round(((last - first) / 3600) * 100) / 100 : null;
  return { userId, date: isoDay(day), present, late, workHours };
}

/**
 * Attendance results of `openIds` for the local days [from, to]. The attendance API takes
 * employee ids (user_id), so each open_id is first looked up in contact v3; people the app
 * cannot see are reported in `skippedUsers`.
 */
export async function fetchLarkAttendance(
  config: LarkClientConfig,
  query: { userIds: string[]; from: string; to: string },
  options: SourceFetchOptions = {},
): Promise<FetchedAttendance> {
  const session = larkSession(config, options, ATTENDANCE_HINT);
  const openIdOf = new Map<string, string>();
  const skipped: string[] = [];
  for (const openId of query.userIds) {
    try {
      // https://open.feishu.cn/document/server-docs/contact-v3/user/get
      const body = await session.get(`/open-apis/contact/v3/users/${encodeURIComponent(openId)}?user_id_type=open_id`);
      const userId = (body.data?.user as { user_id?: string } | undefined)?.user_id;
      if (userId) openIdOf.set(userId, openId);
      else skipped.push(openId);
    } catch (err) {
      if (err instanceof SourceError && !err.permission && !err.transient) skipped.push(openId);
      else throw err;
    }
  }
  const days: AttendanceDay[] = [];
  const employeeIds = [...openIdOf.keys()];
  for (let i = 0; i < employeeIds.length; i += 50) {
    // https://open.feishu.cn/document/server-docs/attendance-v1/user_task/query (≤ 50 users a call)
    const body = await session.post('/open-apis/attendance/v1/user_tasks/query?employee_type=employee_id', {
      user_ids: employeeIds.slice(i, i + 50),
      check_date_from: larkDay(query.from),
      check_date_to: larkDay(query.to),
    });
    const data = body.data ?? {};
    for (const task of (data.user_task_results as
      | { user_id: string; day: number; records?: LarkTaskRecord[] }[]
      | undefined) ?? []) {
      const openId = openIdOf.get(task.user_id);
      if (openId) days.push(larkAttendanceDay(openId, task.day, task.records ?? []));
    }
    for (const id of [
      ...((data.invalid_user_ids as string[] | undefined) ?? []),
      ...((data.unauthorized_user_ids as string[] | undefined) ?? []),
    ])
      skipped.push(openIdOf.get(id) ?? id);
  }
  return { days, skippedUsers: skipped, requests: session.stats.requests };
}
