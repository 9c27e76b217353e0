// Daily (10:00 local): one card to each of the org's admins when messages were
// given up in the last 24 hours (a recipient the platform refuses, a bot not in
// the chat, or an outage longer than the outbox's retry window), with how to see
// the reasons and send them again. Nothing is sent on a day without new failures.
import { and, asc, eq } from 'drizzle-orm';
import type { Platform } from '../../bots/types';
import type { Card } from '../../cards/model';
import { t } from '../../core/i18n';
import { loadIdentities, personAddress } from '../../jobs/recipients';
import type { JobDefinition, JobMessage } from '../../jobs/types';
import { people, type Locale } from '../../storage/schema';
import type { Services } from '../services';
import { failureSummary } from './admin';

const DAY_MS = 24 * 3_600_000;

export function buildFailureNoticeCard(
  summary: { platform: Platform; recent: number; total: number }[],
  locale: Locale | string | null | undefined,
): Card {
  const recent = summary.reduce((n, s) => n + s.recent, 0);
  return {
    header: {
      title: t(locale, 'failures.title', { count: recent }),
      subtitle: t(locale, 'failures.subtitle'),
      color: 'orange',
    },
    blocks: [
      { type: 'markdown', text: t(locale, 'failures.intro') },
      {
        type: 'markdown',
        text: summary
          .map((s) =>
            t(locale, 'failures.line', {
              platform: t(locale, `platform.${s.platform}` as const),
              recent: s.recent,
              total: s.total,
            }),
          )
          .join('\n'),
      },
      { type: 'note', text: t(locale, 'failures.howto') },
    ],
  };
}

export const outboxFailures: JobDefinition<Services> = {
  name: 'outbox-failures',
  description: 'Daily notice to admins of messages that could not be delivered',
  schedule: '0 10 * * *',
  tick: '*/15 * * * *',
  period: 'day',
  catchUpMs: 12 * 3_600_000,
  async run(ctx) {
    const { store, adapters } = ctx.services;
    const summary = (await failureSummary(store, ctx.org.id, new Date(ctx.now.getTime() - DAY_MS))).filter(
      (s) => s.recent > 0,
    );
    ctx.stats.failedRecently = summary.reduce((n, s) => n + s.recent, 0);
    if (!summary.length) return;
    const admins = await store.db
      .select({ id: people.id, locale: people.locale })
      .from(people)
      .where(and(eq(people.orgId, ctx.org.id), eq(people.role, 'admin')))
      .orderBy(asc(people.id));
    const locales = new Map(admins.map((a) => [a.id, a.locale]));
    await ctx.fanOut(
      admins.map((a) => a.id),
      async (batch) => {
        const identities = await loadIdentities(store, batch);
        const messages: JobMessage[] = [];
        for (const id of batch) {
          const to = personAddress(identities, id, adapters);
          if (!to) {
            ctx.stats.unreachable = (ctx.stats.unreachable ?? 0) + 1;
            continue;
          }
          messages.push({
            key: `outbox-failures:${id}`,
            to,
            message: { card: buildFailureNoticeCard(summary, locales.get(id)) },
            subject: `outbox-failures:${ctx.org.id}:${ctx.period}`,
          });
          ctx.stats.notices = (ctx.stats.notices ?? 0) + 1;
        }
        return messages;
      },
    );
  },
};
