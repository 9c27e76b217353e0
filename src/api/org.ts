// Which organisation an admin API call acts on: the `X-Polaris-Org` header or
// `?org=` (an org slug or id), else the only org there is, created on first use
// as "default". One ADMIN_TOKEN is the operator's: it may act on every org.
import { eq, or } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Store } from '../../storage/db';
import { organizations } from '../../storage/schema';
import { newId } from '../../storage/ids';
import { ApiError } from './errors';

export type Org = typeof organizations.$inferSelect;

export async function ensureDefaultOrg(store: Store): Promise<Org> {
  const existing = await store.db.select().from(organizations).limit(2);
  if (existing.length === 1) return existing[0];
  const found = await store.db.select().from(organizations).where(eq(organizations.slug, 'default')).limit(1);
  if (found[0]) return found[0];
  if (existing.length > 1)
    throw new ApiError(
      400,
      'org_required',
      'Several organisations exist: name one with the X-Polaris-Org header or ?org=.',
    );
  const org = { id: newId('org'), name: 'Default', slug: 'default', settings: {} };
  await store.db.insert(organizations).values(org).onConflictDoNothing();
  const [row] = await store.db.select().from(organizations).where(eq(organizations.slug, 'default'));
  return row;
}

export async function findOrg(store: Store, slugOrId: string): Promise<Org | undefined> {
  const [row] = await store.db
    .select()
    .from(organizations)
    .where(or(eq(organizations.slug, slugOrId), eq(organizations.id, slugOrId)))
    .limit(1);
  return row;
}

export async function resolveOrg(c: Context, store: Store): Promise<Org> {
  const wanted = c.req.header('x-polaris-org') ?? c.req.query('org');
  if (!wanted) return ensureDefaultOrg(store);
  const org = await findOrg(store, wanted);
  if (!org) throw new ApiError(404, 'not_found', `Organisation ${wanted} does not exist`);
  return org;
}
