// Closing a performance cycle (docs/review.md): start the review (one review row per person
// with objectives, their computed scores, one self-assessment card each), report its
// progress, and close it (final scores, then the cycle is locked). Used by the API, the
// auto-start job and the bench.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Address } from '../../bots/types';
import { buildSelfAssessmentCard } from '../../cards/review';
import type { Clock } from '../../core/clock';
import { localeOf, t } from '../../core/i18n';
import { finalScore, roundScore, SCALES, selfOrComputedMean, toScale } from '../../core/okr/review';
import { localDate } from '../../core/okr/pace';
import { type emptySums, objectiveProgressFromSums } from '../../core/okr/progress';
import { cycleScore } from '../../core/okr/scoring';
import { addDays } from '../../core/time';
import { nextTurn } from '../../core/loop';
import { loadIdentities, personAddress } from '../../jobs/recipients';
import type { Statement, Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { auditStatement, type ActorType } from '../../storage/repos/audit';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Cycle, Organization } from '../../storage/repos/types';
import {
  cycles,
  keyResults,
  objectives,
  outbox,
  people,
  personFlags,
  reviewObjectives,
  reviews,
  teams,
} from '../../storage/schema';
import { outboxBulkStatements, type OutboundItem } from '../outbox/enqueue';
import { carryLines } from './carry';

export type Review = typeof reviews.$inferSelect;
export type ReviewObjective = typeof reviewObjectives.$inferSelect;

export interface ReviewDeps {
  store: Store;
  clock: Clock;
  config: { defaultTimezone: string };
  /** Platforms messages may be addressed to (Services.addressable). */
  addressable: ReadonlySet<string>;
}

/** Why a review action cannot happen; the API maps these to 409 with the message. */
export class ReviewStateError extends Error {
  constructor(
    readonly reason: 'closed' | 'not_reviewing' | 'bad_dates',
    message: string,
  ) {
    super(message);
  }
}

/** Rows per multi-row insert: D1 binds at most 100 parameters per statement. */
const chunkRows = (columns: number) => Math.max(1, Math.floor(90 / columns));

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const orgTimezone = (org: Organization, deps: ReviewDeps) =>
  org.settings?.timezone ?? deps.config.defaultTimezone;

/** A cycle's rows count for appraisal unless it ends before the org's `observation_until`. */
export function countsForAppraisal(org: Organization, cycle: Pick<Cycle, 'endsOn'>): boolean {
  const until = effectiveSettings(org.settings).observationUntil;
  return !until || cycle.endsOn >= until;
}

/** The self-assessment card's idempotency key: one card per review, however often the start is retried. */
export const selfCardKey = (reviewId: string) => `rvs_${reviewId}`;

export interface StartInput {
  selfDue?: string;
  calibrationDue?: string;
}

export interface StartResult {
  started: boolean;
  people: number;
  cards: number;
  cycle: Cycle;
}

/**
 * Starts the review of `cycle`: every active person owning an active objective in it gets a
 * review row (objective scores computed from KR progress now) and one self-assessment card.
 * Starting a review that runs already changes nothing; a closed cycle is refused.
 */
