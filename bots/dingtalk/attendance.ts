// DingTalk (钉钉) attendance for connectors: the punch results (打卡结果) of the org's people
// through the classic oapi (DINGTALK_OAPI_BASE), with the app's access token (the token of
// /v1.0/oauth2/accessToken is accepted there too). The app needs the attendance read permission
// that covers 获取打卡结果 (see the README); without it DingTalk answers errcode 88 / sub_code 60011.
import { localDate } from '../../core/time';
import {
  SourceError,
  type AttendanceDay,
  type FetchedAttendance,
  type SourceFetchOptions,
} from '../../core/connectors';
import { retryOnBodyCode, snippet, sourceFetch, type SourceResponse } from '../common/source-fetch';
import type { DingtalkConfig } from './config';

/** System busy and flow control: retried. https://open.dingtalk.com/document/orgapp/server-api-error-codes-1 */
const TRANSIENT = new Set([-1, 90002, 90018]);
const HINT =
  'Grant the app the attendance permission for 获取打卡结果 in the DingTalk developer console (权限管理 → 考勤) and put the people in its contacts range.';

interface DingBody {
  errcode?: number;
  errmsg?: string;
  sub_code?: string;
  accessToken?: string;
  hasMore?: boolean;
  recordresult?: DingRecord[];
}

interface DingRecord {
  userId?: string;
  workDate?: number;
  userCheckTime?: number;
  checkType?: string;
  timeResult?: string;
}

function parse(res: SourceResponse, label: string): DingBody {
  try {
    const body = JSON.parse(res.text) as DingBody;
    if (body && typeof body === 'object') return body;
  } catch {
    /* below */
  }
  throw new SourceError(`${label}: DingTalk answered HTTP ${res.status} that is not JSON${snippet(res.text)}`, false);
}

/** The punch results of one person's day → attendance facts (Late and SeriousLate count as late). */
export function dingtalkAttendanceDays(records: DingRecord[], timeZone: string): AttendanceDay[] {
  const byDay = new Map<string, DingRecord[]>();
  for (const r of records) {
    if (!r.userId || typeof r.workDate !== 'number') continue;
    const key = `${r.userId}\u0000${localDate(new Date(r.workDate), timeZone)}`;
    byDay.set(key, [...(byDay.get(key) ?? []), r]);
  }
  return [...byDay.entries()].map(([key, list]) => {
    const [userId, date] = key.split('\u0000');
    const punched = list.filter(
      (r) => r.timeResult !== 'NotSigned' && r.timeResult !== 'Absenteeism' && typeof r.userCheckTime === 'number',
    );
    const times = punched.map((r) => r.userCheckTime!);
    const first = Math.min(...times);
    const last = Math.max(...times);
    return {
      userId,
      date,
      present: punched.length > 0,
      late: list.filter((r) => r.checkType === 'OnDuty' && (r.timeResult === 'Late' || r.timeResult === 'SeriousLate'))
        .length,
      workHours: times.length >= 2 && last > first ? Math.round(((last - first) / 3_600_000) * 100) / 100 : null,
    };
  });
}

export async function fetchDingtalkAttendance(
  config: DingtalkConfig,
  query: { userIds: string[]; from: string; to: string; timeZone: string },
  options: SourceFetchOptions = {},
): Promise<FetchedAttendance> {
  const stats = { requests: 0 };
  const retryOn = retryOnBodyCode('errcode', TRANSIENT);
  async function call(label: string, url: string, body: unknown): Promise<DingBody> {
    const res = await sourceFetch(
      {
        url,
        label,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        retryOn,
      },
      { ...options, stats },
    );
    const parsed = parse(res, label);
    if (res.status >= 400 || parsed.errcode) {
      if (parsed.errcode === 88 || parsed.sub_code === '60011' || res.status === 403)
        throw new SourceError(
          `${label}: DingTalk refused (${parsed.errcode ?? res.status}${parsed.sub_code ? `/${parsed.sub_code}` : ''}: ${parsed.errmsg ?? ''}). ${HINT}`,
          false,
          true,
        );
      throw new SourceError(
        `${label}: DingTalk answered ${parsed.errcode ?? `HTTP ${res.status}`}: ${parsed.errmsg ?? ''}`,
        false,
      );
    }
    return parsed;
  }

  // https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
  const auth = await call('DingTalk oauth2/accessToken', `${config.apiBase}/v1.0/oauth2/accessToken`, {
    appKey: config.clientId,
    appSecret: config.clientSecret,
  });
  if (!auth.accessToken) throw new SourceError('DingTalk gave no accessToken', false);
  const oapi = config.oapiBase ?? 'https://oapi.dingtalk.com';
  const records: DingRecord[] = [];
  for (let i = 0; i < query.userIds.length; i += 50) {
    for (let offset = 0; ; offset += 50) {
      // https://open.dingtalk.com/document/orgapp/open-attendance-clock-in-data (≤ 50 users, ≤ 7 days, limit ≤ 50)
      const body = await call(
        'DingTalk attendance/list',
        `${oapi}/attendance/list?access_token=${encodeURIComponent(auth.accessToken)}`,
        {
          workDateFrom: `${query.from} 00:00:00`,
          workDateTo: `${query.to} 00:00:00`,
          userIdList: query.userIds.slice(i, i + 50),
          offset,
          limit: 50,
        },
      );
      records.push(...(body.recordresult ?? []));
      if (!body.hasMore) break;
    }
  }
  const days = dingtalkAttendanceDays(records, query.timeZone);
  const seen = new Set(days.map((d) => d.userId));
  return { days, skippedUsers: query.userIds.filter((u) => !seen.has(u)), requests: stats.requests };
}
