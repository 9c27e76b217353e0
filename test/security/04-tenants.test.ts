// Item 4 of the security review: sign-in and addressing respect the tenant. The same Lark
// open_id `ou_shared` exists in org A (as admin) and in org B. SSO answered with B's tenant
// must open B (not A with scope `all`); an org's messages go only through its own tenant;
// and an event from a tenant bound to no org acts in none.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOnNode } from '../../bots/common/emulator/serve';
import { createLarkEmulator } from '../../bots/lark/emulator';
import type { BotEvent } from '../../bots/types';
import { createPolaris } from '../../src/app';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { prepareOutbound } from '../../src/outbox/enqueue';
import { auditLog, identities, organizations, outbox, people, platformTenants } from '../../storage/schema';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';

const ADMIN = 'tenant-test-admin-token';
// The Lark emulator's OAuth answers every sign-in with this tenant_key.
const EMULATOR_TENANT = 'tenant_emulator';

let store: SqliteStore;
let db: ReturnType<typeof tempDbPath>;
let lark: ReturnType<typeof createLarkEmulator>;
let served: { url: string; close(): Promise<void> };

async function seedTwoOrgs() {
  await store.atomic([
    store.db.insert(organizations).values({ id: 'org_a', name: 'A', slug: 'a' }),
    store.db.insert(organizations).values({ id: 'org_b', name: 'B', slug: 'b' }),
    // A first, so a lookup by open_id alone finds A's admin.
    store.db.insert(people).values({ id: 'per_a', orgId: 'org_a', externalId: 'A1', name: 'A 管理员', role: 'admin' }),
    store.db.insert(people).values({ id: 'per_b', orgId: 'org_b', externalId: 'B1', name: 'B 员工' }),
    store.db
      .insert(identities)
      .values({ orgId: 'org_a', personId: 'per_a', platform: 'lark', platformUserId: 'ou_shared' }),
    store.db
      .insert(identities)
      .values({ orgId: 'org_b', personId: 'per_b', platform: 'lark', platformUserId: 'ou_shared' }),
  ]);
}

function app(env: Record<string, string> = {}) {
  return createPolaris({
    store,
    clock: fixedClock('2026-11-27T02:00:00Z'),
    config: loadConfig({
      ADMIN_TOKEN: ADMIN,
      LARK_APP_ID: 'cli_tenant',
      LARK_APP_SECRET: 'secret',
      LARK_VERIFICATION_TOKEN: 'vt',
      LARK_ENCRYPT_KEY: 'ek',
      LARK_DOMAIN: served.url,
      ...env,
    }),
    defer: () => {},
    deliverImmediately: false,
  });
}

beforeAll(async () => {
  lark = createLarkEmulator({ appId: 'cli_tenant', appSecret: 'secret', verificationToken: 'vt' });
  served = await serveOnNode(lark.app.fetch);
});
afterAll(async () => {
  await served.close();
});

/** The Lark sign-in as a workbench runs it: our start URL, the emulator's authorize page, our callback. */
async function signIn(server: ReturnType<typeof app>['app'], openId: string) {
  const start = await server.request('http://localhost/dashboard/sso/lark/start');
  const stateCookie = start.headers.get('set-cookie')!.split(';')[0];
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('user', openId);
  const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
  return server.request(`http://localhost${back.pathname}${back.search}`, { headers: { cookie: stateCookie } });
}

describe('dashboard SSO resolves the person by tenant', () => {
  it('a sign-in answered with B’s tenant opens B as B’s member, never A’s admin', async () => {
    db = tempDbPath();
    store = openSqlite(db.path);
    try {
      await seedTwoOrgs();
      await store.atomic([
        store.db.insert(platformTenants).values({ platform: 'lark', tenantKey: 'tenant_a', orgId: 'org_a' }),
        store.db.insert(platformTenants).values({ platform: 'lark', tenantKey: EMULATOR_TENANT, orgId: 'org_b' }),
      ]);
      const { app: server } = app();
      const back = await signIn(server, 'ou_shared');
      expect(back.status).toBe(200);
      const session = back.headers
        .getSetCookie()
        .find((c) => c.startsWith('polaris_dash='))!
        .split(';')[0];
      const cycles = await server.request('http://localhost/dashboard/data/cycles', { headers: { cookie: session } });
      expect(cycles.status).toBe(200);
      const page = await (await server.request('http://localhost/dashboard', { headers: { cookie: session } })).text();
      expect(page).toContain('B 员工');
      expect(page).not.toContain('A 管理员');
    } finally {
      store.close();
      db.cleanup();
    }
  });

  it('refuses a sign-in from a tenant bound to no org', async () => {
    db = tempDbPath();
    store = openSqlite(db.path);
    try {
      await seedTwoOrgs();
      await store.db.insert(platformTenants).values({ platform: 'lark', tenantKey: 'tenant_a', orgId: 'org_a' });
      const { app: server } = app();
      const back = await signIn(server, 'ou_shared');
      expect(back.status).toBe(403);
      expect(back.headers.get('set-cookie') ?? '').not.toContain('polaris_dash=');
    } finally {
      store.close();
      db.cleanup();
    }
  });
});

