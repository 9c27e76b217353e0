// One directory sync of one org from one platform: fetch the platform's
// directory with the server's credentials for it, then reconcile (sync.ts).
// Shared by POST /api/v1/directory/sync, `polaris sync-directory` and the
// `directory-sync` job.
import { fetchLarkDirectory, type DirectoryProgress } from '../../bots/lark/directory';
import type { Clock } from '../../core/clock';
import type { DirectorySnapshot } from '../../core/directory';
import type { Platform } from '../../core/types';
import type { Store } from '../../storage/db';
import type { Config } from '../config';
import { type SyncSummary, syncDirectory } from './sync';

export interface RunSyncOptions {
  dryRun?: boolean;
  clock: Clock;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (p: DirectoryProgress) => void;
}

export class DirectoryUnavailable extends Error {}

/** The platforms whose directory fetcher exists today. */
export const DIRECTORY_PLATFORMS: readonly Platform[] = ['lark'];

export async function fetchDirectory(
  config: Config,
  platform: Platform,
  org: { name: string },
  options: Omit<RunSyncOptions, 'dryRun' | 'clock'>,
): Promise<DirectorySnapshot & { apiCalls?: number }> {
  if (platform === 'lark') {
    if (!config.lark)
      throw new DirectoryUnavailable('Lark is not configured on this server (LARK_APP_ID/LARK_APP_SECRET).');
    return fetchLarkDirectory(config.lark, { ...options, rootName: org.name });
  }
  throw new DirectoryUnavailable(`Directory sync from ${platform} is not available yet; Lark is.`);
}

export async function runDirectorySync(
  store: Store,
  config: Config,
  org: { id: string; name: string },
  platform: Platform,
  options: RunSyncOptions,
): Promise<SyncSummary & { api_calls?: number }> {
  const snapshot = await fetchDirectory(config, platform, org, options);
  const summary = await syncDirectory(store, org.id, snapshot, { dryRun: options.dryRun, clock: options.clock });
  return { ...summary, api_calls: snapshot.apiCalls };
}
