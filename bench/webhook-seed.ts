// The database the webhook bench runs against: the demo org (星火教育集团, real
// migrations, WAL), its Lark tenant bound as a deployment would bind it, and
// the messages its people would send: `KRn <value> 信心 <c>` check-ins on their
// own manual KRs (values between start and target) mixed with `我的OKR`.
import Database from 'better-sqlite3';
import { and, eq } from 'drizzle-orm';
import { loadPersonOkrView } from '../src/chat/okr-view';
import { loadDemo } from '../storage/seed/demo';
import { identities, people, platformTenants } from '../storage/schema';
import { openSqlite } from '../storage/sqlite';
import type { Store } from '../storage/db';
import type { MessageSpec } from './webhook-events';
import { mulberry32 } from '../storage/seed/prng';
import { generateOrg } from './generate';

/** Seeds `path` and returns the message mix (about 3 check-ins to 1 `我的OKR`), shuffled. */
export async function seedWebhookDb(
  path: string,
  tenantKey: string,
): Promise<{ specs: MessageSpec[]; people: number }> {
  const store = openSqlite(path);
  try {
    const now = new Date();
    const demo = await loadDemo(store, { now });
    await store.db.insert(platformTenants).values({ platform: 'lark', tenantKey, orgId: demo.orgId });
    const specs = await messageSpecs(store, demo.orgId, now);
    return { specs: specs.specs, people: specs.people };
  } finally {
    // Closing checkpoints the WAL, so the file alone can be copied for each run.
    store.close();
  }
}

/**
 * The messages an org's people on Lark would send (up to `limit` people): `KRn <value> 信心 <c>`
 * check-ins on their own manual KRs (values between start and target) and `我的OKR`, shuffled.
 */
export async function messageSpecs(
  store: Store,
  orgId: string,
  now: Date,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ specs: MessageSpec[]; people: number }> {
  const rows = (
    await store.db
      .select({ person: people, openId: identities.platformUserId })
      .from(identities)
      .innerJoin(people, eq(people.id, identities.personId))
      .where(and(eq(identities.orgId, orgId), eq(identities.platform, 'lark')))
  ).slice(0, limit);
  const random = mulberry32(42);
  const specs: MessageSpec[] = [];
  for (const { person, openId } of rows) {
    const view = await loadPersonOkrView(store, orgId, person, now);
    const krs = view.krs.filter((k) => k.progressMode === 'manual' && (k.kind === 'number' || k.kind === 'percent'));
    for (const kr of krs) {
      for (let i = 0; i < 3; i++) {
        const value = Math.round((kr.start + (kr.target - kr.start) * random()) * 10) / 10;
        specs.push({ openId, text: `KR${kr.number} ${value} 信心 ${1 + Math.floor(random() * 10)}` });
      }
    }
    if (view.krs.length)
      specs.push(...Array.from({ length: Math.max(1, Math.round(krs.length)) }, () => ({ openId, text: '我的OKR' })));
  }
  for (let i = specs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [specs[i], specs[j]] = [specs[j], specs[i]];
  }
  return { specs, people: rows.length };
}

/**
 * A generated org of `people` (bench/generate.ts: about 10 per team, five KRs each) in a fresh,
 * migrated SQLite file at `path`, every person on Lark as `ou_<person id>`, the org bound to
 * `tenantKey`; returns its org id. bench/burst.ts and test/e2e/burst.test.ts run on it.
 */
export function seedGeneratedLarkOrg(path: string, people: number, tenantKey: string): string {
  openSqlite(path).close(); // migrate
  const raw = new Database(path);
  try {
    const org = generateOrg(raw, { people, teams: Math.max(1, Math.round(people / 10)) });
    raw
      .prepare(
        `INSERT OR IGNORE INTO identities (org_id, person_id, platform, platform_user_id) SELECT org_id, id, 'lark', 'ou_' || id FROM people WHERE org_id = ?`,
      )
      .run(org.orgId);
    raw
      .prepare(`INSERT INTO platform_tenants (platform, tenant_key, org_id) VALUES ('lark', ?, ?)`)
      .run(tenantKey, org.orgId);
    return org.orgId;
  } finally {
    raw.close();
  }
}

/** Up to `count` of `specs`, one message per person in turn, so that a burst comes from every person. */
export function roundRobinByPerson(specs: MessageSpec[], count: number): MessageSpec[] {
  const byPerson = new Map<string, MessageSpec[]>();
  for (const spec of specs) byPerson.set(spec.openId, [...(byPerson.get(spec.openId) ?? []), spec]);
  const queues = [...byPerson.values()];
  const out: MessageSpec[] = [];
  for (let round = 0; out.length < count && queues.some((q) => q.length > round); round++)
    for (const q of queues) if (q[round] && out.length < count) out.push(q[round]);
  return out;
}
