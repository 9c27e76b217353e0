// Reads a DingTalk (钉钉) organisation's 通讯录 into a DirectorySnapshot, as an
// internal app (企业内部应用) on oapi: the department tree by topapi/v2/department/listsub,
// one department at a time from the root (1) down (DingTalk lists direct
// sub-departments only), then each department's direct members by topapi/v2/user/list,
// 100 a page with DingTalk's cursor. Fields: userid (what robot messages carry as
// senderStaffId), unionid, name, title, job_number (the employee number), email /
// org_email, mobile, manager_userid (the explicit leader) and, per listed department,
// `leader` (the department's leaders). Mobile and e-mail come only with the personal
// information permissions (README). Calls are paced to the documented 20 QPS of an
// internal app and retried on DingTalk's flow-control codes, -1 and 5xx; a missing
// permission (88 / 60011) stops the sync naming it, and nothing is written.
import {
  DirectoryFetchError,
  type DirectoryDepartment,
  type DirectoryUser,
  type FetchedDirectory,
} from '../../core/directory';
import { createDirectoryRequester, type DirectoryFetchOptions, type Verdict } from '../common/directory-requester';
import { dingtalkHosts } from './login';

export interface DingtalkDirectoryConfig {
  clientId: string;
  clientSecret: string;
  apiBase: string;
}

export interface DingtalkDirectoryOptions extends DirectoryFetchOptions {
  /** Name of the root department (the company). */
  rootName?: string;
}

/**
 * An internal app may call each API 20 times a second on the standard edition (40 and 60 on the
 * professional and exclusive ones): 50 ms between calls holds on every edition.
 * https://open.dingtalk.com/document/orgapp/invocation-frequency-limit
 */
export const DINGTALK_DIRECTORY_INTERVAL_MS = 50;
const PAGE = 100;
const ROOT = 1;
/**
 * Flow control: 90002 (all apps over the API's global limit), 90018 (the app over its QPS),
 * 90019 (per corp and API); -1 system busy. https://open.dingtalk.com/document/orgapp/invocation-frequency-limit
 */
const RETRY_CODES = new Set([-1, 90002, 90018, 90019]);
const TOKEN_CODES = new Set([40014, 42001, 40001]);
const PERMISSION_HINT =
  'In the DingTalk developer console (应用开发 → the app → 权限管理) grant 通讯录部门信息读权限, 成员信息读权限 and, to match people by mobile and e-mail, 企业员工手机号信息 and 邮箱等个人信息; the app reads the departments in its 通讯录范围.';

interface OapiReply {
  errcode?: number;
  errmsg?: string;
  sub_code?: string;
  result?: unknown;
}

function dingtalkSession(config: DingtalkDirectoryConfig, options: DingtalkDirectoryOptions) {
  const requester = createDirectoryRequester({
    fetch: options.fetch,
    sleep: options.sleep,
    now: options.now,
    maxRetries: options.maxRetries,
    minIntervalMs: options.minIntervalMs ?? DINGTALK_DIRECTORY_INTERVAL_MS,
  });
  const oapi = dingtalkHosts(config.apiBase).oapi;

  let token: Promise<string> | undefined;
  function getToken(): Promise<string> {
    // https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
    token ??= requester.request(
      async () => ({
        url: `${config.apiBase}/v1.0/oauth2/accessToken`,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ appKey: config.clientId, appSecret: config.clientSecret }),
        },
      }),
      (res, body): Verdict<string> => {
        const b = (body ?? {}) as { accessToken?: string; code?: string; message?: string };
        if (res?.ok && typeof b.accessToken === 'string') return { ok: b.accessToken };
        if (res?.status === 429 || b.code?.includes('QpsLimit')) return { retry: `token: ${b.code}` };
        return {
          fail: new DirectoryFetchError(
            `DingTalk refused the app credentials (${b.code ?? res?.status}: ${b.message ?? ''}); check DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET.`,
            b.code ?? 'token',
          ),
        };
      },
    );
    token.catch(() => {
      token = undefined;
    });
    return token;
  }

  const judge = (_res: Response | undefined, body: unknown): Verdict<OapiReply> => {
    const reply = (body ?? {}) as OapiReply;
    const code = reply.errcode;
    if (code === 0) return { ok: reply };
    if (code === undefined) return { retry: 'answer without errcode' };
    if (RETRY_CODES.has(code))
      return { retry: `errcode ${code} ${reply.errmsg ?? ''}`, waitMs: code === -1 ? undefined : 1_000 };
    if (TOKEN_CODES.has(code)) return { renewToken: true };
    if (code === 60011 || (code === 88 && reply.sub_code === '60011'))
      return {
        fail: new DirectoryFetchError(
          `DingTalk refused the directory read (${code}/60011: the app lacks a contacts permission). ${PERMISSION_HINT}`,
          60011,
          true,
        ),
      };
    return { fail: new DirectoryFetchError(`DingTalk errcode ${code}: ${reply.errmsg ?? ''}`.trim(), code) };
  };

  async function post(path: string, body: Record<string, unknown>): Promise<OapiReply> {
    return requester.request(
      async () => ({
        url: `${oapi}${path}?access_token=${encodeURIComponent(await getToken())}`,
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      }),
      judge,
      () => {
        token = undefined;
      },
    );
  }
  return { post, stats: requester.stats };
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

