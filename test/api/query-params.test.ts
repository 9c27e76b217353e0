// Query parameters users type by hand: `cycle=current` everywhere, and people
// search for names or ids containing LIKE's wildcard characters.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app';
import { seedSmallOrg } from '../helpers/fixtures';
import { people } from '../../storage/schema';

let t: ReturnType<typeof createTestApp>;
afterEach(() => t?.close());

describe('query parameters', () => {
  it('accepts cycle=current on tree and stats like on the other endpoints', async () => {
    t = createTestApp();
    await seedSmallOrg(t.store);
    for (const path of [
      '/api/v1/tree?cycle=current',
      '/api/v1/stats?cycle=current',
      '/api/v1/objectives?cycle=current',
    ]) {
      const res = await t.api('GET', path, undefined, { 'x-polaris-org': 'acme' });
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    }
    const unknown = await t.api('GET', '/api/v1/tree?cycle=1999 Q1', undefined, { 'x-polaris-org': 'acme' });
    expect(unknown.status).toBe(404);
  });

  it('searches people for a literal _ or % instead of treating them as wildcards', async () => {
    t = createTestApp();
    await seedSmallOrg(t.store);
    await t.store.db.insert(people).values([
      { id: 'per_x1', orgId: 'org_acme', externalId: 'A_B1', name: 'Underscore Person' },
      { id: 'per_x2', orgId: 'org_acme', externalId: 'AXB1', name: 'Wildcard Victim' },
    ]);
    const res = await t.api('GET', '/api/v1/people?q=A_B1', undefined, { 'x-polaris-org': 'acme' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { external_id: string }[] };
    expect(body.items.map((p) => p.external_id)).toEqual(['A_B1']);
  });
});
