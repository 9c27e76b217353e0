// Reads a WeCom (企业微信) corp's 通讯录 into a DirectorySnapshot, as a self-built
// app (自建应用) may since WeCom's 2022 restrictions: one department/list for the
// departments in the app's visible range (可见范围), then user/list for the direct
// members of each department. WeCom pages neither: each answer is a whole
// department. user/list_id and department/simplelist (the cursor-paged id lists)
// are reserved for the 通讯录同步 secret and give ids only, so a self-built app does
// not use them. What the app sees:
// - departments and members inside its visible range only (60011 outside it);
// - no mobile, e-mail or biz_mail for apps created after 2022-06-20 (WeCom returns
//   them only to older apps): people are then matched by identity, not e-mail;
// - no employee number (WeCom has none): external_id is `wecom:<userid>`.
// Calls are paced to WeCom's per-corp, per-API limit and retried on 45009/45033/-1
// and 5xx; 60011 and 48009 stop the sync with what to grant, and nothing is written.
import {
  DirectoryFetchError,
  type DirectoryDepartment,
  type DirectoryUser,
  type FetchedDirectory,
} from '../../core/directory';
import { createDirectoryRequester, type DirectoryFetchOptions, type Verdict } from '../common/directory-requester';

export interface WecomDirectoryConfig {
  corpId: string;
  secret: string;
  apiBase: string;
}

export type WecomDirectoryOptions = DirectoryFetchOptions;

/**
 * 10,000 calls a minute per corp and API (and 150,000 an hour): one call every 10 ms stays at 6,000
 * a minute, under both. https://developer.work.weixin.qq.com/document/path/90312
 */
export const WECOM_DIRECTORY_INTERVAL_MS = 10;
const ROOT = 1;
/** https://developer.work.weixin.qq.com/document/path/90313: -1 busy, 45009 frequency, 45033 concurrency. */
const RETRY_CODES = new Set([-1, 45009, 45033]);
const TOKEN_CODES = new Set([40014, 42001, 40082]);
const PERMISSION_HINT =
  'In the WeCom admin console (应用管理 → the app → 可见范围) make the whole company visible to the app; the directory is read with the app secret (WECOM_SECRET).';

interface WecomReply {
  errcode?: number;
  errmsg?: string;
  [k: string]: unknown;
}

function wecomSession(config: WecomDirectoryConfig, options: WecomDirectoryOptions) {
  const requester = createDirectoryRequester({
    fetch: options.fetch,
    sleep: options.sleep,
    now: options.now,
    maxRetries: options.maxRetries,
    minIntervalMs: options.minIntervalMs ?? WECOM_DIRECTORY_INTERVAL_MS,
  });
  const judge = (_res: Response | undefined, body: unknown): Verdict<WecomReply> => {
    const reply = (body ?? {}) as WecomReply;
    const code = reply.errcode;
    if (code === 0) return { ok: reply };
    if (code === undefined) return { retry: 'answer without errcode' };
    if (RETRY_CODES.has(code))
      // 45009 is a per-minute window: wait for it to turn rather than hammering it.
      return { retry: `errcode ${code} ${reply.errmsg ?? ''}`, waitMs: code === 45009 ? 60_000 : undefined };
    if (TOKEN_CODES.has(code)) return { renewToken: true };
    if (code === 60011)
      return {
        fail: new DirectoryFetchError(
          `WeCom refused the directory read (60011: a department or member is outside the app's visible range). ${PERMISSION_HINT}`,
          code,
          true,
        ),
      };
    if (code === 48009)
      return {
        fail: new DirectoryFetchError(
          `WeCom refused the directory read (48009: the contacts API is not open to this app). ${PERMISSION_HINT}`,
          code,
          true,
        ),
      };
    if (code === 60020)
      return {
        fail: new DirectoryFetchError(
          `WeCom refused the call (60020: this server's IP is not in the app's 企业可信IP list).`,
          code,
          true,
        ),
      };
    return { fail: new DirectoryFetchError(`WeCom errcode ${code}: ${reply.errmsg ?? ''}`.trim(), code) };
  };

  let token: Promise<string> | undefined;
  function getToken(): Promise<string> {
    // https://developer.work.weixin.qq.com/document/path/91039 (gettoken)
    token ??= requester
      .request(
        async () => ({
          url: `${config.apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(config.corpId)}&corpsecret=${encodeURIComponent(config.secret)}`,
          init: { method: 'GET' },
        }),
        judge,
      )
      .then((r) => {
        if (typeof r.access_token !== 'string') throw new DirectoryFetchError('WeCom gave no access_token', 'token');
        return r.access_token;
      });
    token.catch(() => {
      token = undefined;
    });
    return token;
  }

  async function get(path: string, query: Record<string, string>): Promise<WecomReply> {
    return requester.request(
      async () => ({
        url: `${config.apiBase}${path}?${new URLSearchParams({ access_token: await getToken(), ...query })}`,
        init: { method: 'GET' },
      }),
      judge,
      () => {
        token = undefined;
      },
    );
  }
  return { get, stats: requester.stats };
}

