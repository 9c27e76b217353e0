// Who is looking at the dashboard and what they may see:
// - the admin token (session or bearer) → everything, in any org;
// - a person with role 'admin', marked as a leader (`people.leader`, set through the API), or at the top of
//   the org tree (no manager, and reports or a top-level team) → everything in their org;
// - a manager (has reports or manages a team) → their own objectives, their reports'
//   (recursively) and their teams' (recursively), plus what hangs below those;
// - anyone else → their own objectives and what hangs below them.
// Everyone sees the company's objectives and their (north-star) KRs, with progress: every person should know
// what their work is for. Ancestors of what one may see are shown as context (the chain to the north star).
import { asc, eq, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AppEnv } from '../services';
import { allRows, type Store } from '../../storage/db';
import { organizations, people } from '../../storage/schema';
import { timingSafeEqualStrings } from '../api/auth';
import { findOrg, type Org } from '../api/org';
import { sessionCookie, verifySession, type SessionClaims } from './session';
import { ErrorCode, PolarisError } from '../../core/errors';

export type Person = typeof people.$inferSelect;

export type Scope =
  | { kind: 'all' }
  | { kind: 'team' | 'self'; personIds: ReadonlySet<string>; teamIds: ReadonlySet<string> };

export interface Viewer {
  claims: SessionClaims;
  org: Org;
  /** Every org the viewer may switch to (the admin token: all of them). */
  orgs: Org[];
  person?: Person;
  scope: Scope;
}

export class NoOrgError extends PolarisError {
  override readonly name = 'NoOrgError';
  constructor(message: string) {
    super(ErrorCode.NoOrganization, message);
  }
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '')?.[1]?.trim();
}

/** The session's claims, from the cookie or an `Authorization: Bearer <ADMIN_TOKEN>` header. */
export async function claimsOf(c: Context<AppEnv>): Promise<SessionClaims | undefined> {
  const { config, clock, authThrottle, clientOf } = c.get('deps');
  const token = config.adminToken;
  if (!token) return undefined;
  const given = bearer(c.req.header('authorization'));
  if (given) {
    // A blocked address gets nothing, even with the right token (src/auth-throttle.ts).
    if (authThrottle.retryAfterSeconds(clientOf(c))) return undefined;
    if (timingSafeEqualStrings(given, token)) return { sub: 'admin', via: 'bearer', exp: Infinity };
    authThrottle.fail(clientOf(c));
    return undefined;
  }
  return verifySession(c.get('deps').store, token, sessionCookie(c), clock.now());
}

/** The admin's org: `?org=` (slug or id), else the org with the most people (the real one, not an empty default). */
async function adminOrg(store: Store, wanted: string | undefined, orgs: Org[]): Promise<Org | undefined> {
  if (wanted) return findOrg(store, wanted);
  if (orgs.length <= 1) return orgs[0];
  const counts = await allRows<{
    orgId: string;
    n: number;
  }>(store, sql`SELECT org_id AS orgId, count(*) AS n FROM people GROUP BY org_id`);
  const size = new Map(counts.map((r) => [r.orgId, r.n]));
  return [...orgs].sort((a, b) => (size.get(b.id) ?? 0) - (size.get(a.id) ?? 0))[0];
}

export async function resolveViewer(c: Context<AppEnv>, claims: SessionClaims): Promise<Viewer | undefined> {
  const { store } = c.get('deps');
  if (claims.sub === 'admin') {
    const orgs = await store.db.select().from(organizations).orderBy(asc(organizations.createdAt));
    const org = await adminOrg(store, c.req.query('org') || undefined, orgs);
    if (!org) throw new NoOrgError('No organisation exists yet.');
    return { claims, org, orgs, scope: { kind: 'all' } };
  }
  const [person] = await store.db.select().from(people).where(eq(people.id, claims.sub)).limit(1);
  if (!person || (claims.org && person.orgId !== claims.org)) return undefined; // deleted or moved since sign-in
  const [org] = await store.db.select().from(organizations).where(eq(organizations.id, person.orgId)).limit(1);
  if (!org) return undefined;
  return { claims, org, orgs: [org], person, scope: await scopeOf(store, person) };
}

export async function scopeOf(store: Store, person: Person): Promise<Scope> {
  if (person.role === 'admin' || person.leader) return { kind: 'all' };
  const reports = await allRows<{ id: string }>(
    store,
    sql`
    WITH RECURSIVE r(id) AS (
      SELECT id FROM people WHERE manager_id = ${person.id} AND org_id = ${person.orgId}
      UNION SELECT p.id FROM people p JOIN r ON p.manager_id = r.id WHERE p.org_id = ${person.orgId}
    ) SELECT id FROM r`,
  );
  const teams = await allRows<{ id: string; root: number }>(
    store,
    sql`
    WITH RECURSIVE t(id, root) AS (
      SELECT id, parent_id IS NULL FROM teams WHERE manager_id = ${person.id} AND org_id = ${person.orgId}
      UNION SELECT x.id, 0 FROM teams x JOIN t ON x.parent_id = t.id WHERE x.org_id = ${person.orgId}
    ) SELECT id, root FROM t`,
  );
  // The top of the org tree (no manager of their own, and people or a top-level team under them) sees it all.
  if (!person.managerId && (reports.length > 0 || teams.some((t) => t.root))) return { kind: 'all' };
  const personIds = new Set([person.id, ...reports.map((r) => r.id)]);
  const teamIds = new Set(teams.map((t) => t.id));
  return { kind: personIds.size > 1 || teamIds.size > 0 ? 'team' : 'self', personIds, teamIds };
}