export async function startReview(
  deps: ReviewDeps,
  org: Organization,
  cycle: Cycle,
  input: StartInput,
  actor: { type: ActorType; id?: string | null },
): Promise<StartResult> {
  const { store } = deps;
  if (cycle.status === 'closed')
    throw new ReviewStateError('closed', `Cycle "${cycle.name}" is closed; its review cannot start again.`);
  if (cycle.status === 'reviewing') return { started: false, people: 0, cards: 0, cycle };
  const settings = effectiveSettings(org.settings);
  const now = deps.clock.now();
  const today = localDate(now, orgTimezone(org, deps));
  const selfDue = input.selfDue ?? addDays(today, settings.reviewSelfDays);
  const calibrationDue = input.calibrationDue ?? addDays(selfDue, settings.reviewCalibrationDays);
  if (selfDue < today)
    throw new ReviewStateError('bad_dates', `self_due ${selfDue} is in the past (today is ${today}).`);
  if (calibrationDue < selfDue)
    throw new ReviewStateError('bad_dates', `calibration_due ${calibrationDue} is before self_due ${selfDue}.`);

  const owned = await store.db
    .select({
      id: objectives.id,
      title: objectives.title,
      personId: people.id,
      name: people.name,
      locale: people.locale,
      managerId: people.managerId,
      teamId: people.teamId,
    })
    .from(objectives)
    .innerJoin(people, eq(people.id, objectives.ownerPersonId))
    .where(
      and(
        eq(objectives.orgId, org.id),
        eq(objectives.cycleId, cycle.id),
        eq(objectives.ownerType, 'person'),
        eq(objectives.status, 'active'),
        eq(people.status, 'active'),
      ),
    )
    .orderBy(asc(objectives.ownerPersonId), asc(objectives.position), asc(objectives.createdAt), asc(objectives.id));
  const sums = await objectiveSums(store, org.id, cycle.id);

  const byPerson = new Map<string, typeof owned>();
  for (const row of owned) {
    const list = byPerson.get(row.personId) ?? [];
    list.push(row);
    byPerson.set(row.personId, list);
  }
  const identities = await loadIdentities(store, [...byPerson.keys()]);
  const at = now.toISOString();
  // The card's "carry into the next cycle" buttons; nothing is carried before the review runs.
  const carry = await carryLines(
    store,
    org.id,
    cycle.id,
    [...byPerson].map(([personId, list]) => ({ personId, objectiveIds: list.map((o) => o.id) })),
    { carried: false },
  );
  const reviewRows: (typeof reviews.$inferInsert)[] = [];
  const objectiveRows: (typeof reviewObjectives.$inferInsert)[] = [];
  const messages: OutboundItem[] = [];
  const counts = countsForAppraisal(org, cycle);
  for (const [personId, list] of byPerson) {
    const reviewId = newId('rv');
    const scored = list.map((o, i) => {
      const s = sums.get(o.id);
      const progress = s ? objectiveProgressFromSums(s) : 0;
      return {
        reviewId,
        objectiveId: o.id,
        orgId: org.id,
        number: i + 1,
        title: o.title,
        weight: s && s.weightSum > 0 ? s.weightSum : 1,
        progress: roundScore(progress),
        computedScore: cycleScore(progress),
        selfScore: null,
        note: null,
        selfAt: null,
      };
    });
    objectiveRows.push(...scored);
    const first = list[0];
    reviewRows.push({
      id: reviewId,
      orgId: org.id,
      cycleId: cycle.id,
      personId,
      managerId: first.managerId,
      teamId: first.teamId,
      computedScore: selfOrComputedMean(scored),
      createdAt: at,
    });
    const to = personAddress(identities, personId, deps.addressable, settings.defaultPlatform);
    if (!to) continue;
    const card = buildSelfAssessmentCard({
      locale: localeOf(first),
      reviewId,
      cycleName: cycle.name,
      personName: first.name,
      due: selfDue,
      scale: settings.reviewScale,
      objectives: scored.map((o) => ({ ...o, selfScore: null, note: null })),
      retrospective: null,
      selfScore: null,
      countsForAppraisal: counts,
      carry: carry.get(personId) ?? [],
    });
    messages.push(selfCardMessage(org.id, reviewId, to, card));
  }

  const statements: Statement[] = [
    // Only a cycle not yet reviewing or closed moves: a concurrent start changes no row and fails the claim below.
    store.db
      .update(cycles)
      .set({ status: 'reviewing', reviewStartedAt: at, selfDue, calibrationDue })
      .where(and(eq(cycles.id, cycle.id), inArray(cycles.status, ['planning', 'active']))),
    ...chunks(reviewRows, chunkRows(8)).map((rows) => store.db.insert(reviews).values(rows)),
    ...chunks(objectiveRows, chunkRows(11)).map((rows) => store.db.insert(reviewObjectives).values(rows)),
    ...outboxBulkStatements(store, messages, now),
    auditStatement(store, {
      orgId: org.id,
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'review.start',
      entityType: 'cycle',
      entityId: cycle.id,
      data: { selfDue, calibrationDue, people: reviewRows.length },
      now,
    }),
  ];
  // The unique (cycle, person) index makes a second, racing start abort as a whole.
  await store.atomic(statements);
  const [updated] = await store.db.select().from(cycles).where(eq(cycles.id, cycle.id));
  return { started: true, people: reviewRows.length, cards: messages.length, cycle: updated };
}

export function selfCardMessage(
  orgId: string,
  reviewId: string,
  to: Address,
  card: ReturnType<typeof buildSelfAssessmentCard>,
): OutboundItem {
  return {
    operation: 'send',
    to,
    message: { card },
    orgId,
    subject: `review:${reviewId}`,
    idempotencyKey: selfCardKey(reviewId),
  };
}

