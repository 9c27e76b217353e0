// The demo org lives in the three emulators' directories: a sync from each finds
// the org the seed made (nobody created, moved or deactivated), and "new hire"
// adds someone to one platform's directory, whose change event brings them in
// within seconds with a welcome card in their chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../bots/types';
import { runDirectorySync } from '../../src/directory/run';
import { allPeople } from '../../storage/repos/people';
import { startPlayground, waitFor, type RunningPlayground } from './helpers';

let pg: RunningPlayground;
beforeAll(async () => {
  pg = await startPlayground();
});
afterAll(async () => {
  await pg?.stop();
});

const demo = async () => (await pg.server.store.db.query.organizations.findFirst())!;

describe('playground directory', () => {
  it.each(['lark', 'wecom', 'dingtalk'] as Platform[])(
    'a %s directory sync finds the demo org as seeded; a second one writes nothing',
    async (platform) => {
      const org = await demo();
      const before = await allPeople(pg.server.store, org.id);
      const sync = () =>
        runDirectorySync(pg.server.store, pg.server.services.config, org, platform, {
          clock: pg.server.services.clock,
        });
      const first = await sync();
      expect(first).toMatchObject({
        people_created: 0,
        people_deactivated: 0,
        people_reactivated: 0,
        identities_bound: 0,
        conflicts: [],
      });
      const after = await allPeople(pg.server.store, org.id);
      // Same people, same managers and teams.
      expect(after.map((p) => [p.id, p.managerId, p.teamId]).sort()).toEqual(
        before.map((p) => [p.id, p.managerId, p.teamId]).sort(),
      );
      const second = await sync();
      expect(second).toMatchObject({ teams_created: 0, teams_updated: 0, people_updated: 0, writes: 0 });
    },
  );

  it.each(['lark', 'wecom', 'dingtalk'] as Platform[])(
    'new hire on %s: the change event brings them in and they get a welcome card',
    async (platform) => {
      const org = (await (await pg.get('/playground/api/people')).json()) as {
        people: { id: string; group: string; team: string; ids: Record<string, string> }[];
      };
      const teacher = org.people.find((p) => p.group === 'teacher' && p.ids[platform])!;
      const res = await fetch(`${pg.base}/playground/new-hire`, {
        method: 'POST',
        body: new URLSearchParams({ platform, person: teacher.id }),
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      const target = new URL(res.headers.get('location')!, pg.base);
      const personId = target.searchParams.get('person')!;
      const people = (await (await pg.get('/playground/api/people')).json()) as {
        people: { id: string; team: string; managerId: string | null }[];
      };
      const hire = people.people.find((p) => p.id === personId)!;
      expect(hire.team).toBe(teacher.team);
      const messages = await waitFor(
        async () => {
          const r = await pg.get(`/playground/api/messages?platform=${platform}&person=${personId}`);
          const body = (await r.json()) as { messages: unknown[] };
          return body.messages.length > 0 && body.messages;
        },
        'the welcome card',
        20_000,
      ); // generous: the machine running the suite may be loaded
      expect(JSON.stringify(messages)).toContain('欢迎加入');
    },
    60_000,
  );
});
