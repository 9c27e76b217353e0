// /api/v1/directory: sync the org chart and identities from a platform's
// directory (docs/directory.md). The org comes from X-Polaris-Org as elsewhere.
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { DirectoryFetchError } from '../../core/directory';
import { DirectoryUnavailable, DirectoryWrongTenant, runDirectorySync } from '../directory/run';
import type { AppEnv } from '../services';
import { readBody } from './body';
import { ApiError, badRequest } from './errors';
import { resolveOrg } from './org';
import { allIdentities } from '../../storage/repos/people';
import { auditLog } from '../../storage/schema';

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
    if (err instanceof DirectoryWrongTenant) throw new ApiError(409, 'directory_wrong_tenant', err.message);
    if (err instanceof DirectoryFetchError)
      throw new ApiError(502, err.permission ? 'directory_permission' : 'directory_unavailable', err.message);
    throw err;
  }
});

/**
 * Platform users who wrote to the bot but match nobody: those the directory
 * knows (with their name) and, from installs without a directory, the unknown
 * senders. Latest first, once per platform user, and only while still unbound.
 */
directoryRoutes.get('/unmatched', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const rows = await store.db
    .select()
    .from(auditLog)
    .where(
      and(
        inArray(auditLog.action, ['directory.unmatched', 'unknown_sender']),
        or(eq(auditLog.orgId, org.id), isNull(auditLog.orgId)),
      ),
    )
    .orderBy(desc(auditLog.createdAt))
    .limit(2000);
  const bound = new Set((await allIdentities(store, org.id)).map((i) => `${i.platform}:${i.platformUserId}`));
  const seen = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const data = (r.data ?? {}) as { platform?: string; name?: string | null; email?: string | null };
    const key = `${data.platform}:${r.entityId}`;
    if (bound.has(key)) continue;
    const prev = seen.get(key);
    if (prev) {
      // Keep the latest sighting, completed with what the directory lookup found.
      if (r.action === 'directory.unmatched') {
        prev.in_directory = true;
        prev.name = data.name ?? prev.name;
        prev.email = data.email ?? prev.email;
      }
      continue;
    }
    seen.set(key, {
      platform: data.platform ?? null,
      platform_user_id: r.entityId,
      name: data.name ?? null,
      email: data.email ?? null,
      in_directory: r.action === 'directory.unmatched',
      last_seen: r.createdAt,
    });
  }
  return c.json({ items: [...seen.values()] });
});
