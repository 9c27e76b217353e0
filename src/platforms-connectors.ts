// The platform connector sources behind one platform-neutral face, so that src/connectors stays
// free of platform knowledge (test/boundary.test.ts), as src/platforms-directory.ts does for
// directories.
import { fetchBitableRows, fetchLarkAttendance, type BitableSource } from '../bots/lark/connectors';
import { fetchWecomAttendance } from '../bots/wecom/checkin';
import { fetchDingtalkAttendance } from '../bots/dingtalk/attendance';
import { SourceError, type FetchedAttendance, type SourceFetchOptions, type SourceRows } from '../core/connectors';
import type { Platform } from '../core/types';
import type { Config } from './config';

const NOT_CONFIGURED: Record<Platform, string> = {
  lark: 'Lark is not configured on this server (LARK_APP_ID, LARK_APP_SECRET, …).',
  wecom: 'WeCom is not configured on this server (WECOM_CORP_ID, WECOM_SECRET, …).',
  dingtalk: 'DingTalk is not configured on this server (DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET, …).',
};

export function platformConfigured(config: Config, platform: Platform): boolean {
  return !!config[platform];
}

export async function fetchBitable(
  config: Config,
  source: BitableSource,
  options: SourceFetchOptions & { limit?: number } = {},
): Promise<SourceRows> {
  if (!config.lark) throw new SourceError(NOT_CONFIGURED.lark, false);
  return fetchBitableRows(config.lark, source, options);
}

/** Attendance days of `userIds` (the platform's user ids) for the local days [from, to]. */
export async function fetchAttendance(
  config: Config,
  platform: Platform,
  query: { userIds: string[]; from: string; to: string; timeZone: string },
  options: SourceFetchOptions = {},
): Promise<FetchedAttendance> {
  if (platform === 'lark' && config.lark) return fetchLarkAttendance(config.lark, query, options);
  if (platform === 'wecom' && config.wecom) return fetchWecomAttendance(config.wecom, query, options);
  if (platform === 'dingtalk' && config.dingtalk) return fetchDingtalkAttendance(config.dingtalk, query, options);
  throw new SourceError(NOT_CONFIGURED[platform], false);
}
