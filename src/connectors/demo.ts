// The demo org's connectors, one of each kind (docs/connectors.md): WeCom attendance, a Lark
// Bitable of classroom feedback, and a CRM's renewal-rate CSV export. Deterministic ids: loading
// twice changes nothing. In the playground they are enabled and read the in-process emulators
// and a CSV the playground serves (src/playground/demo-sources.ts); `npm run seed:demo` adds them
// disabled, pointing at example sources, to be edited and enabled.
import type { Store } from '../../storage/db';
import { connectors } from '../../storage/schema';

export const DEMO_BITABLE = { app_token: 'bascnPolarisDemo', table_id: 'tblFeedback' } as const;
export const DEMO_CRM_PATH = '/playground/demo-crm/renewal-rates.csv';

export async function loadDemoConnectors(
  store: Store,
  orgId: string,
  now: Date,
  options: { enabled: boolean; crmUrl: string },
): Promise<string[]> {
  const at = now.toISOString();
  const rows = [
    {
      id: `con_demo_attendance_${orgId}`,
      name: '企业微信考勤 / WeCom attendance',
      kind: 'attendance' as const,
      schedule: '30 6 * * *',
      source: { platform: 'wecom', days: 7 },
      mapping: null,
    },
    {
      id: `con_demo_bitable_${orgId}`,
      name: '课堂满意度（飞书多维表格）/ Classroom feedback (Bitable)',
      kind: 'bitable' as const,
      schedule: '5 * * * *',
      source: { ...DEMO_BITABLE },
      mapping: { metric: 'feedback_score', subject_field: '授课老师', at_field: '日期', value_field: '满意度' },
    },
    {
      id: `con_demo_http_${orgId}`,
      name: 'CRM 续费率导出 / CRM renewal export',
      kind: 'http' as const,
      schedule: '15 7 * * *',
      source: { url: options.crmUrl, format: 'csv' },
      mapping: { metric: 'renewal_rate', subject_field: '工号', at_field: '月份', value_field: '续费率' },
    },
  ];
  await store.db
    .insert(connectors)
    .values(rows.map((r) => ({ ...r, orgId, enabled: options.enabled, secret: null, createdAt: at, updatedAt: at })))
    .onConflictDoNothing();
  return rows.map((r) => r.id);
}
