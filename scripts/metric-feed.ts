// npm run metrics:feed — a stand-in for the CRM/LMS/attendance exports: weekly
// feedback scores and monthly renewal rates for the demo org's teachers.
//   npm run metrics:feed                       write into DATABASE_PATH (the demo org)
//   npm run metrics:feed -- --url http://localhost:8787 [--org demo] [--weeks 8]
//                                              POST to /api/v1/metrics with INGEST_TOKEN (or ADMIN_TOKEN)
// Re-running it sends the same points: ingestion is idempotent.
import { eq } from 'drizzle-orm';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { demoFeed } from '../src/metrics/demo-feed';
import { storePoints } from '../src/metrics/store';
import { syncMetricKrs } from '../src/metrics/kr-sync';
import { orgTimeZoneOf } from '../src/rules/context';
import { openSqlite } from '../storage/sqlite';
import { organizations, people, teams } from '../storage/schema';
import { MAX_POINTS } from '../src/metrics/points';

const USAGE = `usage: npm run metrics:feed -- [--org demo] [--weeks 8] [--url http://localhost:8787]
  without --url: writes the points into DATABASE_PATH (default ./data/polaris.db)
  with --url:    POSTs them to <url>/api/v1/metrics with INGEST_TOKEN (or ADMIN_TOKEN);
                 the people are still read from DATABASE_PATH`;
const OPTIONS = {
  url: { type: 'string' },
  org: { type: 'string', default: 'demo' },
  weeks: { type: 'string', default: '8' },
  help: { type: 'boolean', short: 'h' },
} as const;
let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>;
try {
  parsed = parseArgs({ options: OPTIONS });
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
  process.exit(2);
}
const { values: args } = parsed;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const config = loadConfig(process.env);
const store = openSqlite(config.databasePath);
try {
  const [org] = await store.db.select().from(organizations).where(eq(organizations.slug, args.org!));
  if (!org) throw new Error(`No org "${args.org}" in ${config.databasePath}; run npm run seed:demo first.`);
  const rows = await store.db
    .select({ externalId: people.externalId, title: people.title, teamName: teams.name })
    .from(people)
    .leftJoin(teams, eq(teams.id, people.teamId))
    .where(eq(people.orgId, org.id));
  const now = new Date();
  const points = demoFeed(rows, now, Number(args.weeks));
  if (args.url) {
    const token = config.ingestToken ?? config.adminToken;
    if (!token) throw new Error('Set INGEST_TOKEN (or ADMIN_TOKEN) to post to the API.');
    for (let i = 0; i < points.length; i += MAX_POINTS) {
      // Polaris' own ingestion API (docs/rules.md#metrics).
      const res = await fetch(`${args.url.replace(/\/$/, '')}/api/v1/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-polaris-org': org.slug },
        body: JSON.stringify(points.slice(i, i + MAX_POINTS)),
      });
      console.log(
        `POST ${points.slice(i, i + MAX_POINTS).length} points → ${res.status}`,
        res.ok ? '' : await res.text(),
      );
    }
  } else {
    await storePoints(store, org.id, points, now);
    const sync = await syncMetricKrs(store, { orgId: org.id, timeZone: orgTimeZoneOf(org, config), now });
    console.log(`Stored ${points.length} points for ${org.name}; ${sync.updated.length} metric KRs updated.`);
  }
} finally {
  store.close();
}
