// The directory sync engine against a real SQLite file: mapping rules, matching
// existing people, leavers, admin edits, dry runs and bad directory input.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { fixedClock } from '../../core/clock';
import type { DirectorySnapshot, DirectoryUser } from '../../core/directory';
import { syncDirectory } from '../../src/directory/sync';
import { allIdentities, allPeople, allTeams } from '../../storage/repos/people';
import { people } from '../../storage/schema';
import { openSqlite, type SqliteStore } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';

const clock = fixedClock('2026-11-27T02:00:00Z');
let store: SqliteStore;
let cleanup: () => void;
const ORG = 'org_a';

beforeEach(() => {
  const db = tempDbPath();
  cleanup = db.cleanup;
  store = openSqlite(db.path);
  store.sqlite
    .prepare(`INSERT INTO organizations (id, name, slug) VALUES ('org_a', 'A', 'a'), ('org_b', 'B', 'b')`)
    .run();
});
afterEach(() => {
  store.close();
  cleanup();
});

const user = (userId: string, over: Partial<DirectoryUser> = {}): DirectoryUser => ({
  userId,
  name: userId.toUpperCase(),
  email: `${userId}@acme.test`,
  employeeNo: `E-${userId}`,
  title: null,
  departmentIds: ['d1'],
  leaderUserId: null,
  active: true,
  ...over,
});

function acme(): DirectorySnapshot {
  return {
    platform: 'lark',
    departments: [
      { id: '0', name: 'Acme', parentId: null, leaderIds: ['ceo'] },
      { id: 'd1', name: 'Sales', parentId: '0', leaderIds: ['boss'] },
      { id: 'd2', name: 'East', parentId: 'd1', leaderIds: ['lead'] },
    ],
    users: [
      user('ceo', { departmentIds: ['0'] }),
      user('boss'),
      user('lead', { departmentIds: ['d2'] }),
      user('ann', { departmentIds: ['d2'] }),
      user('bob', { departmentIds: ['d2'], leaderUserId: 'boss' }),
    ],
  };
}

const sync = (snapshot: DirectorySnapshot, dryRun = false, orgId = ORG) =>
  syncDirectory(store, orgId, snapshot, { clock, dryRun });

async function byName(orgId = ORG) {
  const ps = await allPeople(store, orgId);
  return new Map(ps.map((p) => [p.name, p]));
}

