// Reads a Lark/Feishu tenant's directory (contact v3) into a DirectorySnapshot:
// every department under the root (one recursive, paged listing), then the
// members of each department (paged). Needs the app scope
// `contact:contact.base:readonly` (departments and users, 获取通讯录基本信息)
// plus `contact:user.email:readonly`, `contact:user.phone:readonly` and
// `contact:user.employee_id:readonly` for e-mail, mobile and employee number; the
// app's 通讯录权限范围 decides which departments it sees. Rate limits (HTTP 429 /
// code 99991400) and 5xx answers are retried with backoff, then the listing resumes
// from the same page.
import {
  DirectoryFetchError,
  type DirectoryDepartment,
  type DirectoryUser,
  type FetchedDirectory,
} from '../../core/directory';
import type { LarkClientConfig } from './client';
import type { DirectoryFetchOptions } from '../common/directory-requester';

export interface LarkDirectoryOptions extends DirectoryFetchOptions {
  /** Name of the root department (the company), which the API does not list. */
  rootName?: string;
}

/**
 * The contact v3 APIs allow 1000 calls a minute and 50 a second per app (频率限制 on each page, e.g.
 * https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department): one call every 60 ms.
 */
export const LARK_CONTACT_INTERVAL_MS = 60;

const PAGE_SIZE = 50;
const ROOT = '0';
/** Lark's rate-limit codes. https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control */
const RATE_LIMIT_CODES = new Set([99991400, 230020]);
/** Scope missing / no permission on the department. https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code */
const PERMISSION_CODES = new Set([99991672, 99991679, 40004, 40014]);

interface LarkBody {
  code?: number;
  msg?: string;
  data?: { has_more?: boolean; page_token?: string; items?: unknown[]; user?: unknown };
  tenant_access_token?: string;
}

/** An authenticated contact-API session: token once, then GETs with retry and backoff. */
function larkContactSession(config: LarkClientConfig, options: LarkDirectoryOptions) {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const realSleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxRetries = options.maxRetries ?? 6;
  const stats = { apiCalls: 0, retries: 0 };
  // Paced on a clock that counts what was slept, so an injected sleep still spaces the calls.
  const clock = options.now ?? (() => Date.now());
  const minInterval = options.minIntervalMs ?? LARK_CONTACT_INTERVAL_MS;
  let virtualNow = Number.NEGATIVE_INFINITY;
  let lastStart = Number.NEGATIVE_INFINITY;
  const now = () => Math.max(clock(), virtualNow);
  const sleep = async (ms: number) => {
    virtualNow = now() + ms;
    await realSleep(ms);
  };

  async function request(method: string, path: string, body?: unknown, token?: string): Promise<LarkBody> {
    for (let attempt = 0; ; attempt++) {
      const pace = lastStart + minInterval - now();
      if (pace > 0) await sleep(pace);
      lastStart = now();
      stats.apiCalls++;
      let res: Response | undefined;
      let parsed: LarkBody | undefined;
      try {
        res = await send(`${config.domain}${path}`, {
          method,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        parsed = (await res.json().catch(() => undefined)) as LarkBody | undefined;
      } catch {
        /* network error: retried below */
      }
      const code = parsed?.code;
      const retryable =
        !res || res.status >= 500 || res.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code));
      if (!retryable && parsed && code === 0) return parsed;
      if (!retryable || attempt >= maxRetries) {
        if (code !== undefined && PERMISSION_CODES.has(code))
          throw new DirectoryFetchError(
            `Lark refused the directory read (${code}: ${parsed?.msg}). Grant the app contact:contact.base:readonly and set its contacts range (通讯录权限范围) to the whole company.`,
            code,
            true,
          );
        throw new DirectoryFetchError(
          `Lark ${method} ${path.split('?')[0]} failed: ${res ? `HTTP ${res.status}` : 'network error'} ${code ?? ''} ${parsed?.msg ?? ''}`.trim(),
          code ?? res?.status ?? 'network',
        );
      }
      stats.retries++;
      // x-ogw-ratelimit-reset: seconds until the window reopens; else exponential backoff.
      const reset = Number(res?.headers.get('x-ogw-ratelimit-reset'));
      await sleep(reset > 0 ? reset * 1000 : Math.min(30_000, 500 * 2 ** attempt));
    }
  }

  let token: Promise<string> | undefined;
  async function getToken(): Promise<string> {
    // https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
    token ??= request('POST', '/open-apis/auth/v3/tenant_access_token/internal', {
      app_id: config.appId,
      app_secret: config.appSecret,
    }).then((auth) => {
      if (!auth.tenant_access_token)
        throw new DirectoryFetchError(`Lark gave no tenant_access_token: ${auth.msg ?? ''}`, auth.code ?? -1);
      return auth.tenant_access_token;
    });
    return token;
  }
  return { stats, get: async (path: string) => request('GET', path, undefined, await getToken()) };
}

