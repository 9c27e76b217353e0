// DingTalk 通讯录, emulated as an internal app (企业内部应用) reads it on oapi:
// topapi/v2/department/listsub (direct sub-departments, unpaged), topapi/v2/user/list
// (a department's direct members, paged by cursor, size ≤ 100) and topapi/v2/user/get,
// with the app's permissions (a missing one answers errcode 88 / sub_code 60011, 没有调用该接口的权限),
// the fields each permission releases (mobile and e-mail only with the personal-information
// permissions), and the per-app QPS limit (20 a second for the standard edition) answered with
// errcode 90018. Mounted by emulator.ts.
//
// https://open.dingtalk.com/document/orgapp/obtain-the-department-list-v2 (department/listsub)
// https://open.dingtalk.com/document/orgapp/queries-the-complete-information-of-a-department-user (user/list)
// https://open.dingtalk.com/document/orgapp/query-user-details (user/get)
// https://open.dingtalk.com/document/orgapp/invocation-frequency-limit (QPS limits, error codes)
import type { Context, Hono } from 'hono';

export interface DingtalkDirectoryDepartment {
  dept_id: number;
  name: string;
  /** 1 is the root (the company); its parent_id is absent. */
  parent_id?: number;
}

export interface DingtalkDirectoryUser {
  userid: string;
  unionid?: string;
  name: string;
  title?: string;
  job_number?: string;
  email?: string;
  org_email?: string;
  mobile?: string;
  manager_userid?: string;
  dept_id_list: number[];
  /** Departments this user leads. */
  leader_of?: number[];
}

export type DingtalkDirectoryScope = 'department' | 'member' | 'mobile' | 'email';

export interface DingtalkDirectoryState {
  departments: DingtalkDirectoryDepartment[];
  users: DingtalkDirectoryUser[];
  /** Permissions granted to the app in the developer console (通讯录部门信息读权限, 成员信息读权限, 手机号, 邮箱). */
  scopes: Set<DingtalkDirectoryScope>;
  /** Calls a second across the directory APIs before 90018 (0: no limit). */
  qps: number;
  calls: { listsub: number; userList: number; userGet: number; rateLimited: number };
}

export const DINGTALK_USER_LIST_MAX = 100;

export function createDingtalkDirectory(): DingtalkDirectoryState {
  return {
    departments: [{ dept_id: 1, name: '公司' }],
    users: [],
    scopes: new Set(['department', 'member', 'mobile', 'email']),
    qps: 20,
    calls: { listsub: 0, userList: 0, userGet: 0, rateLimited: 0 },
  };
}

type Json = Record<string, unknown>;

