// Node-only: fills a SQLite file with a synthetic org for benchmarks. One
// company objective with north-star KRs, departments, teams and people; company,
// department and team KRs are in 'children' mode, so progress rolls up from people.
// Inserted with raw prepared statements in one transaction (~seconds, not minutes).
import type Database from 'better-sqlite3';
import { mulberry32 } from '../storage/seed/prng';

export interface GeneratedOrg {
  orgId: string;
  cycleId: string;
  cycle: { startsOn: string; endsOn: string };
  now: Date;
  people: number;
  objectives: number;
  keyResults: number;
}

export interface GenerateOptions {
  people: number;
  krsPerPerson?: number;
  departments?: number;
  teams?: number;
  /** Share of person objectives aligned to a team KR. */
  alignedShare?: number;
  seed?: number;
}

const pad = (n: number) => n.toString(36).padStart(6, '0');

export function generateOrg(sqlite: Database.Database, options: GenerateOptions): GeneratedOrg {
  const { people, krsPerPerson = 5, departments = 10, teams = 1000, alignedShare = 0.9, seed = 42 } = options;
  const rand = mulberry32(seed);
  const orgId = 'org_bench';
  const cycleId = 'cyc_bench';
  const cycle = { startsOn: '2026-10-01', endsOn: '2026-12-31' };
  const now = new Date('2026-11-27T02:00:00Z');
  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();

  const insOrg = sqlite.prepare(`INSERT INTO organizations (id, name, slug, settings) VALUES (?, ?, ?, ?)`);
  const insCycle = sqlite.prepare(
    `INSERT INTO cycles (id, org_id, name, starts_on, ends_on, status) VALUES (?, ?, ?, ?, ?, 'active')`,
  );
  const insTeam = sqlite.prepare(`INSERT INTO teams (id, org_id, name, parent_id, manager_id) VALUES (?, ?, ?, ?, ?)`);
  const insPerson = sqlite.prepare(
    `INSERT INTO people (id, org_id, external_id, name, team_id, manager_id) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insObjective =
    sqlite.prepare(`INSERT INTO objectives (id, org_id, cycle_id, title, owner_type, owner_person_id, owner_team_id, parent_kr_id, status, position)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0)`);
  const insKr =
    sqlite.prepare(`INSERT INTO key_results (id, org_id, objective_id, cycle_id, title, kind, start_value, target_value, current_value, direction, weight, progress_mode, confidence, last_check_in_at, position)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insCheckIn = sqlite.prepare(
    `INSERT INTO check_ins (id, org_id, key_result_id, author_id, value, confidence, source, created_at) VALUES (?, ?, ?, ?, ?, ?, 'chat', ?)`,
  );
  const insAdjustment = sqlite.prepare(
    `INSERT INTO adjustments (id, org_id, cycle_id, key_result_id, requester_id, kind, proposed, status, created_at) VALUES (?, ?, ?, ?, ?, 'target', '{"targetValue":80}', 'pending', ?)`,
  );

  let objectiveCount = 0;
  let krCount = 0;
  const rollupKrs = (objectiveId: string, prefix: string, count: number): string[] => {
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const id = `kr_${prefix}${k}`;
      insKr.run(
        id,
        orgId,
        objectiveId,
        cycleId,
        `${prefix} KR ${k + 1}`,
        'percent',
        0,
        100,
        0,
        'up',
        1,
        'children',
        null,
        null,
        k,
      );
      ids.push(id);
      krCount++;
    }
    return ids;
  };
  const objective = (
    id: string,
    title: string,
    ownerType: string,
    person: string | null,
    team: string | null,
    parentKr: string | null,
  ) => {
    insObjective.run(id, orgId, cycleId, title, ownerType, person, team, parentKr);
    objectiveCount++;
  };

  sqlite.transaction(() => {
    insOrg.run(orgId, 'Bench Org', 'bench', '{"timezone":"Asia/Shanghai"}');
    insCycle.run(cycleId, orgId, '2026-Q4', cycle.startsOn, cycle.endsOn);

    objective('obj_company', 'North star', 'company', null, null, null);
    const companyKrs = rollupKrs('obj_company', 'c', 5);

    const deptKrs: string[][] = [];
    for (let d = 0; d < departments; d++) {
      insTeam.run(`team_d${d}`, orgId, `Department ${d}`, null, null);
      objective(
        `obj_d${d}`,
        `Department ${d} objective`,
        'team',
        null,
        `team_d${d}`,
        companyKrs[d % companyKrs.length],
      );
      deptKrs.push(rollupKrs(`obj_d${d}`, `d${d}_`, 5));
    }
    const teamKrs: string[][] = [];
    for (let t = 0; t < teams; t++) {
      const d = t % departments;
      insTeam.run(`team_t${t}`, orgId, `Team ${t}`, `team_d${d}`, null);
      objective(
        `obj_t${t}`,
        `Team ${t} objective`,
        'team',
        null,
        `team_t${t}`,
        deptKrs[d][Math.floor(t / departments) % 5],
      );
      teamKrs.push(rollupKrs(`obj_t${t}`, `t${t}_`, 5));
    }

    for (let p = 0; p < people; p++) {
      const personId = `per_${pad(p)}`;
      const t = p % teams;
      insPerson.run(personId, orgId, `e${p}`, `Person ${p}`, `team_t${t}`, null);
      const objectiveId = `obj_p${pad(p)}`;
      objective(
        objectiveId,
        `Objective of person ${p}`,
        'person',
        personId,
        null,
        rand() < alignedShare ? teamKrs[t][Math.floor(p / teams) % 5] : null,
      );
      const checkedIn = rand() < 0.7;
      for (let k = 0; k < krsPerPerson; k++) {
        const id = `kr_p${pad(p)}_${k}`;
        const r = rand();
        let kind = 'number',
          start = 0,
          target = 100,
          current = Math.round(r * 130),
          direction = 'up';
        switch (k % 5) {
          case 1:
            kind = 'number';
            start = 50;
            target = 10;
            current = Math.round(r * 60);
            direction = 'down';
            break;
          case 2:
            kind = 'percent';
            if (r < 0.1) {
              start = 20;
              target = 20;
              current = 15 + Math.round(r * 100);
            } else {
              current = Math.round(r * 110);
            }
            break;
          case 3:
            kind = 'currency';
            target = 1_000_000;
            current = Math.round(r * 1_200_000);
            break;
          case 4:
            if (r < 0.5) {
              kind = 'boolean';
              target = 1;
              current = r < 0.2 ? 1 : 0;
            } else {
              kind = 'milestone';
              target = 4;
              current = Math.floor((r - 0.5) * 10);
            }
            break;
        }
        const confidence = checkedIn ? 1 + Math.floor(rand() * 10) : null;
        const at = checkedIn ? iso(rand() * 6) : null;
        insKr.run(
          id,
          orgId,
          objectiveId,
          cycleId,
          `KR ${k + 1}`,
          kind,
          start,
          target,
          current,
          direction,
          k === 0 ? 2 : 1,
          'manual',
          confidence,
          at,
          k,
        );
        krCount++;
        if (checkedIn && k === 0) insCheckIn.run(`chk_${pad(p)}`, orgId, id, personId, current, confidence, at);
      }
      if (rand() < 0.17)
        insAdjustment.run(`adj_${pad(p)}`, orgId, cycleId, `kr_p${pad(p)}_0`, personId, iso(rand() * 40));
    }
  })();
  return { orgId, cycleId, cycle, now, people, objectives: objectiveCount, keyResults: krCount };
}
