// WeCom (企业微信) attendance for connectors: the daily check-in report (打卡日报) of the org's
// people. The app must be listed under 打卡 → API → 可调用接口的应用 (self-built apps), else
// WeCom answers 48002 "api forbidden"; the people must be in the app's visible range.
import { localDate, localMidnight } from '../../core/time';
import {
  SourceError,
  type AttendanceDay,
  type FetchedAttendance,
  type SourceFetchOptions,
} from '../../core/connectors';
import { retryOnBodyCode, snippet, sourceFetch, type SourceResponse } from '../common/source-fetch';
import type { WecomConfig } from './config';

/** System busy and frequency limits: retried. https://developer.work.weixin.qq.com/document/path/90313 */
const TRANSIENT = new Set([-1, 45009, 45033]);
/** Not allowed: the app is not among 打卡's API apps (48002), or the server IP is not trusted (60020). */
const PERMISSION = new Set([48002, 60020, 301002]);
const HINT =
  'Add the app under 打卡 → API → 可调用接口的应用 in the WeCom admin console, put the people in its visible range, and add this server’s IP to its trusted IPs.';

interface WecomBody {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  datas?: unknown[];
}

function parse(res: SourceResponse, label: string): WecomBody {
  try {
    const body = JSON.parse(res.text) as WecomBody;
    if (body && typeof body === 'object') return body;
  } catch {
    /* below */
  }
  throw new SourceError(`${label}: WeCom answered HTTP ${res.status} that is not JSON${snippet(res.text)}`, false);
}

interface DayData {
  base_info?: { date?: number; acctid?: string };
  summary_info?: { checkin_count?: number; regular_work_sec?: number };
  exception_infos?: { exception?: number; count?: number }[];
}

/** One day report → attendance facts. Exception 1 is 迟到 (late), 3 缺卡 (missing punch), 4 旷工 (absent). */
export function wecomAttendanceDay(data: DayData, timeZone: string): AttendanceDay | undefined {
  const userId = data.base_info?.acctid;
  const date = data.base_info?.date;
  if (!userId || typeof date !== 'number') return undefined;
  const exceptions = data.exception_infos ?? [];
  const count = (kind: number) =>
    exceptions.filter((e) => e.exception === kind).reduce((n, e) => n + (e.count ?? 0), 0);
  const punches = data.summary_info?.checkin_count ?? 0;
  const seconds = data.summary_info?.regular_work_sec ?? 0;
  return {
    userId,
    date: localDate(new Date(date * 1000), timeZone),
    present: punches > 0 && count(4) === 0,
    late: count(1),
    workHours: punches >= 2 ? Math.round((seconds / 3600) * 100) / 100 : null,
  };
}

export async function fetchWecomAttendance(
  config: WecomConfig,
  query: { userIds: string[]; from: string; to: string; timeZone: string },
  options: SourceFetchOptions = {},
): Promise<FetchedAttendance> {
  const stats = { requests: 0 };
  const retryOn = retryOnBodyCode('errcode', TRANSIENT);
  async function call(label: string, url: string, body?: unknown): Promise<WecomBody> {
    const res = await sourceFetch(
      {
        url,
        label,
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        retryOn,
      },
      { ...options, stats },
    );
    const parsed = parse(res, label);
    if (!parsed.errcode) return parsed;
    if (PERMISSION.has(parsed.errcode))
      throw new SourceError(
        `${label}: WeCom refused (${parsed.errcode}: ${parsed.errmsg ?? ''}). ${HINT}`,
        false,
        true,
      );
    throw new SourceError(`${label}: WeCom answered ${parsed.errcode}: ${parsed.errmsg ?? ''}`, false);
  }

  // https://developer.work.weixin.qq.com/document/path/91039
  const auth = await call(
    'WeCom gettoken',
    `${config.apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(config.corpId)}&corpsecret=${encodeURIComponent(config.secret)}`,
  );
  if (!auth.access_token) throw new SourceError('WeCom gave no access_token', false);
  const starttime = Math.floor(localMidnight(query.from, query.timeZone).getTime() / 1000);
  const endtime = Math.floor(localMidnight(query.to, query.timeZone).getTime() / 1000);
  const days: AttendanceDay[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < query.userIds.length; i += 100) {
    // https://developer.work.weixin.qq.com/document/path/93374 (≤ 100 userids, 0点 timestamps, 100 calls/min)
    const body = await call(
      'WeCom checkin/getcheckin_daydata',
      `${config.apiBase}/cgi-bin/checkin/getcheckin_daydata?access_token=${encodeURIComponent(auth.access_token)}`,
      { starttime, endtime, useridlist: query.userIds.slice(i, i + 100) },
    );
    for (const raw of (body.datas as DayData[] | undefined) ?? []) {
      const day = wecomAttendanceDay(raw, query.timeZone);
      if (day) {
        days.push(day);
        seen.add(day.userId);
      }
    }
  }
  return { days, skippedUsers: query.userIds.filter((u) => !seen.has(u)), requests: stats.requests };
}