export function mountDingtalkDirectory(
  app: Hono,
  state: DingtalkDirectoryState,
  options: { now: () => Date; appTokenValid(token: string): boolean },
) {
  let window = { second: -1, count: 0 };
  const denied = (c: Context, api: string) =>
    c.json({
      errcode: 88,
      errmsg: `ding talk error[subcode=60011,submsg=没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp/add-api-permission, apiName=${api}]`,
      sub_code: '60011',
      sub_msg: '没有调用该接口的权限',
      request_id: crypto.randomUUID().replace(/-/g, '').slice(0, 16),
    });

  async function guard(c: Context, api: string, scope: DingtalkDirectoryScope): Promise<Json | Response> {
    if (!options.appTokenValid(c.req.query('access_token') ?? ''))
      return c.json({ errcode: 40014, errmsg: '不合法的access_token' });
    if (state.qps > 0) {
      const second = Math.floor(options.now().getTime() / 1000);
      if (window.second !== second) window = { second, count: 0 };
      if (++window.count > state.qps) {
        state.calls.rateLimited++;
        return c.json({ errcode: 90018, errmsg: '当前企业调用该接口的QPS已达到上限，请稍后重试' });
      }
    }
    if (!state.scopes.has(scope)) return denied(c, api);
    const body = await c.req.json().catch(() => undefined);
    if (!body || typeof body !== 'object') return c.json({ errcode: 40035, errmsg: '缺少参数 body' });
    return body as Json;
  }

  const dept = (id: number) => state.departments.find((d) => d.dept_id === id);
  function present(u: DingtalkDirectoryUser, listedDept?: number): Json {
    const out: Json = {
      userid: u.userid,
      unionid: u.unionid ?? `union_${u.userid}`,
      name: u.name,
      title: u.title ?? '',
      job_number: u.job_number ?? '',
      manager_userid: u.manager_userid ?? '',
      dept_id_list: u.dept_id_list,
      active: true,
      admin: false,
      boss: false,
      hide_mobile: false,
      exclusive_account: false,
    };
    if (state.scopes.has('mobile') && u.mobile) out.mobile = u.mobile;
    if (state.scopes.has('email')) {
      if (u.email) out.email = u.email;
      if (u.org_email) out.org_email = u.org_email;
    }
    if (listedDept !== undefined) out.leader = !!u.leader_of?.includes(listedDept);
    else out.leader_in_dept = u.dept_id_list.map((d) => ({ dept_id: d, leader: !!u.leader_of?.includes(d) }));
    return out;
  }
  const ok = (c: Context, result: unknown) =>
    c.json({ errcode: 0, errmsg: 'ok', result, request_id: crypto.randomUUID().replace(/-/g, '').slice(0, 16) });

  // https://open.dingtalk.com/document/orgapp/obtain-the-department-list-v2
  app.post('/topapi/v2/department/listsub', async (c) => {
    const body = await guard(c, 'dingtalk.oapi.v2.department.listsub', 'department');
    if (body instanceof Response) return body;
    state.calls.listsub++;
    const id = body.dept_id === undefined ? 1 : Number(body.dept_id);
    if (!Number.isInteger(id) || !dept(id)) return c.json({ errcode: 60003, errmsg: '部门不存在' });
    return ok(
      c,
      state.departments
        .filter((d) => d.parent_id === id)
        .map((d) => ({
          dept_id: d.dept_id,
          name: d.name,
          parent_id: id,
          auto_add_user: true,
          create_dept_group: false,
        })),
    );
  });

  // https://open.dingtalk.com/document/orgapp/queries-the-complete-information-of-a-department-user
  app.post('/topapi/v2/user/list', async (c) => {
    const body = await guard(c, 'dingtalk.oapi.v2.user.list', 'member');
    if (body instanceof Response) return body;
    state.calls.userList++;
    const id = Number(body.dept_id);
    const cursor = Number(body.cursor ?? 0);
    const size = Number(body.size);
    if (!Number.isInteger(id) || !dept(id)) return c.json({ errcode: 60003, errmsg: '部门不存在' });
    if (!Number.isInteger(size) || size < 1 || size > DINGTALK_USER_LIST_MAX)
      return c.json({ errcode: 400002, errmsg: `无效的参数 size: 1-${DINGTALK_USER_LIST_MAX}` });
    if (!Number.isInteger(cursor) || cursor < 0) return c.json({ errcode: 400002, errmsg: '无效的参数 cursor' });
    const members = state.users.filter((u) => u.dept_id_list.includes(id));
    const slice = members.slice(cursor, cursor + size);
    const more = cursor + size < members.length;
    return ok(c, {
      has_more: more,
      ...(more ? { next_cursor: cursor + size } : {}),
      list: slice.map((u) => present(u, id)),
    });
  });

  // https://open.dingtalk.com/document/orgapp/query-user-details
  app.post('/topapi/v2/user/get', async (c) => {
    const body = await guard(c, 'dingtalk.oapi.v2.user.get', 'member');
    if (body instanceof Response) return body;
    state.calls.userGet++;
    const user = state.users.find((u) => u.userid === body.userid);
    if (!user) return c.json({ errcode: 60121, errmsg: '找不到该用户' });
    return ok(c, present(user));
  });
}