function toDirectoryUser(raw: Record<string, unknown>): DirectoryUser {
  const depts = Array.isArray(raw.department) ? (raw.department as unknown[]).map(String) : [];
  const main = raw.main_department !== undefined ? String(raw.main_department) : undefined;
  // The main department first: it is the person's team.
  const ordered = main && depts.includes(main) ? [main, ...depts.filter((d) => d !== main)] : depts;
  const leaders = Array.isArray(raw.direct_leader) ? (raw.direct_leader as unknown[]).map(String) : [];
  const status = Number(raw.status ?? 1);
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    userId: String(raw.userid ?? ''),
    name: String(raw.name ?? ''),
    email: text(raw.email) ?? text(raw.biz_mail),
    mobile: text(raw.mobile),
    employeeNo: null,
    title: text(raw.position),
    departmentIds: ordered,
    leaderUserId: leaders[0] ?? null,
    // 2 disabled, 5 left: leavers. 4 (invited, not yet activated) is still a member.
    active: status !== 2 && status !== 5,
  };
}

/** One member by userid (self-service binding); undefined when WeCom does not know them. */
export async function fetchWecomUser(
  config: WecomDirectoryConfig,
  userId: string,
  options: WecomDirectoryOptions = {},
): Promise<DirectoryUser | undefined> {
  const session = wecomSession(config, { maxRetries: 2, ...options });
  try {
    // https://developer.work.weixin.qq.com/document/path/90196 (user/get)
    return toDirectoryUser(await session.get('/cgi-bin/user/get', { userid: userId }));
  } catch (err) {
    // 60111: no such userid; 60011: outside the app's visible range (not ours to bind).
    if (err instanceof DirectoryFetchError && (err.code === 60111 || err.code === 60011)) return undefined;
    throw err;
  }
}

export async function fetchWecomDirectory(
  config: WecomDirectoryConfig,
  options: WecomDirectoryOptions & { rootName?: string } = {},
): Promise<FetchedDirectory> {
  const session = wecomSession(config, options);
  // https://developer.work.weixin.qq.com/document/path/90208 (department/list: the visible tree, recursively)
  const list = await session.get('/cgi-bin/department/list', {});
  const raw = Array.isArray(list.department) ? (list.department as Record<string, unknown>[]) : [];
  const departments: DirectoryDepartment[] = raw.map((d) => {
    const id = String(d.id);
    const parent = Number(d.parentid ?? 0);
    return {
      id,
      name: String(d.name ?? '') || (Number(d.id) === ROOT && options.rootName ? options.rootName : id),
      parentId: parent > 0 && Number(d.id) !== ROOT ? String(parent) : null,
      leaderIds: Array.isArray(d.department_leader) ? (d.department_leader as unknown[]).map(String) : [],
    };
  });
  options.onProgress?.({ phase: 'departments', done: departments.length, total: departments.length });

  const users = new Map<string, DirectoryUser>();
  const flaggedLeaders = new Map<string, string[]>();
  let done = 0;
  for (const d of departments) {
    // https://developer.work.weixin.qq.com/document/path/90201 (user/list: the department's direct members)
    const page = await session.get('/cgi-bin/user/list', { department_id: d.id });
    for (const item of (Array.isArray(page.userlist) ? page.userlist : []) as Record<string, unknown>[]) {
      const user = toDirectoryUser(item);
      if (!user.userId) continue;
      // is_leader_in_dept flags, one per listed department: a leader the department record did not name.
      const flags = Array.isArray(item.is_leader_in_dept) ? (item.is_leader_in_dept as unknown[]) : [];
      const depts = Array.isArray(item.department) ? (item.department as unknown[]).map(String) : [];
      const at = depts.indexOf(d.id);
      if (at >= 0 && Number(flags[at]) === 1)
        flaggedLeaders.set(d.id, [...(flaggedLeaders.get(d.id) ?? []), user.userId]);
      if (!users.has(user.userId)) users.set(user.userId, user);
    }
    done++;
    options.onProgress?.({ phase: 'people', done, total: departments.length });
  }
  for (const d of departments)
    for (const l of flaggedLeaders.get(d.id) ?? []) if (!d.leaderIds.includes(l)) d.leaderIds.push(l);
  return {
    platform: 'wecom',
    departments,
    users: [...users.values()],
    apiCalls: session.stats.apiCalls,
    retries: session.stats.retries,
  };
}
