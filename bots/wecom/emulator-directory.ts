// WeCom 通讯录, emulated as a self-built app (自建应用) sees it: department/list,
// user/list (the direct members of one department, unpaged, as on WeCom) and
// user/get, inside the app's visible range (可见范围: departments outside it answer
// 60011), with the field restrictions WeCom applies since 2022-06-20 (apps created
// after that date get no mobile, e-mail, biz_mail, avatar, gender or address), the
// 48009 an app gets when the API is not open to it, and the per-corp, per-API
// frequency limit answered with 45009. Mounted by emulator.ts; change_contact
// events are pushed from there (deliverChangeContact).
//
// https://developer.work.weixin.qq.com/document/path/90208 (department/list)
// https://developer.work.weixin.qq.com/document/path/90201 (user/list)
// https://developer.work.weixin.qq.com/document/path/90196 (user/get)
// https://developer.work.weixin.qq.com/document/path/90312 (频率限制: 10,000 calls a minute per corp and API)
// https://developer.work.weixin.qq.com/document/path/90313 (全局错误码: 60011, 48009, 45009, 60003, 60111)
import type { Context } from 'hono';

export interface WecomDirectoryDepartment {
  id: number;
  name: string;
  name_en?: string;
  /** 0 for the root (id 1). */
  parentid: number;
  order?: number;
  department_leader?: string[];
}

export interface WecomDirectoryUser {
  userid: string;
  name: string;
  department: number[];
  main_department?: number;
  position?: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  /** One flag per `department` entry. */
  is_leader_in_dept?: number[];
  direct_leader?: string[];
  /** 1 activated, 2 disabled, 4 not yet activated, 5 left the corp (not listed). */
  status?: 1 | 2 | 4 | 5;
}

export interface WecomDirectoryState {
  departments: WecomDirectoryDepartment[];
  users: WecomDirectoryUser[];
  /** The app's 可见范围: these departments and everything below them (default: the whole corp). */
  visibleRoots: number[];
  /** True for apps created before 2022-06-20 (or granted the fields): mobile and e-mail are returned. */
  sensitiveFields: boolean;
  /** True: the directory APIs are not open to this app (errcode 48009). */
  forbidden: boolean;
  /** Calls a minute per API before 45009 (WeCom documents 10,000; 0: no limit). */
  perMinute: number;
  calls: { departmentList: number; userList: number; userGet: number; rateLimited: number };
}

export function createWecomDirectory(): WecomDirectoryState {
  return {
    departments: [{ id: 1, name: '公司', parentid: 0 }],
    users: [],
    visibleRoots: [1],
    sensitiveFields: false,
    forbidden: false,
    perMinute: 10_000,
    calls: { departmentList: 0, userList: 0, userGet: 0, rateLimited: 0 },
  };
}

type Json = Record<string, unknown>;

export interface WecomDirectoryMount {
  now: () => Date;
  /** Registers a GET route answered in WeCom's `{errcode, errmsg, …}` shape. */
  get(path: string, handler: (c: Context) => Json): void;
  /** Throws WeCom's error answer. */
  fail(errcode: number, errmsg: string): never;
  checkToken(c: Context): void;
}

const SENSITIVE = ['mobile', 'email', 'biz_mail', 'avatar', 'thumb_avatar', 'gender', 'address', 'qr_code'] as const;

export function mountWecomDirectory(state: WecomDirectoryState, m: WecomDirectoryMount) {
  const windows = new Map<string, { minute: number; count: number }>();

  function guard(c: Context, api: string) {
    m.checkToken(c);
    if (state.forbidden) m.fail(48009, 'api forbidden, hint: the app has no access to the contacts API');
    if (state.perMinute > 0) {
      const minute = Math.floor(m.now().getTime() / 60_000);
      const w = windows.get(api);
      if (!w || w.minute !== minute) windows.set(api, { minute, count: 1 });
      else if (++w.count > state.perMinute) {
        state.calls.rateLimited++;
        m.fail(45009, 'api freq out of limit');
      }
    }
  }

  const byId = () => new Map(state.departments.map((d) => [d.id, d]));
  function visible(id: number): boolean {
    const depts = byId();
    for (let d = depts.get(id), hops = 0; d && hops < 100; d = depts.get(d.parentid), hops++)
      if (state.visibleRoots.includes(d.id)) return true;
    return false;
  }
  function descendants(root: number): WecomDirectoryDepartment[] {
    const out: WecomDirectoryDepartment[] = [];
    const seen = new Set<number>();
    for (let queue = [root]; queue.length; ) {
      const id = queue.shift()!;
      const d = state.departments.find((x) => x.id === id);
      if (!d || seen.has(id)) continue;
      seen.add(id);
      out.push(d);
      queue.push(...state.departments.filter((x) => x.parentid === id).map((x) => x.id));
    }
    return out;
  }
  function present(u: WecomDirectoryUser): Json {
    const depts = u.department.filter(visible);
    const out: Json = {
      ...u,
      // A self-built app sees only the departments in its visible range.
      department: depts,
      is_leader_in_dept: u.department
        .map((d, i) => [d, u.is_leader_in_dept?.[i] ?? 0] as const)
        .filter(([d]) => visible(d))
        .map(([, f]) => f),
      main_department: u.main_department ?? u.department[0],
      status: u.status ?? 1,
    };
    if (!state.sensitiveFields) for (const k of SENSITIVE) delete out[k];
    return out;
  }
  const numeric = (raw: string | undefined) => (raw && /^\d{1,10}$/.test(raw) ? Number(raw) : undefined);

  m.get('/cgi-bin/department/list', (c) => {
    guard(c, 'department/list');
    state.calls.departmentList++;
    const raw = c.req.query('id');
    const id = raw === undefined || raw === '' ? undefined : numeric(raw);
    if (raw && id === undefined) m.fail(40058, 'invalid parameter: id');
    if (id !== undefined) {
      if (!state.departments.some((d) => d.id === id)) m.fail(60003, 'department not found');
      if (!visible(id)) m.fail(60011, 'no privilege to access/modify contact/party/agent');
      return { department: descendants(id) };
    }
    const roots = state.visibleRoots.filter(
      (r) => !state.visibleRoots.some((o) => o !== r && descendants(o).some((d) => d.id === r)),
    );
    return { department: roots.flatMap(descendants) };
  });

  m.get('/cgi-bin/user/list', (c) => {
    guard(c, 'user/list');
    state.calls.userList++;
    const id = numeric(c.req.query('department_id'));
    if (id === undefined) m.fail(40058, 'invalid parameter: department_id');
    if (!state.departments.some((d) => d.id === id)) m.fail(60003, 'department not found');
    if (!visible(id)) m.fail(60011, 'no privilege to access/modify contact/party/agent');
    return { userlist: state.users.filter((u) => u.department.includes(id) && u.status !== 5).map(present) };
  });

  m.get('/cgi-bin/user/get', (c) => {
    guard(c, 'user/get');
    state.calls.userGet++;
    const userid = c.req.query('userid') ?? '';
    const user = state.users.find((u) => u.userid.toLowerCase() === userid.toLowerCase() && u.status !== 5);
    if (!user) m.fail(60111, 'userid not found');
    if (!user.department.some(visible)) m.fail(60011, 'no privilege to access/modify contact/party/agent');
    return present(user);
  });
}