function toDirectoryUser(raw: Record<string, unknown>, fallbackDept: string): DirectoryUser {
  const status = (raw.status ?? {}) as { is_frozen?: boolean; is_resigned?: boolean; is_exited?: boolean };
  const depts = Array.isArray(raw.department_ids) ? (raw.department_ids as string[]).map(String) : [];
  return {
    userId: String(raw.open_id ?? ''),
    name: String(raw.name ?? ''),
    email: (raw.enterprise_email as string) || (raw.email as string) || null,
    mobile: (raw.mobile as string) || null,
    employeeNo: (raw.employee_no as string) || null,
    title: (raw.job_title as string) || null,
    departmentIds: depts.length ? depts : [fallbackDept],
    leaderUserId: (raw.leader_user_id as string) || null,
    active: !status.is_resigned && !status.is_frozen && !status.is_exited,
  };
}

/** One user by open_id (self-service binding of an unknown sender); undefined when Lark does not know them. */
export async function fetchLarkUser(
  config: LarkClientConfig,
  openId: string,
  options: LarkDirectoryOptions = {},
): Promise<DirectoryUser | undefined> {
  const session = larkContactSession(config, { maxRetries: 2, ...options });
  try {
    // https://open.feishu.cn/document/server-docs/contact-v3/user/get
    const body = await session.get(
      `/open-apis/contact/v3/users/${encodeURIComponent(openId)}?user_id_type=open_id&department_id_type=open_department_id`,
    );
    const user = (body.data as { user?: Record<string, unknown> } | undefined)?.user;
    return user ? toDirectoryUser(user, ROOT) : undefined;
  } catch (err) {
    if (err instanceof DirectoryFetchError && (err.code === 41050 || err.code === 40013)) return undefined;
    throw err;
  }
}

export async function fetchLarkDirectory(
  config: LarkClientConfig,
  options: LarkDirectoryOptions = {},
): Promise<FetchedDirectory> {
  const session = larkContactSession(config, options);

  async function* pages(path: string, params: Record<string, string>) {
    let pageToken: string | undefined;
    do {
      const q = new URLSearchParams({
        ...params,
        page_size: String(PAGE_SIZE),
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      const body = await session.get(`${path}?${q}`);
      yield body.data?.items ?? [];
      pageToken = body.data?.has_more ? body.data.page_token : undefined;
    } while (pageToken);
  }

  const departments: DirectoryDepartment[] = [
    { id: ROOT, name: options.rootName ?? '全公司', parentId: null, leaderIds: [] },
  ];
  // https://open.feishu.cn/document/server-docs/contact-v3/department/children (fetch_child=true: all descendants)
  for await (const items of pages(`/open-apis/contact/v3/departments/${ROOT}/children`, {
    department_id_type: 'open_department_id',
    user_id_type: 'open_id',
    fetch_child: 'true',
  })) {
    for (const raw of items as Record<string, unknown>[]) {
      if ((raw.status as { is_deleted?: boolean } | undefined)?.is_deleted) continue;
      const leaders = Array.isArray(raw.leaders)
        ? (raw.leaders as { leaderID?: string; leaderType?: number }[])
            .sort((a, b) => (a.leaderType ?? 9) - (b.leaderType ?? 9))
            .map((l) => l.leaderID)
            .filter((x): x is string => !!x)
        : [];
      if (typeof raw.leader_user_id === 'string' && !leaders.includes(raw.leader_user_id))
        leaders.unshift(raw.leader_user_id);
      departments.push({
        id: String(raw.open_department_id),
        name: String(raw.name ?? ''),
        parentId: String(raw.parent_department_id ?? ROOT),
        leaderIds: leaders,
      });
    }
    options.onProgress?.({ phase: 'departments', done: departments.length, total: departments.length });
  }

  const users = new Map<string, DirectoryUser>();
  let done = 0;
  for (const d of departments) {
    // https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department (direct members only)
    for await (const items of pages('/open-apis/contact/v3/users/find_by_department', {
      department_id: d.id,
      department_id_type: 'open_department_id',
      user_id_type: 'open_id',
    })) {
      for (const raw of items as Record<string, unknown>[]) {
        const user = toDirectoryUser(raw, d.id);
        if (!user.userId || users.has(user.userId)) continue;
        users.set(user.userId, user);
      }
    }
    done++;
    options.onProgress?.({ phase: 'people', done, total: departments.length });
  }
  return { platform: 'lark', departments, users: [...users.values()], ...session.stats };
}
