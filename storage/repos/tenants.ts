// Which org a platform tenant (Lark tenant_key, WeCom corpid, DingTalk corpId) acts in, and
// which tenant an org's messages go to. One rule for inbound events, dashboard sign-in and
// outbound messages:
// - a tenant bound to an org (PUT /api/v1/orgs/<org>/tenants/<platform>) is that org;
// - with no binding on a platform and exactly one org, that org owns the platform (the
//   single-company deployment needs no setup);
// - anything else (an unbound tenant beside bindings, or several orgs and no binding) is no
//   org at all: it must not act in, sign in to, or receive messages of any org.
import { and, count, eq, sql } from 'drizzle-orm';
import type { Store } from '../db';
import { preparedQuery } from '../prepared';
import { organizations, platformTenants, type Platform } from '../schema';

// Asked for every inbound event and every delivered message: prepared once (storage/prepared.ts).
const bindingCount = preparedQuery((db) =>
  db
    .select({ n: count() })
    .from(platformTenants)
    .where(eq(platformTenants.platform, sql.placeholder('platform')))
    .prepare(),
);
const twoOrgs = preparedQuery((db) => db.select({ id: organizations.id }).from(organizations).limit(2).prepare());
const boundOrg = preparedQuery((db) =>
  db
    .select({ orgId: platformTenants.orgId })
    .from(platformTenants)
    .where(
      and(
        eq(platformTenants.platform, sql.placeholder('platform')),
        eq(platformTenants.tenantKey, sql.placeholder('tenantKey')),
      ),
    )
    .prepare(),
);
const bindingsOn = preparedQuery((db) =>
  db
    .select({ orgId: platformTenants.orgId, tenantKey: platformTenants.tenantKey })
    .from(platformTenants)
    .where(eq(platformTenants.platform, sql.placeholder('platform')))
    .prepare(),
);

async function platformHasBindings(store: Store, platform: Platform): Promise<boolean> {
  const [row] = await bindingCount(store.db).all({ platform });
  return (row?.n ?? 0) > 0;
}

/** The only org, when there is exactly one. */
async function soleOrg(store: Store): Promise<string | undefined> {
  const orgs = await twoOrgs(store.db).all();
  return orgs.length === 1 ? orgs[0].id : undefined;
}

/** The org a tenant of `platform` acts in, or undefined when it is bound to none. */
export async function orgOfTenant(
  store: Store,
  platform: Platform,
  tenantKey: string | undefined,
): Promise<string | undefined> {
  if (tenantKey) {
    const [bound] = await boundOrg(store.db).all({ platform, tenantKey });
    if (bound) return bound.orgId;
  }
  if (await platformHasBindings(store, platform)) return undefined;
  return soleOrg(store);
}

export type OrgTenant =
  /** Bound explicitly: messages must go through credentials of this tenant. */
  | { kind: 'bound'; tenantKey: string; tenantsOnPlatform: number }
  /** The only org and no binding on the platform: whatever tenant the credentials serve. */
  | { kind: 'sole' };

/** The tenant an org's messages on `platform` go to, or undefined when it has none. */
export async function tenantOfOrg(store: Store, orgId: string, platform: Platform): Promise<OrgTenant | undefined> {
  const bound = await bindingsOn(store.db).all({ platform });
  const mine = bound.find((b) => b.orgId === orgId);
  if (mine) return { kind: 'bound', tenantKey: mine.tenantKey, tenantsOnPlatform: bound.length };
  if (bound.length) return undefined;
  return (await soleOrg(store)) === orgId ? { kind: 'sole' } : undefined;
}
