// One directory sync of one org from one platform: fetch the platform's
// directory with the server's credentials for it, then reconcile (sync.ts).
// Shared by POST /api/v1/directory/sync, `polaris sync-directory` and the
// `directory-sync` job.
import type { Clock } from '../../core/clock';
import type { DirectoryProgress } from '../../core/directory';
import type { Platform } from '../../core/types';
import type { Store } from '../../storage/db';
import type { Config } from '../config';
import { fetchPlatformDirectory } from '../platforms-directory';

export { DIRECTORY_PLATFORMS, DirectoryUnavailable } from '../platforms-directory';
import { type SyncSummary, syncDirectory } from './sync';

export interface RunSyncOptions {
  dryRun?: boolean;
  clock: Clock;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (p: DirectoryProgress) => void;
}

export async function runDirectorySync(
  store: Store,
  config: Config,
  org: { id: string; name: string },
  platform: Platform,
  options: RunSyncOptions,
): Promise<SyncSummary & { api_calls?: number }> {
  const snapshot = await fetchPlatformDirectory(config, platform, org, options);
  const summary = await syncDirectory(store, org.id, snapshot, { dryRun: options.dryRun, clock: options.clock });
  return { ...summary, api_calls: snapshot.apiCalls };
}
