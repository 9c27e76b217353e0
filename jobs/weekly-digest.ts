// Monday 09:00 (local): one digest card per team — to the team's group chat on
// its platform when one is configured, otherwise to each member and the manager
// one-to-one — and a company digest with the org figures to every admin.
import { and, eq } from 'drizzle-orm';
import { buildCompanyDigestCard, type DigestMostImproved } from '../cards/company-digest';
import { buildDigestCard } from '../cards/digest';
import type { Card } from '../cards/model';
import { resolveCycle } from '../storage/repos/cycles';
import { allTeams } from '../storage/repos/people';
import type { Organization, Person } from '../storage/repos/types';
import { people, type Locale } from '../storage/schema';
import { companyFigures } from './company-figures';
import { loadDigestSource, teamDigests } from './digest-data';
import { loadIdentities, personAddress, teamChatAddress } from './recipients';
import { isoWeekKey, localDate } from '../core/time';
import type { JobContext, JobDefinition, JobMessage, JobServices } from './types';
import { teamZone, teamZoneUnits } from './units';

const WEEK_MS = 7 * 86_400_000;
const COMPANY = 'company';

export interface WeeklyDigestOptions<S extends JobServices> {
  /**
   * Most improved (进步奖) for the company digest: the app's one implementation
   * (src/review/improved.ts), given here because jobs cannot import the app above them.
   */
  mostImproved?: (services: S, org: Organization, now: Date) => Promise<DigestMostImproved | null>;
}

export function weeklyDigestJob<S extends JobServices = JobServices>(
  options: WeeklyDigestOptions<S> = {},
): JobDefinition<S> {
  return {
    name: 'weekly-digest',
    description: 'Weekly team digest cards and the company digest for admins',
    schedule: '0 9 * * 1',
    tick: '*/15 * * * *',
    period: 'week',
    catchUpMs: 24 * 3_600_000,
    units: teamZoneUnits,
    run: (ctx) => runWeeklyDigest(ctx, options),
  };
}

/** The digest without most improved (jobs alone); the app's list uses weeklyDigestJob with it. */
export const weeklyDigest: JobDefinition = weeklyDigestJob();

async function runWeeklyDigest<S extends JobServices>(
  ctx: JobContext<S>,
  options: WeeklyDigestOptions<S>,
): Promise<void> {
  const { store, addressable: adapters } = ctx.services;
  const orgDefault = ctx.org.settings?.defaultPlatform;
  const { org, unit } = ctx;
  const today = localDate(ctx.now, unit.timeZone);
  const cycle = await resolveCycle(store, org.id, undefined, today);
  if (!cycle) {
    ctx.log('no cycle: nothing to digest');
    ctx.stats.noCycle = 1;
    return;
  }
  const week = isoWeekKey(ctx.slot, unit.timeZone);
  const teams = (await allTeams(store, org.id)).filter((t) => teamZone(t, ctx.orgTimeZone) === unit.timeZone);
  const teamsById = new Map(teams.map((t) => [t.id, t]));
  const items = teams.map((t) => `team:${t.id}`);
  if (unit.isOrgZone) items.push(COMPANY);
  const window = { start: new Date(ctx.slot.getTime() - WEEK_MS), now: ctx.now, timeZone: unit.timeZone, today, week };
  // The org's rows once for the whole run (a resumed run reads them again), not per batch.
  const source = await loadDigestSource(store, org.id, cycle, window);
  const count = (key: string, n = 1) => {
    ctx.stats[key] = (ctx.stats[key] ?? 0) + n;
  };

  await ctx.fanOut(
    items,
    async (batch) => {
      const messages: JobMessage[] = [];
      const batchTeams = batch
        .filter((k) => k.startsWith('team:'))
        .map((k) => teamsById.get(k.slice(5))!)
        .filter(Boolean);
      const digests = teamDigests(source, batchTeams);
      const needDirect = digests.filter((d) => !teamChatAddress(d.team, adapters));
      const identities = await loadIdentities(
        store,
        needDirect.flatMap((d) => [...d.members.map((m) => m.id), ...(d.manager ? [d.manager.id] : [])]),
      );

      for (const d of digests) {
        if (!d.members.length && !d.digest.objectives.length) {
          count('emptyTeams');
          continue;
        }
        const subject = `digest:${d.team.id}:${week}`;
        const cards = new Map<Locale, Card>();
        const cardFor = (locale: Locale) =>
          cards.get(locale) ?? cards.set(locale, buildDigestCard(d.digest, locale)).get(locale)!;
        const group = teamChatAddress(d.team, adapters);
        if (group) {
          messages.push({
            topic: `team:${d.team.id}`,
            to: group,
            message: { card: cardFor(d.manager?.locale ?? 'zh-CN') },
            subject,
          });
          count('teamChats');
          continue;
        }
        const recipients = new Map<string, Person>(d.members.map((m) => [m.id, m]));
        if (d.manager) recipients.set(d.manager.id, d.manager);
        for (const person of recipients.values()) {
          const to = personAddress(identities, person.id, adapters, orgDefault);
          if (!to) {
            count('unreachable');
            continue;
          }
          messages.push({
            topic: `team:${d.team.id}`,
            to,
            message: { card: cardFor(person.locale) },
            subject,
          });
          count('directDigests');
        }
      }

      if (batch.includes(COMPANY)) {
        const admins = await store.db
          .select()
          .from(people)
          .where(and(eq(people.orgId, org.id), eq(people.role, 'admin')));
        if (admins.length) {
          const figures = await companyFigures(store, org, cycle, ctx.now, unit.timeZone, week);
          if (options.mostImproved) figures.mostImproved = await options.mostImproved(ctx.services, org, ctx.now);
          const adminIdentities = await loadIdentities(
            store,
            admins.map((a) => a.id),
          );
          for (const admin of admins) {
            const to = personAddress(adminIdentities, admin.id, adapters, orgDefault);
            if (!to) {
              count('unreachable');
              continue;
            }
            messages.push({
              topic: COMPANY,
              to,
              message: { card: buildCompanyDigestCard(figures, admin.locale) },
              subject: `company-digest:${org.id}:${week}`,
            });
            count('companyDigests');
          }
        }
      }
      return messages;
    },
    { batchSize: 25 },
  );
}
