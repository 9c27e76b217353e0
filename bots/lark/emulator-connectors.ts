// Lark Bitable and attendance, emulated for connectors: the field list and record search of a
// base's tables with Lark's paging (opaque page_token, page_size ≤ 100 for fields and ≤ 500 for
// records), and attendance user_tasks/query (≤ 50 employee ids, yyyyMMdd days). Refusals are
// Lark's: 99991672 when the app lacks the scope, 1254302 when the base's advanced permissions
// leave the app out, 1254040/1254041 for an unknown base or table, 1254045 for an unknown field,
// 1220001-style validation errors as 99992402. Mounted by emulator.ts.
import type { Context, Hono } from 'hono';

export interface LarkBitableTable {
  fields: { field_name: string; type: number }[];
  records: { record_id: string; fields: Record<string, unknown> }[];
}

export interface LarkUserTask {
  /** The employee id (user_id) of the person. */
  user_id: string;
  day: number;
  records: {
    check_in_record?: { check_time: string };
    check_out_record?: { check_time: string };
    check_in_result: string;
    check_out_result: string;
  }[];
}

export interface LarkConnectorSources {
  /** Bases by app_token, tables by table_id. */
  bases: Map<string, Map<string, LarkBitableTable>>;
  /** False: the app lacks bitable scopes (99991672). */
  bitableGranted: boolean;
  /** app_tokens whose advanced permissions leave the app out (1254302). */
  bitableLockedBases: Set<string>;
  tasks: LarkUserTask[];
  /** False: the app lacks attendance:task:readonly (99991672). */
  attendanceGranted: boolean;
  /** Employee ids outside the app's range (unauthorized_user_ids). */
  attendanceHidden: Set<string>;
  calls: { fields: number; search: number; attendance: number };
}

export function createLarkConnectorSources(): LarkConnectorSources {
  return {
    bases: new Map(),
    bitableGranted: true,
    bitableLockedBases: new Set(),
    tasks: [],
    attendanceGranted: true,
    attendanceHidden: new Set(),
    calls: { fields: 0, search: 0, attendance: 0 },
  };
}

