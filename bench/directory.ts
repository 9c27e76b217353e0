// npm run bench:directory — 10,000 people in 800 departments served by the Lark emulator over
// real HTTP (contact v3 paging at 50 a page, the emulator's 50 requests/s per API), synced into
// a fresh SQLite file. Reports the API calls against the minimum the paging needs, the time
// against the floor the rate limit imposes, peak RSS, and that a re-sync writes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchLarkDirectory } from '../bots/lark/directory';
import { createLarkEmulator, serveLarkEmulator } from '../bots/lark/emulator';
import type { LarkDirectoryDepartment, LarkDirectoryUser } from '../bots/lark/emulator-directory';
import { systemClock } from '../core/clock';
import { syncDirectory } from '../src/directory/sync';
import { openSqlite } from '../storage/sqlite';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 10_000);
const DEPARTMENTS = Number(process.env.BENCH_DEPARTMENTS ?? 800);
const PAGE = 50;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function benchDirectory() {
  const app = { appId: 'cli_bench', appSecret: 'bench-secret' };
  const emulator = createLarkEmulator({ ...app, verificationToken: 'v' });
  const dir = emulator.directory;
  // A tree 4 levels deep: 8 divisions, each department with up to 10 children.
  const departments: LarkDirectoryDepartment[] = [];
  for (let i = 0; i < DEPARTMENTS; i++) {
    const parent = i < 8 ? '0' : `od-${Math.floor((i - 8) / 10)}`;
    departments.push({ open_department_id: `od-${i}`, name: `部门${i}`, parent_department_id: parent });
  }
  const users: LarkDirectoryUser[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const dept = i < DEPARTMENTS ? i : Math.floor(Math.random() * DEPARTMENTS);
    users.push({
      open_id: `ou_${i}`,
      name: `员工${i}`,
      email: `u${i}@bench.test`,
      employee_no: `E${i}`,
      job_title: 'Engineer',
      department_ids: [`od-${dept}`],
    });
  }
  // The first member of each department leads it.
  for (let i = 0; i < DEPARTMENTS; i++) departments[i].leader_user_id = `ou_${i}`;
  dir.departments = departments;
  dir.users = users;
  dir.ratePerSecond = 50;
  const served = await serveLarkEmulator(emulator, 0);

  const tmp = mkdtempSync(join(tmpdir(), 'polaris-bench-'));
  const store = openSqlite(join(tmp, 'bench.db'));
  store.sqlite.prepare(`INSERT INTO organizations (id, name, slug) VALUES ('org_bench', 'Bench', 'bench')`).run();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  try {
    const perDept = new Map<string, number>();
    for (const u of users) perDept.set(u.department_ids[0], (perDept.get(u.department_ids[0]) ?? 0) + 1);
    const userPages = [{ id: '0' }, ...departments.map((d) => ({ id: d.open_department_id }))].reduce(
      (n, d) => n + Math.max(1, Math.ceil((perDept.get(d.id) ?? 0) / PAGE)),
      0,
    );
    const deptPages = Math.max(1, Math.ceil(DEPARTMENTS / PAGE));
    const minimum = 1 + deptPages + userPages;
    // Each API allows 50 a second and 1000 a minute: the floor is the busier API's calls at the
    // tighter of the two (1000 a minute: one every 60 ms), which is the pace the fetcher keeps.
    const floorMs = Math.max(deptPages, userPages) * Math.max(1000 / dir.ratePerSecond, 60_000 / 1000);

    let t = performance.now();
    const snapshot = await fetchLarkDirectory({ ...app, domain: served.url }, { rootName: 'Bench' });
    const fetchMs = performance.now() - t;
    t = performance.now();
    const first = await syncDirectory(store, 'org_bench', snapshot, { clock: systemClock });
    const syncMs = performance.now() - t;
    t = performance.now();
    const again = await syncDirectory(
      store,
      'org_bench',
      await fetchLarkDirectory({ ...app, domain: served.url }, { rootName: 'Bench' }),
      { clock: systemClock },
    );
    const resyncMs = performance.now() - t;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    console.log(`directory: ${PEOPLE} people, ${DEPARTMENTS} departments (Lark emulator, 50/s per API)`);
    console.log(
      `fetch: ${snapshot.apiCalls} API calls (minimum ${minimum}: 1 token + ${deptPages} department pages + ${userPages} member pages), ${snapshot.retries} retries after 429`,
    );
    console.log(
      `fetch time: ${fetchMs.toFixed(0)} ms against a rate-limit floor of ${floorMs.toFixed(0)} ms (${(fetchMs / floorMs).toFixed(2)}×)`,
    );
    console.log(
      `first sync: ${syncMs.toFixed(0)} ms, ${first.writes} statements (${first.teams_created} teams, ${first.people_created} people, ${first.identities_bound} identities, ${first.conflicts.length} conflicts)`,
    );
    console.log(`re-sync (fetch + plan): ${resyncMs.toFixed(0)} ms, ${again.writes} statements written`);
    console.log(`peak RSS: ${mb(peakRss)}`);
    if (again.writes !== 0) throw new Error('a re-sync with no change wrote something');
  } finally {
    clearInterval(sampler);
    store.close();
    await served.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) await benchDirectory();
