// The platform directory fetchers behind one platform-neutral face, so that
// src/directory stays free of platform knowledge (test/boundary.test.ts).
import { fetchLarkDirectory, fetchLarkUser } from '../bots/lark/directory';
import type { DirectoryProgress, DirectoryUser, FetchedDirectory } from '../core/directory';
import type { Platform } from '../core/types';
import type { Config } from './config';

export class DirectoryUnavailable extends Error {}

/** The platforms whose directory fetcher exists today. */
export const DIRECTORY_PLATFORMS: readonly Platform[] = ['lark'];

export interface FetchOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (p: DirectoryProgress) => void;
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
  throw new DirectoryUnavailable(`Directory sync from ${platform} is not available yet; Lark is.`);
}

/** One platform user, for self-service binding; undefined where there is no fetcher or no such user. */
export async function fetchPlatformUser(
  config: Config,
  platform: Platform,
  platformUserId: string,
  options: FetchOptions = {},
): Promise<DirectoryUser | undefined> {
  if (platform === 'lark' && config.lark) return fetchLarkUser(config.lark, platformUserId, options);
  return undefined;
}