export function mountLarkConnectorSources(
  app: Hono,
  state: LarkConnectorSources,
  options: { requireToken(c: Context): void },
) {
  const fail = (c: Context, code: number, msg: string, status: 400 | 403 | 404 = 400) => c.json({ code, msg }, status);

  function page<T>(c: Context, items: T[], max: number, fallback: number) {
    const raw = c.req.query('page_size');
    const size = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(size) || size < 1 || size > max)
      return { error: fail(c, 99992402, `field validation failed: page_size must be 1..${max}`) };
    const token = c.req.query('page_token');
    let start = 0;
    if (token) {
      const decoded = /^p:(\d+)$/.exec(safeAtob(token));
      if (!decoded) return { error: fail(c, 99992402, 'field validation failed: page_token') };
      start = Number(decoded[1]);
    }
    const more = start + size < items.length;
    return {
      data: {
        has_more: more,
        ...(more ? { page_token: btoa(`p:${start + size}`) } : {}),
        total: items.length,
        items: items.slice(start, start + size),
      },
    };
  }

  function table(c: Context): LarkBitableTable | Response {
    options.requireToken(c);
    if (!state.bitableGranted)
      return fail(
        c,
        99991672,
        'Access denied. One of the following scopes is required: [bitable:app, bitable:app:readonly, base:record:retrieve].',
      );
    const appToken = c.req.param('app_token') ?? '';
    const base = state.bases.get(appToken);
    if (!base) return fail(c, 1254040, 'BaseTokenNotFound', 404);
    if (state.bitableLockedBases.has(appToken)) return fail(c, 1254302, 'Permission denied.', 403);
    const t = base.get(c.req.param('table_id') ?? '');
    if (!t) return fail(c, 1254041, 'TableIdNotFound', 404);
    return t;
  }

  // https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-field/list
  app.get('/open-apis/bitable/v1/apps/:app_token/tables/:table_id/fields', (c) => {
    const t = table(c);
    if (t instanceof Response) return t;
    state.calls.fields++;
    const p = page(
      c,
      t.fields.map((f, i) => ({ field_id: `fld${i}`, field_name: f.field_name, type: f.type })),
      100,
      20,
    );
    if (p.error) return p.error;
    return c.json({ code: 0, msg: 'success', data: p.data });
  });

  // https://open.feishu.cn/document/docs/bitable-v1/app-table-record/search
  app.post('/open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/search', async (c) => {
    const t = table(c);
    if (t instanceof Response) return t;
    let body: { field_names?: unknown; view_id?: unknown } = {};
    const text = await c.req.text();
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        return fail(c, 99992402, 'field validation failed: body must be JSON');
      }
    }
    state.calls.search++;
    const names = Array.isArray(body.field_names) ? (body.field_names as string[]) : undefined;
    const known = new Set(t.fields.map((f) => f.field_name));
    const unknown = names?.find((n) => !known.has(n));
    if (unknown !== undefined) return fail(c, 1254045, 'FieldNameNotFound');
    // Lark leaves out a record's empty fields.
    const items = t.records.map((r) => ({
      record_id: r.record_id,
      fields: Object.fromEntries(
        Object.entries(r.fields).filter(([k, v]) => v !== null && v !== '' && (!names || names.includes(k))),
      ),
    }));
    const p = page(c, items, 500, 20);
    if (p.error) return p.error;
    return c.json({ code: 0, msg: 'success', data: p.data });
  });

  // https://open.feishu.cn/document/server-docs/attendance-v1/user_task/query
  app.post('/open-apis/attendance/v1/user_tasks/query', async (c) => {
    options.requireToken(c);
    if (!state.attendanceGranted)
      return fail(c, 99991672, 'Access denied. One of the following scopes is required: [attendance:task:readonly].');
    const type = c.req.query('employee_type');
    if (type !== 'employee_id' && type !== 'employee_no')
      return fail(c, 99992402, 'field validation failed: employee_type must be employee_id or employee_no');
    let body: { user_ids?: unknown; check_date_from?: unknown; check_date_to?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 99992402, 'field validation failed: body must be JSON');
    }
    const ids = body.user_ids;
    if (!Array.isArray(ids) || !ids.length || ids.length > 50 || ids.some((x) => typeof x !== 'string'))
      return fail(c, 99992402, 'field validation failed: user_ids must hold 1..50 ids');
    const from = body.check_date_from;
    const to = body.check_date_to;
    const isDay = (d: unknown): d is number =>
      typeof d === 'number' && Number.isInteger(d) && /^\d{8}$/.test(String(d));
    if (!isDay(from) || !isDay(to) || from > to)
      return fail(c, 99992402, 'field validation failed: check_date_from/check_date_to must be yyyyMMdd, from ≤ to');
    state.calls.attendance++;
    const known = new Set(state.tasks.map((t) => t.user_id));
    const asked = ids as string[];
    const visible = asked.filter((id) => known.has(id) && !state.attendanceHidden.has(id));
    return c.json({
      code: 0,
      msg: 'success',
      data: {
        user_task_results: state.tasks
          .filter((t) => visible.includes(t.user_id) && t.day >= from && t.day <= to)
          .map((t, i) => ({
            result_id: `res_${i}`,
            user_id: t.user_id,
            employee_name: '',
            day: t.day,
            group_id: 'grp_1',
            shift_id: 'shf_1',
            records: t.records.map((r, j) => ({
              check_in_record_id: `in_${i}_${j}`,
              check_out_record_id: `out_${i}_${j}`,
              check_in_result_supplement: 'None',
              check_out_result_supplement: 'None',
              ...r,
            })),
          })),
        invalid_user_ids: asked.filter((id) => !known.has(id)),
        unauthorized_user_ids: asked.filter((id) => state.attendanceHidden.has(id)),
      },
    });
  });
}

function safeAtob(s: string): string {
  try {
    return atob(s);
  } catch {
    return '';
  }
}
