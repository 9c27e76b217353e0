// What the demo's connectors read in the playground: WeCom 打卡日报 for the demo people bound on
// WeCom, a Lark Bitable of classroom feedback scores (teachers as person fields), and a CRM CSV
// of monthly renewal rates served at /playground/demo-crm/renewal-rates.csv. Generated from the
// same deterministic figures as `npm run metrics:feed` (src/metrics/demo-feed.ts), so the
// connectors and the feed agree. The emulators live in memory: this runs at every start.
import { and, eq } from 'drizzle-orm';
import { localDate, localMidnight, addDays } from '../../core/time';
import type { Store } from '../../storage/db';
import { identities, people, teams } from '../../storage/schema';
import { demoFeed } from '../metrics/demo-feed';
import { DEMO_BITABLE } from '../connectors/demo';
import type { PlaygroundEmulators } from './emulators';

export async function populateDemoSources(
  store: Store,
  emulators: PlaygroundEmulators,
  orgId: string,
  timeZone: string,
  now: Date,
): Promise<string> {
  const rows = await store.db
    .select({ id: people.id, externalId: people.externalId, title: people.title, teamName: teams.name })
    .from(people)
    .leftJoin(teams, eq(teams.id, people.teamId))
    .where(and(eq(people.orgId, orgId), eq(people.status, 'active')));
  const ids = await store.db.select().from(identities).where(eq(identities.orgId, orgId));
  const idOf = (personId: string, platform: 'lark' | 'wecom') =>
    ids.find((i) => i.personId === personId && i.platform === platform)?.platformUserId;
  const feed = demoFeed(rows, now);

  // Bitable: one record per teacher and week.
  const byExternal = new Map(rows.map((r) => [r.externalId, r]));
  const records = feed
    .filter((p) => p.metric === 'feedback_score')
    .flatMap((p, i) => {
      const openId = idOf(byExternal.get(p.subject)!.id, 'lark');
      if (!openId) return [];
      const day = localDate(new Date(p.at), timeZone);
      return [
        {
          record_id: `recDemo${i}`,
          fields: {
            授课老师: [{ id: openId, name: '' }],
            日期: localMidnight(day, timeZone).getTime(),
            满意度: p.value,
          },
        },
      ];
    });
  emulators.lark.sources.bases.set(
    DEMO_BITABLE.app_token,
    new Map([
      [
        DEMO_BITABLE.table_id,
        {
          fields: [
            { field_name: '授课老师', type: 11 },
            { field_name: '日期', type: 5 },
            { field_name: '满意度', type: 2 },
            { field_name: '备注', type: 1 },
          ],
          records,
        },
      ],
    ]),
  );

  // WeCom attendance: the last 7 weekdays; every 7th person late now and then.
  const today = localDate(now, timeZone);
  const reports = emulators.wecom.checkin.reports;
  reports.length = 0;
  rows.forEach((r, i) => {
    const userid = idOf(r.id, 'wecom');
    if (!userid) return;
    for (let back = 1; back <= 7; back++) {
      const day = addDays(today, -back);
      const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      const late = i % 7 === 3 && back % 3 === 1;
      reports.push({
        userid,
        date: Math.floor(localMidnight(day, timeZone).getTime() / 1000),
        checkin_count: 2,
        regular_work_sec: 8 * 3600 + ((i * 7 + back * 13) % 90) * 60,
        exceptions: late ? [{ exception: 1, count: 1, duration: 600 }] : [],
      });
    }
  });

  // The CRM export: monthly renewal rate per teacher.
  const lines = feed
    .filter((p) => p.metric === 'renewal_rate' && p.subject !== 'org')
    .map((p) => `${p.subject},${localDate(new Date(p.at), timeZone).slice(0, 7)}-01,${p.value}%`);
  return `\uFEFF工号,月份,续费率\n${lines.join('\n')}\n`;
}
