// /api/v1/directory: sync the org chart and identities from a platform's
// directory (docs/directory.md). The org comes from X-Polaris-Org as elsewhere.
import { Hono } from 'hono';
import { z } from 'zod';
import { DirectoryFetchError } from '../../bots/lark/directory';
import { DirectoryUnavailable, runDirectorySync } from '../directory/run';
import type { AppEnv } from '../services';
import { readBody } from './body';
import { ApiError, badRequest } from './errors';
import { resolveOrg } from './org';

export const directoryRoutes = new Hono<AppEnv>();

const SyncSchema = z
  .object({
    platform: z.enum(['lark', 'wecom', 'dingtalk']),
    dry_run: z.boolean().optional(),
  })
  .strict();

directoryRoutes.post('/sync', async (c) => {
  const { store, config, clock } = c.get('deps');
  const org = await resolveOrg(c, store);
  const body = await readBody(c, SyncSchema);
  try {
    const summary = await runDirectorySync(store, config, org, body.platform, { dryRun: body.dry_run, clock });
    return c.json(summary);
  } catch (err) {
    if (err instanceof DirectoryUnavailable)
      throw badRequest(err.message, [{ field: 'platform', message: err.message }]);
    if (err instanceof DirectoryFetchError)
      throw new ApiError(502, err.permission ? 'directory_permission' : 'directory_unavailable', err.message);
    throw err;
  }
});