describe('directory sync', () => {
  it('builds teams with their hierarchy, people, managers and identities; a second sync writes nothing', async () => {
    const first = await sync(acme());
    expect(first).toMatchObject({
      teams_created: 3,
      people_created: 5,
      identities_bound: 5,
      people_deactivated: 0,
      conflicts: [],
    });
    const teams = new Map((await allTeams(store, ORG)).map((t) => [t.name, t]));
    expect(teams.get('East')!.parentId).toBe(teams.get('Sales')!.id);
    expect(teams.get('Sales')!.parentId).toBe(teams.get('Acme')!.id);
    const p = await byName();
    expect(teams.get('East')!.managerId).toBe(p.get('LEAD')!.id);
    // Department leader; the leader's manager is the parent department's leader; explicit leader wins.
    expect(p.get('ANN')!.managerId).toBe(p.get('LEAD')!.id);
    expect(p.get('LEAD')!.managerId).toBe(p.get('BOSS')!.id);
    expect(p.get('BOSS')!.managerId).toBe(p.get('CEO')!.id);
    expect(p.get('CEO')!.managerId).toBeNull();
    expect(p.get('BOB')!.managerId).toBe(p.get('BOSS')!.id);
    expect(p.get('ANN')!.teamId).toBe(teams.get('East')!.id);
    expect(p.get('ANN')!.externalId).toBe('E-ann');
    const ids = await allIdentities(store, ORG);
    expect(ids.find((i) => i.personId === p.get('ANN')!.id)).toMatchObject({ platform: 'lark', platformUserId: 'ann' });

    const before = store.sqlite.prepare('SELECT total_changes() AS n').get() as { n: number };
    const second = await sync(acme());
    const after = store.sqlite.prepare('SELECT total_changes() AS n').get() as { n: number };
    expect(second).toMatchObject({
      teams_created: 0,
      teams_updated: 0,
      people_created: 0,
      people_updated: 0,
      people_deactivated: 0,
      people_reactivated: 0,
      identities_bound: 0,
      conflicts: [],
      writes: 0,
    });
    expect(after.n).toBe(before.n);
  });

  it('a dry run reports the same summary and writes nothing', async () => {
    const dry = await sync(acme(), true);
    expect(dry).toMatchObject({ dry_run: true, teams_created: 3, people_created: 5, identities_bound: 5, writes: 0 });
    expect(await allPeople(store, ORG)).toHaveLength(0);
    expect(await allTeams(store, ORG)).toHaveLength(0);
    const real = await sync(acme());
    expect({ ...real, dry_run: true, writes: 0 }).toEqual(dry);
  });

  it('matches CSV people by external id, then e-mail, then identity: never a duplicate', async () => {
    store.sqlite
      .prepare(
        `INSERT INTO people (id, org_id, external_id, name, email) VALUES
         ('p1', 'org_a', 'E-ann', 'Ann from CSV', null),
         ('p2', 'org_a', 'csv-7', 'Bob from CSV', 'BOB@acme.test'),
         ('p3', 'org_a', 'csv-8', 'Lead from CSV', null)`,
      )
      .run();
    store.sqlite
      .prepare(
        `INSERT INTO identities (org_id, person_id, platform, platform_user_id) VALUES ('org_a', 'p3', 'lark', 'lead')`,
      )
      .run();
    const s = await sync(acme());
    expect(s).toMatchObject({ people_created: 2, people_updated: 3 });
    const ps = await allPeople(store, ORG);
    expect(ps).toHaveLength(5);
    const p = new Map(ps.map((x) => [x.id, x]));
    expect(p.get('p1')!.name).toBe('ANN');
    expect(p.get('p2')!.externalId).toBe('csv-7'); // a CSV key is kept
    expect(p.get('p3')!.name).toBe('LEAD');
  });

  it('a company on two platforms ends with one person holding both identities and one team tree', async () => {
    await sync(acme());
    const wecom: DirectorySnapshot = { ...acme(), platform: 'wecom' };
    wecom.users = wecom.users.map((u) => ({
      ...u,
      userId: `wc-${u.userId}`,
      leaderUserId: u.leaderUserId && `wc-${u.leaderUserId}`,
    }));
    wecom.departments = wecom.departments.map((d) => ({ ...d, leaderIds: d.leaderIds.map((l) => `wc-${l}`) }));
    const s = await sync(wecom);
    expect(s).toMatchObject({ people_created: 0, teams_created: 0, identities_bound: 5, conflicts: [] });
    expect(await allPeople(store, ORG)).toHaveLength(5);
    expect(await allTeams(store, ORG)).toHaveLength(3);
    expect(await allIdentities(store, ORG)).toHaveLength(10);
    expect((await sync(wecom)).writes).toBe(0);
    expect((await sync(acme())).writes).toBe(0);
  });

  it('deactivates leavers (gone or resigned), never deletes them, and reactivates them when they return', async () => {
    await sync(acme());
    const gone = acme();
    gone.users = gone.users
      .filter((u) => u.userId !== 'ann')
      .map((u) => (u.userId === 'bob' ? { ...u, active: false } : u));
    const s = await sync(gone);
    expect(s).toMatchObject({ people_deactivated: 2, people_created: 0 });
    let p = await byName();
    expect(p.get('ANN')!.status).toBe('inactive');
    expect(p.get('BOB')!.status).toBe('inactive');
    expect(p.size).toBe(5);
    expect((await sync(gone)).writes).toBe(0);
    const back = await sync(acme());
    expect(back).toMatchObject({ people_reactivated: 2, people_deactivated: 0 });
    p = await byName();
    expect(p.get('ANN')!.status).toBe('active');
  });

  it('moves a person whose department changed; a deleted department keeps its team', async () => {
    await sync(acme());
    const moved = acme();
    moved.departments = moved.departments.filter((d) => d.id !== 'd2');
    moved.users = moved.users.map((u) => (u.departmentIds[0] === 'd2' ? { ...u, departmentIds: ['d1'] } : u));
    const s = await sync(moved);
    expect(s.conflicts).toEqual([]);
    const teams = new Map((await allTeams(store, ORG)).map((t) => [t.name, t]));
    expect(teams.has('East')).toBe(true);
    const p = await byName();
    expect(p.get('ANN')!.teamId).toBe(teams.get('Sales')!.id);
    expect(p.get('ANN')!.managerId).toBe(p.get('BOSS')!.id);
  });

  it('admin edits win: a manager or team set by hand stays, and the sync reports the disagreement', async () => {
    await sync(acme());
    const p = await byName();
    await store.db
      .update(people)
      .set({ managerId: p.get('CEO')!.id, managerSetByHand: true, teamId: null, teamSetByHand: true })
      .where(eq(people.id, p.get('ANN')!.id));
    const s = await sync(acme());
    expect(s.writes).toBe(0);
    expect(s.conflicts.map((c) => c.kind).sort()).toEqual(['manager_set_by_hand', 'team_set_by_hand']);
    const after = await byName();
    expect(after.get('ANN')!.managerId).toBe(p.get('CEO')!.id);
    expect(after.get('ANN')!.teamId).toBeNull();
  });

  it('survives bad input: manager cycle, several departments, missing e-mails, duplicate employee numbers, orphan department', async () => {
    const bad: DirectorySnapshot = {
      platform: 'dingtalk',
      departments: [
        { id: '1', name: 'Co', parentId: null, leaderIds: [] },
        { id: '2', name: 'Ops', parentId: '1', leaderIds: [] },
        { id: '3', name: 'Ops', parentId: '2', leaderIds: [] },
        { id: '9', name: 'Lost', parentId: '404', leaderIds: [] },
      ],
      users: [
        user('x', { leaderUserId: 'y', departmentIds: ['2', '3'] }),
        user('y', { leaderUserId: 'x', departmentIds: ['3'] }),
        user('z', { email: null, employeeNo: 'DUP', departmentIds: ['9'] }),
        user('w', { email: '', employeeNo: 'DUP', departmentIds: ['1'] }),
        user('v', { departmentIds: ['gone'] }),
      ],
    };
    const s = await sync(bad);
    const kinds = s.conflicts.map((c) => c.kind).sort();
    expect(kinds).toEqual([
      'department_name_taken',
      'department_orphan',
      'duplicate_employee_no',
      'manager_cycle',
      'no_department',
    ]);
    const p = await byName();
    expect(p.size).toBe(5);
    expect(p.get('Z')!.externalId).toBe('dingtalk:z');
    expect(p.get('W')!.externalId).toBe('dingtalk:w');
    expect(p.get('Z')!.email).toBeNull();
    // One of the pair keeps the other as manager, the loop is cut.
    expect([p.get('X')!.managerId, p.get('Y')!.managerId].filter(Boolean)).toHaveLength(1);
    expect(p.get('X')!.teamId).not.toBeNull();
    for (const person of p.values()) expect(person.teamId).not.toBeNull();
    const teams = (await allTeams(store, ORG)).map((t) => t.name).sort();
    expect(teams).toEqual(['Co', 'Lost', 'Ops', 'Ops (Ops)']);
    const again = await sync(bad);
    expect(again.writes).toBe(0);
  });

  it('writes only into its own org and leaves the org unchanged when the batch fails', async () => {
    await sync(acme(), false, 'org_b');
    expect(await allPeople(store, ORG)).toHaveLength(0);
    expect(await allPeople(store, 'org_b')).toHaveLength(5);
    // A failing statement (foreign key: no such org) aborts the whole batch.
    await expect(sync(acme(), false, 'org_missing')).rejects.toThrow();
    const count = store.sqlite.prepare(`SELECT count(*) AS n FROM teams WHERE org_id = 'org_missing'`).get() as {
      n: number;
    };
    expect(count.n).toBe(0);
  });
});
