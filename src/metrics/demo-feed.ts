// Realistic demo metrics for the demo org: weekly classroom feedback scores per
// teacher (most around 4.6–4.9, a few drifting below 4.5, one recovering),
// monthly renewal rates per teacher, and the group's and each centre's renewal
// rate (the metric-bound KRs `renewal_rate` and `renewal_rate:<centre>`).
// One centre, the first, is the demo's low-renewal campus: its own rate and every one of
// its teachers' rates are below 60%, and every other teacher's is above, so the seed's
// renewal rule (issue 17) hits exactly that campus's teachers.
// Deterministic for a given `now`, so resending a feed is a no-op (upsert).
import type { MetricPoint } from './points';
import { mulberry32 } from '../../storage/seed/prng';

export interface FeedPerson {
  externalId: string;
  title: string | null;
  teamName?: string | null;
}

const hash = (s: string) => [...s].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const DAY_MS = 86_400_000;

export function demoFeed(people: FeedPerson[], now: Date, weeks = 8): MetricPoint[] {
  const out: MetricPoint[] = [];
  const teachers = people.filter((p) => p.title && /老师|teacher/i.test(p.title));
  const centres = [...new Set(people.map((p) => p.teamName).filter((n): n is string => !!n && n.endsWith('中心')))];
  const lowCampus = centres[0];
  teachers.forEach((p, i) => {
    const r = mulberry32(hash(p.externalId));
    // Every 6th teacher drifts low; every 11th dipped and recovered.
    const profile = i % 6 === 2 ? 'low' : i % 11 === 5 ? 'recovering' : 'good';
    const base = profile === 'good' ? 4.6 + r() * 0.3 : 4.5;
    for (let w = weeks - 1; w >= 0; w--) {
      const at = new Date(now.getTime() - w * 7 * DAY_MS - 2 * DAY_MS);
      if (at > now) continue;
      let score = base + (r() - 0.5) * 0.2;
      if (profile === 'low') score = 4.55 - (weeks - w) * 0.05 + (r() - 0.5) * 0.1;
      if (profile === 'recovering') score = w >= 1 && w <= 3 ? 4.2 + r() * 0.2 : 4.7 + r() * 0.2;
      out.push({
        metric: 'feedback_score',
        subject: p.externalId,
        at: at.toISOString(),
        value: round(Math.min(5, Math.max(1, score))),
      });
    }
    for (let m = 2; m >= 0; m--) {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 1, 4));
      const rate = p.teamName === lowCampus ? 50 + r() * 8 : 61 + r() * 17;
      out.push({ metric: 'renewal_rate', subject: p.externalId, at: d.toISOString(), value: round(rate, 1) });
    }
  });
  // The group's and each centre's renewal rate, as the CRM computes it (subject "org").
  const today = new Date(now.getTime() - 60_000).toISOString();
  out.push({ metric: 'renewal_rate', subject: 'org', at: today, value: 58.5 });
  for (const [i, name] of centres.entries())
    out.push({
      metric: `renewal_rate:${name.slice(2, 4)}`,
      subject: 'org',
      at: today,
      value: round(
        name === lowCampus ? 53 + mulberry32(hash(name))() * 2 : 61 + i * 1.5 + mulberry32(hash(name))() * 2,
        1,
      ),
    });
  return out;
}
