// The platform directory fetchers behind one platform-neutral face, so that
// src/directory stays free of platform knowledge (test/boundary.test.ts).
import { fetchDingtalkDirectory, fetchDingtalkUser } from '../bots/dingtalk/directory';
import { fetchLarkDirectory, fetchLarkUser } from '../bots/lark/directory';
import { fetchWecomDirectory, fetchWecomUser } from '../bots/wecom/directory';
import type { DirectoryProgress, DirectoryUser, FetchedDirectory } from '../core/directory';
import type { Platform } from '../core/types';
import type { Config } from './config';

export class DirectoryUnavailable extends Error {}

/** The platforms whose directory fetcher exists. */
export const DIRECTORY_PLATFORMS: readonly Platform[] = ['lark', 'wecom', 'dingtalk'];

export interface FetchOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (p: DirectoryProgress) => void;
  /** The pacer's clock (tests move it with `sleep`). */
  now?: () => number;
}

export async function fetchPlatformDirectory(
  config: Config,
  platform: Platform,
  org: { name: string },
  options: FetchOptions = {},
): Promise<FetchedDirectory> {
  if (platform === 'lark') {
    if (!config.lark)
      throw new DirectoryUnavailable('Lark is not configured on this server (LARK_APP_ID/LARK_APP_SECRET).');
    return fetchLarkDirectory(config.lark, { ...options, rootName: org.name });
  }
  if (platform === 'wecom') {
    if (!config.wecom)
      throw new DirectoryUnavailable('WeCom is not configured on this server (WECOM_CORP_ID/WECOM_SECRET).');
    return fetchWecomDirectory(config.wecom, { ...options, rootName: org.name });
  }
  if (platform === 'dingtalk') {
    if (!config.dingtalk)
      throw new DirectoryUnavailable(
        'DingTalk is not configured on this server (DINGTALK_CLIENT_ID/DINGTALK_CLIENT_SECRET).',
      );
    return fetchDingtalkDirectory(config.dingtalk, { ...options, rootName: org.name });
  }
  throw new DirectoryUnavailable(`Directory sync from ${platform} is not available.`);
}

/** One platform user, for self-service binding; undefined where there is no fetcher or no such user. */
export async function fetchPlatformUser(
  config: Config,
  platform: Platform,
  platformUserId: string,
  options: FetchOptions = {},
): Promise<DirectoryUser | undefined> {
  if (platform === 'lark' && config.lark) return fetchLarkUser(config.lark, platformUserId, options);
  if (platform === 'wecom' && config.wecom) return fetchWecomUser(config.wecom, platformUserId, options);
  if (platform === 'dingtalk' && config.dingtalk) return fetchDingtalkUser(config.dingtalk, platformUserId, options);
  return undefined;
}
