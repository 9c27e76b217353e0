// Lark contact v3, emulated: the department tree and its members as the
// directory sync reads them, with Lark's paging (page_size ≤ 50, opaque
// page_token), its `{code,msg,data}` answers, the permission error an app without
// the contacts scope gets, and a per-second rate limit answered with HTTP 429 /
// code 99991400. Mounted by emulator.ts. The limit of 50 requests a second is
// our reading of the contact v3 pages' 频率限制 section, not checked live.
import type { Context, Hono } from 'hono';

export interface LarkDirectoryDepartment {
  open_department_id: string;
  department_id?: string;
  name: string;
  parent_department_id: string;
  leader_user_id?: string;
}

export interface LarkDirectoryUser {
  open_id: string;
  union_id?: string;
  user_id?: string;
  name: string;
  email?: string;
  mobile?: string;
  employee_no?: string;
  job_title?: string;
  department_ids: string[];
  leader_user_id?: string;
  status?: { is_frozen?: boolean; is_resigned?: boolean; is_activated?: boolean; is_exited?: boolean };
}

export interface LarkDirectoryState {
  departments: LarkDirectoryDepartment[];
  users: LarkDirectoryUser[];
  /** False: the app was not granted the contacts scope; every contact call fails with 99991672. */
  granted: boolean;
  /** Requests a second per contact API before HTTP 429 (0: no limit). */
  ratePerSecond: number;
  /** Contact API calls served, by path pattern (for tests and the benchmark). */
  calls: { children: number; users: number; rateLimited: number };
}

export const LARK_CONTACT_MAX_PAGE = 50;

export function createLarkDirectory(): LarkDirectoryState {
  return {
    departments: [],
    users: [],
    granted: true,
    ratePerSecond: 50,
    calls: { children: 0, users: 0, rateLimited: 0 },
  };
}

export function mountLarkDirectory(
  app: Hono,
  state: LarkDirectoryState,
  options: { requireToken(c: Context): void; now: () => Date },
) {
  const windows = new Map<string, { second: number; count: number }>();
  const fail = (c: Context, code: number, msg: string, status: 400 | 403 | 429 = 400) => c.json({ code, msg }, status);

  function guard(c: Context, api: string): Response | undefined {
    options.requireToken(c);
    if (!state.granted)
      return fail(
        c,
        99991672,
        'Access denied. One of the following scopes is required: [contact:contact.base:readonly, contact:contact:readonly_as_app].',
        400,
      );
    if (state.ratePerSecond > 0) {
      const second = Math.floor(options.now().getTime() / 1000);
      const w = windows.get(api);
      if (!w || w.second !== second) windows.set(api, { second, count: 1 });
      else if (++w.count > state.ratePerSecond) {
        state.calls.rateLimited++;
        c.header('x-ogw-ratelimit-limit', String(state.ratePerSecond));
        c.header('x-ogw-ratelimit-reset', '1');
        return fail(c, 99991400, 'request trigger frequency limit', 429);
      }
    }
    return undefined;
  }

  function page<T>(c: Context, items: T[]) {
    const size = Number(c.req.query('page_size') ?? 10);
    if (!Number.isInteger(size) || size < 1 || size > LARK_CONTACT_MAX_PAGE)
      return { error: fail(c, 99992402, 'field validation failed: page_size must be 1..50') };
    const token = c.req.query('page_token');
    const start = token ? Number.parseInt(atob(token), 10) : 0;
    if (!Number.isInteger(start) || start < 0)
      return { error: fail(c, 99992402, 'field validation failed: page_token') };
    const slice = items.slice(start, start + size);
    const more = start + size < items.length;
    return {
      data: { has_more: more, ...(more ? { page_token: btoa(String(start + size)) } : {}), items: slice },
    };
  }

  // https://open.feishu.cn/document/server-docs/contact-v3/department/children
  app.get('/open-apis/contact/v3/departments/:id/children', (c) => {
    const denied = guard(c, 'children');
    if (denied) return denied;
    state.calls.children++;
    const root = c.req.param('id');
    if (root !== '0' && !state.departments.some((d) => d.open_department_id === root))
      return fail(c, 40003, 'department not found');
    const recursive = c.req.query('fetch_child') === 'true';
    const out: LarkDirectoryDepartment[] = [];
    for (let queue = [root]; queue.length; ) {
      const parent = queue.shift()!;
      for (const d of state.departments.filter((x) => x.parent_department_id === parent)) {
        out.push(d);
        if (recursive) queue.push(d.open_department_id);
      }
    }
    const p = page(c, out);
    if (p.error) return p.error;
    return c.json({ code: 0, msg: 'success', data: p.data });
  });

  // https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department
  app.get('/open-apis/contact/v3/users/find_by_department', (c) => {
    const denied = guard(c, 'users');
    if (denied) return denied;
    state.calls.users++;
    const dept = c.req.query('department_id');
    if (!dept) return fail(c, 99992402, 'field validation failed: department_id is required');
    if (dept !== '0' && !state.departments.some((d) => d.open_department_id === dept))
      return fail(c, 40003, 'department not found');
    const p = page(
      c,
      state.users.filter((u) => u.department_ids.includes(dept) && !u.status?.is_resigned),
    );
    if (p.error) return p.error;
    return c.json({ code: 0, msg: 'success', data: p.data });
  });

  // https://open.feishu.cn/document/server-docs/contact-v3/user/get
  app.get('/open-apis/contact/v3/users/:id', (c) => {
    if (c.req.param('id') === 'find_by_department') return c.notFound();
    const denied = guard(c, 'user');
    if (denied) return denied;
    state.calls.users++;
    const user = state.users.find((u) => u.open_id === c.req.param('id'));
    if (!user) return fail(c, 41050, 'no user authority error');
    return c.json({ code: 0, msg: 'success', data: { user } });
  });
}