function toDirectoryUser(raw: Record<string, unknown>): DirectoryUser {
  return {
    userId: String(raw.userid ?? ''),
    name: String(raw.name ?? ''),
    email: text(raw.org_email) ?? text(raw.email),
    mobile: text(raw.mobile),
    employeeNo: text(raw.job_number),
    title: text(raw.title),
    departmentIds: Array.isArray(raw.dept_id_list) ? (raw.dept_id_list as unknown[]).map(String) : [],
    leaderUserId: text(raw.manager_userid),
    // The directory lists members of the organisation only: leavers disappear from it.
    active: true,
  };
}

/** One member by userid (self-service binding); undefined when DingTalk does not know them. */
export async function fetchDingtalkUser(
  config: DingtalkDirectoryConfig,
  userId: string,
  options: DingtalkDirectoryOptions = {},
): Promise<DirectoryUser | undefined> {
  const session = dingtalkSession(config, { maxRetries: 2, ...options });
  try {
    // https://open.dingtalk.com/document/orgapp/query-user-details
    const reply = await session.post('/topapi/v2/user/get', { userid: userId, language: 'zh_CN' });
    return reply.result ? toDirectoryUser(reply.result as Record<string, unknown>) : undefined;
  } catch (err) {
    // 60121: 找不到该用户.
    if (err instanceof DirectoryFetchError && err.code === 60121) return undefined;
    throw err;
  }
}

export async function fetchDingtalkDirectory(
  config: DingtalkDirectoryConfig,
  options: DingtalkDirectoryOptions = {},
): Promise<FetchedDirectory> {
  const session = dingtalkSession(config, options);
  const departments: DirectoryDepartment[] = [
    { id: String(ROOT), name: options.rootName ?? '全公司', parentId: null, leaderIds: [] },
  ];
  const seen = new Set([String(ROOT)]);
  for (let i = 0; i < departments.length; i++) {
    // https://open.dingtalk.com/document/orgapp/obtain-the-department-list-v2 (direct sub-departments)
    const reply = await session.post('/topapi/v2/department/listsub', {
      dept_id: Number(departments[i].id),
      language: 'zh_CN',
    });
    for (const d of (Array.isArray(reply.result) ? reply.result : []) as Record<string, unknown>[]) {
      const id = String(d.dept_id);
      if (seen.has(id)) continue; // a loop in what DingTalk answered: each department once
      seen.add(id);
      departments.push({
        id,
        name: String(d.name ?? ''),
        parentId: String(d.parent_id ?? departments[i].id),
        leaderIds: [],
      });
    }
    options.onProgress?.({ phase: 'departments', done: i + 1, total: departments.length });
  }

  const users = new Map<string, DirectoryUser>();
  let done = 0;
  for (const d of departments) {
    let cursor = 0;
    for (;;) {
      // https://open.dingtalk.com/document/orgapp/queries-the-complete-information-of-a-department-user
      const reply = await session.post('/topapi/v2/user/list', {
        dept_id: Number(d.id),
        cursor,
        size: PAGE,
        language: 'zh_CN',
      });
      const result = (reply.result ?? {}) as { has_more?: boolean; next_cursor?: number; list?: unknown[] };
      for (const raw of (result.list ?? []) as Record<string, unknown>[]) {
        const user = toDirectoryUser(raw);
        if (!user.userId) continue;
        if (raw.leader === true && !d.leaderIds.includes(user.userId)) d.leaderIds.push(user.userId);
        if (!users.has(user.userId)) users.set(user.userId, user);
      }
      if (!result.has_more || typeof result.next_cursor !== 'number' || result.next_cursor <= cursor) break;
      cursor = result.next_cursor;
    }
    done++;
    options.onProgress?.({ phase: 'people', done, total: departments.length });
  }
  return {
    platform: 'dingtalk',
    departments,
    users: [...users.values()],
    apiCalls: session.stats.apiCalls,
    retries: session.stats.retries,
  };
}