/** Per objective of the cycle: the sums its progress is the weighted mean of (active KRs only). */
async function objectiveSums(store: Store, orgId: string, cycleId: string) {
  const rows = await store.db
    .select({
      objectiveId: keyResults.objectiveId,
      weightedSum: sql<number>`coalesce(sum(case when ${keyResults.weight} > 0 then ${keyResults.weight} * ${keyResults.progress} end), 0)`,
      weightSum: sql<number>`coalesce(sum(case when ${keyResults.weight} > 0 then ${keyResults.weight} end), 0)`,
      plainSum: sql<number>`coalesce(sum(${keyResults.progress}), 0)`,
      count: sql<number>`count(*)`,
    })
    .from(keyResults)
    .where(and(eq(keyResults.orgId, orgId), eq(keyResults.cycleId, cycleId), eq(keyResults.status, 'active')))
    .groupBy(keyResults.objectiveId);
  const out = new Map<string, ReturnType<typeof emptySums>>();
  for (const r of rows)
    out.set(r.objectiveId, {
      weightedSum: Number(r.weightedSum),
      weightSum: Number(r.weightSum),
      plainSum: Number(r.plainSum),
      count: Number(r.count),
    });
  return out;
}

/** Every review of a cycle with its objectives (in number order). */
export async function loadCycleReviews(store: Store, orgId: string, cycleId: string) {
  const rows = await store.db
    .select()
    .from(reviews)
    .where(and(eq(reviews.orgId, orgId), eq(reviews.cycleId, cycleId)))
    .orderBy(asc(reviews.id));
  const objectivesByReview = new Map<string, ReviewObjective[]>();
  const objs = await store.db
    .select({ o: reviewObjectives })
    .from(reviewObjectives)
    .innerJoin(reviews, eq(reviews.id, reviewObjectives.reviewId))
    .where(and(eq(reviews.orgId, orgId), eq(reviews.cycleId, cycleId)))
    .orderBy(asc(reviewObjectives.reviewId), asc(reviewObjectives.number));
  for (const { o } of objs) {
    const list = objectivesByReview.get(o.reviewId) ?? [];
    list.push(o);
    objectivesByReview.set(o.reviewId, list);
  }
  return rows.map((review) => ({ review, objectives: objectivesByReview.get(review.id) ?? [] }));
}

/** The final score rule (core/okr/review.ts) applied to a stored review. */
export function reviewFinal(review: Review, objs: ReviewObjective[]): number {
  return finalScore({
    objectives: objs,
    calibratedScore: review.calibratedScore,
    appealGranted: review.appealStatus === 'granted',
  });
}

export interface CloseResult {
  changed: boolean;
  cycle: Cycle;
  people: number;
  openAppeals: number;
  /** Hours from the review's start to the close (null without a review). */
  hours: number | null;
}

/** The final-score message's outbox key: one per review, i.e. per cycle and person, however often it is enqueued. */
export const finalMessageKey = (reviewId: string) => `rvf_${reviewId}`;

/**
 * Closes `cycle`: every review gets its final score and the cycle is locked (check-ins,
 * adjustments and self-scores are refused from then on). Closing a closed cycle changes nothing.
 */
export async function closeCycle(
  deps: ReviewDeps,
  org: Organization,
  cycle: Cycle,
  actor: { type: ActorType; id?: string | null },
): Promise<CloseResult> {
  const { store } = deps;
  const hoursOf = (c: Cycle) =>
    c.reviewStartedAt && c.closedAt
      ? Math.round(((Date.parse(c.closedAt) - Date.parse(c.reviewStartedAt)) / 3_600_000) * 100) / 100
      : null;
  const all = await loadCycleReviews(store, org.id, cycle.id);
  const openAppeals = all.filter((r) => r.review.appealStatus === 'open').length;
  if (cycle.status === 'closed')
    return { changed: false, cycle, people: all.length, openAppeals, hours: hoursOf(cycle) };
  const now = deps.clock.now();
  const at = now.toISOString();
  const statements: Statement[] = [
    store.db
      .update(cycles)
      .set({ status: 'closed', closedAt: at, scoredAt: at })
      .where(and(eq(cycles.id, cycle.id), sql`${cycles.status} <> 'closed'`)),
  ];
  // Grouped by score: one UPDATE … WHERE id IN (…) per distinct final score and chunk.
  const byScore = new Map<number, string[]>();
  for (const { review, objectives: objs } of all) {
    const score = reviewFinal(review, objs);
    const list = byScore.get(score) ?? [];
    list.push(review.id);
    byScore.set(score, list);
  }
  for (const [score, ids] of byScore)
    for (const chunk of chunks(ids, 90))
      statements.push(store.db.update(reviews).set({ finalScore: score }).where(inArray(reviews.id, chunk)));
  statements.push(
    auditStatement(store, {
      orgId: org.id,
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'cycle.close',
      entityType: 'cycle',
      entityId: cycle.id,
      data: { people: all.length, openAppeals },
      now,
    }),
  );
  await store.atomic(statements);
  const [updated] = await store.db.select().from(cycles).where(eq(cycles.id, cycle.id));
  return { changed: true, cycle: updated, people: all.length, openAppeals, hours: hoursOf(updated) };
}