describe('events from an unbound tenant act in no org', () => {
  const event = (tenantKey: string, id: string): BotEvent => ({
    type: 'message',
    platform: 'lark',
    eventId: id,
    tenantKey,
    sender: { platformUserId: 'ou_only_a' },
    conversation: { id: 'p2p', type: 'direct' },
    replyTo: { platform: 'lark', kind: 'user', id: 'ou_only_a' },
    raw: null,
    text: '我的OKR',
    mentionedBot: false,
  });

  it('does not map an unbound tenant into the only org that has the user id', async () => {
    db = tempDbPath();
    store = openSqlite(db.path);
    try {
      await seedTwoOrgs();
      await store.atomic([
        store.db.insert(people).values({ id: 'per_a2', orgId: 'org_a', externalId: 'A2', name: 'A 员工' }),
        store.db
          .insert(identities)
          .values({ orgId: 'org_a', personId: 'per_a2', platform: 'lark', platformUserId: 'ou_only_a' }),
      ]);
      const { services } = app();
      // No binding at all, two orgs: tenant_x is nobody's.
      await services.dispatch(event('tenant_x', 'ev1'));
      // A binding for B only: tenant_x is still nobody's.
      await store.db.insert(platformTenants).values({ platform: 'lark', tenantKey: 'tenant_b', orgId: 'org_b' });
      await services.dispatch(event('tenant_x', 'ev2'));
      const unknown = await store.db.select().from(auditLog).where(eq(auditLog.action, 'unknown_sender'));
      expect(unknown).toHaveLength(2);
      const rows = await store.db.select().from(outbox);
      expect(rows.every((r) => r.orgId === null)).toBe(true); // only the "who are you" reply
    } finally {
      store.close();
      db.cleanup();
    }
  });
});

describe('outbound messages carry their org’s tenant', () => {
  async function digestTo(orgId: string, text: string, services: ReturnType<typeof app>['services']) {
    const { statement } = prepareOutbound(
      store,
      { operation: 'send', to: { platform: 'lark', kind: 'user', id: 'ou_shared' }, message: { text }, orgId },
      new Date('2026-11-27T02:00:00Z'),
    );
    await store.atomic([statement]);
    await services.outbox.drain();
  }
  const delivered = () => [...lark.messages.values()].map((m) => JSON.stringify(m.content));

  it('sends org B’s digest only through B’s tenant credentials, never to A’s person', async () => {
    db = tempDbPath();
    store = openSqlite(db.path);
    try {
      await seedTwoOrgs();
      await store.atomic([
        store.db.insert(platformTenants).values({ platform: 'lark', tenantKey: 'tenant_a', orgId: 'org_a' }),
        store.db.insert(platformTenants).values({ platform: 'lark', tenantKey: 'tenant_b', orgId: 'org_b' }),
      ]);
      lark.messages.clear();
      // The Lark app's credentials are tenant A's.
      const { services } = app({ LARK_TENANT_KEY: 'tenant_a' });
      await digestTo('org_a', 'A 周报 secret-a', services);
      await digestTo('org_b', 'B 周报 secret-b', services);
      expect(delivered().join()).toContain('secret-a');
      expect(delivered().join()).not.toContain('secret-b');
      const failed = await store.db.select().from(outbox).where(eq(outbox.orgId, 'org_b'));
      expect(failed[0]).toMatchObject({ status: 'failed' });
      expect(failed[0].lastError).toContain('tenant_b');

      // Credentials of no declared tenant carry neither once two tenants are bound.
      lark.messages.clear();
      const { services: undeclared } = app();
      await digestTo('org_a', 'A 周报 again-a', undeclared);
      await digestTo('org_b', 'B 周报 again-b', undeclared);
      expect(delivered()).toEqual([]);
    } finally {
      store.close();
      db.cleanup();
    }
  });
});
