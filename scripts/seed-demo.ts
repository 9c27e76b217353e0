// npm run seed:demo — loads the 星火教育集团 demo into DATABASE_PATH (idempotent).
import { loadConfig } from '../src/config';
import { openSqlite } from '../storage/sqlite';
import { DEMO_ORG_NAME, DEMO_SLUG, loadDemo } from '../storage/seed/demo';
import { loadDemoRules } from '../src/rules/demo';
import { loadDemoConnectors } from '../src/connectors/demo';

const config = loadConfig(process.env);
const store = openSqlite(config.databasePath);
try {
  const summary = await loadDemo(store, { now: new Date(), timezone: config.defaultTimezone });
  const ruleIds = await loadDemoRules(store, summary.orgId, new Date());
  // One connector of each kind, disabled: edit their sources (PATCH /api/v1/connectors/:id), then enable them.
  const connectorIds = await loadDemoConnectors(store, summary.orgId, new Date(), {
    enabled: false,
    crmUrl: 'https://crm.example.com/exports/renewal-rates.csv',
  });
  const c = summary.counts;
  console.log(
    summary.created
      ? `Seeded the demo org "${DEMO_ORG_NAME}" into ${config.databasePath}`
      : `The demo org already exists in ${config.databasePath}; nothing changed.`,
  );
  console.log(`  org:        ${summary.orgId} (use the header "X-Polaris-Org: ${DEMO_SLUG}")`);
  console.log(`  cycle:      ${summary.cycleId}`);
  console.log(`  rules:      ${ruleIds.join(', ')} (+ built-in KR alerts); feed metrics with: npm run metrics:feed`);
  console.log(
    `  teams ${c.teams}, people ${c.people}, objectives ${c.objectives}, key results ${c.keyResults}, check-ins ${c.checkIns}`,
  );
  console.log(`  connectors: ${connectorIds.join(', ')} (disabled; see docs/connectors.md)`);
  console.log(`  north-star KR 学员续费率提升至68%: ${summary.northStarKrId}`);
  console.log(`  department KR 课程满意度 ≥ 4.7:    ${summary.departmentKrId}`);
  console.log(
    `  try: curl -H "Authorization: Bearer $ADMIN_TOKEN" -H "X-Polaris-Org: ${DEMO_SLUG}" http://localhost:${config.port}/api/v1/objectives?cycle=current`,
  );
} finally {
  store.close();
}
