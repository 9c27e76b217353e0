// Query plans of lookups every chat event makes: a full walk of an org's rows there costs each
// event tens of µs per lookup, and nothing else would notice it.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tempStores } from '../../test/helpers/app';
import { inJsonList } from '../prepared';
import { teams } from '../schema';

const store = tempStores();

describe('per-event lookups', () => {
  it('find the teams a person leads through an index on org and manager, not by walking the org', () => {
    const s = store();
    const { sql, params } = s.db
      .select({ id: teams.id })
      .from(teams)
      .where(and(eq(teams.orgId, 'org_1'), inJsonList(teams.managerId, 'personIds')))
      .toSQL();
    const plan = s.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params.map((p) => (typeof p === 'string' ? p : '["p_1"]'))) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toContain('teams_org_manager (org_id=? AND manager_id=?)');
  });
});
