// WeCom 打卡日报 (getcheckin_daydata), emulated for attendance connectors: 0点 timestamps,
// 1..100 userids, a span of at most 31 days, 48002 "api forbidden" while the app is not among
// 打卡's API apps, 301021 for an unknown userid in the list. Rules as read in
// https://developer.work.weixin.qq.com/document/path/93374; the 31-day span is our reading of
// the other 打卡 APIs' "不超过一个月", not checked live. Mounted by emulator.ts.

export interface WecomDayReport {
  userid: string;
  /** 0点 Unix timestamp of the local day. */
  date: number;
  checkin_count: number;
  regular_work_sec: number;
  /** exception 1 迟到, 2 早退, 3 缺卡, 4 旷工. */
  exceptions?: { exception: number; count: number; duration?: number }[];
}

export interface WecomCheckinState {
  reports: WecomDayReport[];
  /** False: the app is not configured under 打卡 → 可调用接口的应用 (48002). */
  granted: boolean;
  calls: number;
}

export function createWecomCheckin(): WecomCheckinState {
  return { reports: [], granted: true, calls: 0 };
}

type Json = Record<string, unknown>;

/** The answer to one getcheckin_daydata call (errcode 0 is added by the caller). */
export function checkinDayData(state: WecomCheckinState, body: Json, knownUser: (u: string) => boolean): Json {
  if (!state.granted) return { errcode: 48002, errmsg: 'api forbidden' };
  const { starttime, endtime, useridlist } = body;
  if (
    typeof starttime !== 'number' ||
    typeof endtime !== 'number' ||
    !Number.isInteger(starttime) ||
    starttime > endtime
  )
    return { errcode: 301075, errmsg: 'invalid starttime/endtime' };
  if (endtime - starttime > 31 * 86_400) return { errcode: 301075, errmsg: 'time span too long' };
  if (
    !Array.isArray(useridlist) ||
    !useridlist.length ||
    useridlist.length > 100 ||
    useridlist.some((u) => typeof u !== 'string' || !u.length || u.length > 64)
  )
    return { errcode: 301075, errmsg: 'useridlist must hold 1..100 userids' };
  if (useridlist.some((u) => !knownUser(u as string))) return { errcode: 301021, errmsg: 'userid invalid' };
  state.calls++;
  const wanted = new Set(useridlist as string[]);
  return {
    datas: state.reports
      .filter((r) => wanted.has(r.userid) && r.date >= starttime && r.date <= endtime)
      .map((r) => ({
        base_info: {
          date: r.date,
          record_type: 1,
          name: r.userid,
          name_ex: '',
          departs_name: '',
          acctid: r.userid,
          day_type: 0,
        },
        summary_info: {
          checkin_count: r.checkin_count,
          regular_work_sec: r.regular_work_sec,
          standard_work_sec: 8 * 3600,
          earliest_time: 0,
          lastest_time: 0,
        },
        holiday_infos: [],
        exception_infos: r.exceptions ?? [],
        sp_items: [],
      })),
  };
}