/** Rows per atomic batch of final-score messages: the event loop gets a turn between batches. */
const FINAL_BATCH = 700;

/**
 * Each reviewed person's final-score message (below), enqueued after the close rather than in its
 * batch, so the close itself costs what it did (bench:review). Idempotent: the outbox row id is
 * derived from the review (one per cycle and person), rows already there are skipped and the
 * inserts do nothing on a conflict, so callers may run it as often as they like — the close's
 * callers right after it, and the review-sweep job in the days after a close, in case the process
 * stopped in between. Returns how many messages this call enqueued.
 */
export async function sendFinalMessages(deps: ReviewDeps, org: Organization, cycle: Cycle): Promise<number> {
  const { store } = deps;
  if (cycle.status !== 'closed') return 0;
  const all = await loadCycleReviews(store, org.id, cycle.id);
  const finals = new Map(
    all.map(({ review, objectives: objs }) => [review.id, review.finalScore ?? reviewFinal(review, objs)]),
  );
  const items = await finalScoreMessages(deps, org, cycle, all, finals);
  const there = new Set<string>();
  const keys = items.map((m) => m.idempotencyKey!);
  for (const chunk of chunks(keys, 90))
    for (const r of await store.db.select({ id: outbox.id }).from(outbox).where(inArray(outbox.id, chunk)))
      there.add(r.id);
  const fresh = items.filter((m) => !there.has(m.idempotencyKey!));
  const now = deps.clock.now();
  for (const batch of chunks(fresh, FINAL_BATCH)) {
    await store.atomic(outboxBulkStatements(store, batch, now).map((insert) => insert.onConflictDoNothing()));
    await nextTurn();
  }
  return fresh.length;
}

/**
 * One text message per reviewed person at close: their final score on the org's scale, and
 * whether it counts for appraisal (observation period). Sent on the person's primary platform,
 * in their language; leavers and people without a reachable identity get none. The outbox's
 * per-recipient rate limits pace them like every other message.
 */
async function finalScoreMessages(
  deps: ReviewDeps,
  org: Organization,
  cycle: Cycle,
  all: { review: Review }[],
  finals: Map<string, number>,
): Promise<OutboundItem[]> {
  if (!all.length) return [];
  const settings = effectiveSettings(org.settings);
  const counts = countsForAppraisal(org, cycle);
  const personIds = all.map((r) => r.review.personId);
  const who = await deps.store.db
    .select({ id: people.id, locale: people.locale })
    .from(people)
    .where(eq(people.orgId, org.id));
  const localeById = new Map(who.map((p) => [p.id, p]));
  const identities = await loadIdentities(deps.store, personIds);
  const out: OutboundItem[] = [];
  for (const { review } of all) {
    const person = localeById.get(review.personId);
    const to = person && personAddress(identities, review.personId, deps.addressable, settings.defaultPlatform);
    if (!person || !to) continue;
    const locale = localeOf(person);
    const score = toScale(finals.get(review.id) ?? null, settings.reviewScale);
    const text = [
      t(locale, 'review.final.notice', { cycle: cycle.name, score, range: SCALES[settings.reviewScale].label }),
      t(locale, counts ? 'review.final.counts' : 'review.final.observation'),
    ].join('\n');
    out.push({
      operation: 'send',
      to,
      message: { text },
      orgId: org.id,
      subject: `review-final:${review.id}`,
      idempotencyKey: finalMessageKey(review.id),
    });
  }
  return out;
}

export interface TeamProgress {
  team_id: string | null;
  team: string | null;
  people: number;
  self_assessed: number;
  calibrated: number;
  appealed: number;
  overdue: number;
}

