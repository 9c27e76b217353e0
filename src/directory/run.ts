// One directory sync of one org from one platform: fetch the platform's
// directory with the server's credentials for it, then reconcile (sync.ts).
// Shared by POST /api/v1/directory/sync, `polaris sync-directory` and the
// `directory-sync` job.
import type { Clock } from '../../core/clock';
import type { DirectoryProgress } from '../../core/directory';
import type { Platform } from '../../core/types';
import type { Store } from '../../storage/db';
import type { Config } from '../config';
import { tenantOfOrg } from '../../storage/repos/tenants';
import { fetchPlatformDirectory } from '../platforms-directory';

export { DIRECTORY_PLATFORMS, DirectoryUnavailable } from '../platforms-directory';

/** The server's credentials for this platform do not serve this org's tenant: syncing would import another company. */
export class DirectoryWrongTenant extends Error {}

/** The tenant the server's credentials for `platform` serve, when configuration names it. */
function credentialsTenant(config: Config, platform: Platform): string | undefined {
  if (platform === 'lark') return config.lark?.tenantKey;
  if (platform === 'wecom') return config.wecom?.corpId;
  return config.dingtalk?.corpId;
}

const TENANT_SETTING: Record<Platform, string> = {
  lark: 'LARK_TENANT_KEY',
  wecom: 'WECOM_CORP_ID',
  dingtalk: 'DINGTALK_CORP_ID',
};

/**
 * An org reads a platform's directory only through credentials that serve its own tenant, the rule
 * the outbox follows for messages (storage/repos/tenants.ts): the org's bound tenant must be the
 * credentials' tenant (or, when configuration does not name it, the only tenant bound on the
 * platform); an org with no binding reads it only as the installation's only org.
 */
export async function checkDirectoryTenant(
  store: Store,
  config: Config,
  org: { id: string; name: string },
  platform: Platform,
): Promise<void> {
  const tenant = await tenantOfOrg(store, org.id, platform);
  if (!tenant)
    throw new DirectoryWrongTenant(
      `Organisation "${org.name}" has no ${platform} tenant: bind it first with PUT /api/v1/orgs/<org>/tenants/${platform}.`,
    );
  if (tenant.kind === 'sole') return;
  const served = credentialsTenant(config, platform);
  if (served === tenant.tenantKey) return;
  if (served === undefined && tenant.tenantsOnPlatform === 1) return;
  throw new DirectoryWrongTenant(
    served === undefined
      ? `Several organisations have ${platform} tenants and ${TENANT_SETTING[platform]} is not set: the server cannot tell whose directory its credentials read.`
      : `The server's ${platform} credentials serve tenant "${served}", but organisation "${org.name}" is bound to "${tenant.tenantKey}": its directory is not readable with them.`,
  );
}
import { type SyncSummary, syncDirectory } from './sync';

export interface RunSyncOptions {
  dryRun?: boolean;
  clock: Clock;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (p: DirectoryProgress) => void;
  now?: () => number;
  created?: { personId: string; platformUserId: string }[];
}

export async function runDirectorySync(
  store: Store,
  config: Config,
  org: { id: string; name: string },
  platform: Platform,
  options: RunSyncOptions,
): Promise<SyncSummary & { api_calls?: number }> {
  await checkDirectoryTenant(store, config, org, platform);
  const snapshot = await fetchPlatformDirectory(config, platform, org, options);
  const summary = await syncDirectory(store, org.id, snapshot, {
    dryRun: options.dryRun,
    clock: options.clock,
    created: options.created,
  });
  return { ...summary, api_calls: snapshot.apiCalls };
}