/** The review's progress for GET /cycles/:id/review and the dashboard. */
export async function reviewProgress(deps: ReviewDeps, org: Organization, cycle: Cycle) {
  const { store } = deps;
  const today = localDate(deps.clock.now(), orgTimezone(org, deps));
  const all = await loadCycleReviews(store, org.id, cycle.id);
  const teamRows = await store.db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.orgId, org.id));
  const teamName = new Map(teamRows.map((t) => [t.id, t.name]));
  const selfOverdue = (r: Review) => r.selfScore == null && !!cycle.selfDue && today > cycle.selfDue;
  const calibrationOverdue = (r: Review) =>
    r.calibratedScore == null && !!cycle.calibrationDue && today > cycle.calibrationDue;
  const perTeam = new Map<string, TeamProgress>();
  const overdue: { review_id: string; person_id: string; stage: 'self' | 'calibration' }[] = [];
  for (const { review: r } of all) {
    const key = r.teamId ?? '';
    const entry = perTeam.get(key) ?? {
      team_id: r.teamId,
      team: r.teamId ? (teamName.get(r.teamId) ?? null) : null,
      people: 0,
      self_assessed: 0,
      calibrated: 0,
      appealed: 0,
      overdue: 0,
    };
    entry.people++;
    if (r.selfScore != null) entry.self_assessed++;
    if (r.calibratedScore != null) entry.calibrated++;
    if (r.appealAt) entry.appealed++;
    const late = selfOverdue(r) ? 'self' : calibrationOverdue(r) ? 'calibration' : null;
    if (late) {
      entry.overdue++;
      overdue.push({ review_id: r.id, person_id: r.personId, stage: late });
    }
    perTeam.set(key, entry);
  }
  const reviewsOnly = all.map((x) => x.review);
  return {
    cycle_id: cycle.id,
    status: cycle.status,
    review_started_at: cycle.reviewStartedAt,
    self_due: cycle.selfDue,
    calibration_due: cycle.calibrationDue,
    closed_at: cycle.closedAt,
    people: all.length,
    self_assessed: reviewsOnly.filter((r) => r.selfScore != null).length,
    calibrated: reviewsOnly.filter((r) => r.calibratedScore != null).length,
    appealed: reviewsOnly.filter((r) => r.appealAt).length,
    open_appeals: reviewsOnly.filter((r) => r.appealStatus === 'open').length,
    overdue: overdue.length,
    overdue_people: overdue,
    teams: [...perTeam.values()].sort((a, b) => (a.team ?? '').localeCompare(b.team ?? '')),
  };
}

/** Flags set by rules (e.g. a frozen promotion nomination) per person, for the team card and the sheet. */
export async function flagsOf(store: Store, orgId: string, personIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const chunk of chunks([...new Set(personIds)], 90)) {
    if (!chunk.length) continue;
    const rows = await store.db
      .select({ personId: personFlags.personId, flag: personFlags.flag })
      .from(personFlags)
      .where(and(eq(personFlags.orgId, orgId), inArray(personFlags.personId, chunk)));
    for (const r of rows) out.set(r.personId, [...(out.get(r.personId) ?? []), r.flag]);
  }
  return out;
}

/** The seed's figures for GET /api/v1/stats: hours from review start to close, and appeals (null before a review). */
export async function reviewFigures(store: Store, orgId: string, cycle: Cycle) {
  if (!cycle.reviewStartedAt) return null;
  const [row] = await store.db
    .select({
      people: sql<number>`count(*)`,
      selfAssessed: sql<number>`count(${reviews.selfScore})`,
      calibrated: sql<number>`count(${reviews.calibratedScore})`,
      appeals: sql<number>`count(${reviews.appealAt})`,
      openAppeals: sql<number>`coalesce(sum(case when ${reviews.appealStatus} = 'open' then 1 else 0 end), 0)`,
    })
    .from(reviews)
    .where(and(eq(reviews.orgId, orgId), eq(reviews.cycleId, cycle.id)));
  return {
    status: cycle.status,
    startedAt: cycle.reviewStartedAt,
    closedAt: cycle.closedAt,
    hoursToClose: cycle.closedAt
      ? Math.round(((Date.parse(cycle.closedAt) - Date.parse(cycle.reviewStartedAt)) / 3_600_000) * 100) / 100
      : null,
    people: Number(row?.people ?? 0),
    selfAssessed: Number(row?.selfAssessed ?? 0),
    calibrated: Number(row?.calibrated ?? 0),
    appeals: Number(row?.appeals ?? 0),
    openAppeals: Number(row?.openAppeals ?? 0),
  };
}
