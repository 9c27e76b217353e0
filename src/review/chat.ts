// The review in chat (docs/review.md): self-assessment (`自评 O1 0.7 备注 …`, the card's
// buttons, `复盘 …`), calibration by the manager or their delegate (`校准 张三 0.6 原因 …`,
// the team card's confirm buttons) and appeals (`申诉 原因 …`, decided from a card by the
// manager's manager, else the admins).
//
// Rights: a card value names a review; it is acted on only by its owner (self-score), a
// calibrator (the manager, the approver the person would be routed to today, or an active
// delegate of either) or the appeal's decider. Anything else is refused, audited
// (`review.refused`) and changes nothing. Every change bumps the review's `version` and
// claims `review:<id>:v<version>` in the same batch, so a double click or a repeated delivery
// that raced applies once; one that did not race finds the value already there and is told so.
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { CardActionEvent } from '../../bots/types';
import { buildAppealCard, buildCalibrationCard, buildSelfAssessmentCard } from '../../cards/review';
import type { Card } from '../../cards/model';
import { localeOf, t, type Locale } from '../../core/i18n';
import { fromScale, SCALES, selfOrComputedMean, toScale } from '../../core/okr/review';
import { log } from '../../core/log';
import type { Statement } from '../../storage/db';
import { auditStatement } from '../../storage/repos/audit';
import { effectiveSettings } from '../../storage/repos/org-settings';
import { getPerson } from '../../storage/repos/people';
import type { Cycle, Person } from '../../storage/repos/types';
import { newId } from '../../storage/ids';
import { chatKrNumbers } from '../../storage/repos/okrs';
import { claims, cycles, keyResults, objectives, people, reviewObjectives, reviews } from '../../storage/schema';
import { formatValue } from '../../core/format';
import { carryLines, nextCycleOf, nextCycleStart, type CarryLine } from './carry';
import { addressOf, personAt } from '../approvals/addresses';
import { activeDelegate, baseApprovers, standingInFor } from '../approvals/routing';
import type { ActionHandler, ChatContext, CommandHandler } from '../chat/context';
import { noEffects, type Effects } from '../chat/effects';
import type { Command } from '../chat/parse';
import type { OutboundItem } from '../outbox/enqueue';
import { sentCopies, isClickedCopy } from '../outbox/copies';
import { retrospectiveText } from './parse';
import { countsForAppraisal, flagsOf, reviewFinal, type Review, type ReviewObjective } from './service';

const MAX_NOTE = 500;
const MAX_RETRO = 1000;

const scaleOf = (ctx: Pick<ChatContext, 'org'>) => effectiveSettings(ctx.org.settings).reviewScale;

const say = (ctx: ChatContext, text: string, extra: Partial<Effects> = {}): Effects => ({
  ...noEffects(),
  ...extra,
  messages: [...(ctx.event.type === 'message' ? [ctx.reply({ text })] : []), ...(extra.messages ?? [])],
  result: extra.result ?? { toast: { kind: 'info', text } },
});

/** A text message to `person` in their own language, when they are reachable on this platform. */
async function textTo(ctx: ChatContext, person: Person, text: (locale: Locale) => string): Promise<OutboundItem[]> {
  const to = await addressOf(ctx.store, person.id, ctx.event.platform);
  return to ? [{ operation: 'send', to, orgId: ctx.org.id, message: { text: text(localeOf(person)) } }] : [];
}

/** A refusal: logged, audited, nothing else written. */
function refuse(ctx: ChatContext, reviewId: string, reason: string, text: string): Effects {
  log.warn(`refused review action by ${ctx.person.id} on ${reviewId}: ${reason}`, {
    org: ctx.org.slug,
    platform: ctx.event.platform,
  });
  const value = ctx.event.type === 'card_action' ? ctx.event.value : null;
  return {
    statements: [
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'review.refused',
        entityType: 'review',
        entityId: reviewId.slice(0, 80),
        data: { reason, platform: ctx.event.platform, value },
        now: ctx.clock.now(),
      }),
    ],
    messages: ctx.event.type === 'message' ? [ctx.reply({ text })] : [],
    result: { toast: { kind: 'error', text } },
  };
}

/** The statements of one change to a review: the version claim and the update guarded by the version read. */
function bump(ctx: ChatContext, review: Review, set: Partial<Review>): Statement[] {
  const at = ctx.clock.now().toISOString();
  return [
    ctx.store.db.insert(claims).values({ key: `review:${review.id}:v${review.version}`, createdAt: at }),
    ctx.store.db
      .update(reviews)
      .set({ ...set, version: review.version + 1 })
      .where(and(eq(reviews.id, review.id), eq(reviews.version, review.version))),
  ];
}

async function cycleOf(ctx: ChatContext, cycleId: string): Promise<Cycle | undefined> {
  const [row] = await ctx.store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, ctx.org.id), eq(cycles.id, cycleId)));
  return row;
}

async function reviewById(ctx: ChatContext, id: string | undefined): Promise<Review | undefined> {
  if (!id || id.length > 64) return undefined;
  const [row] = await ctx.store.db
    .select()
    .from(reviews)
    .where(and(eq(reviews.orgId, ctx.org.id), eq(reviews.id, id)));
  return row;
}

/**
 * The review a card button names (`value.rv`) with its cycle, when the clicker owns it; otherwise
 * the audited refusal (a forged or foreign click changes nothing).
 */
async function ownReviewOfAction(
  ctx: ChatContext,
  event: CardActionEvent,
): Promise<{ review: Review; cycle: Cycle } | Effects> {
  const review = await reviewById(ctx, event.value.rv as string | undefined);
  if (!review) return refuse(ctx, String(event.value.rv ?? ''), 'no such review', t(ctx.locale, 'review.forged'));
  if (review.personId !== ctx.person.id)
    return refuse(ctx, review.id, 'not the owner of this review', t(ctx.locale, 'review.notOwner'));
  const cycle = await cycleOf(ctx, review.cycleId);
  if (!cycle) return refuse(ctx, review.id, 'no cycle', t(ctx.locale, 'review.forged'));
  return { review, cycle };
}

async function objectivesOf(ctx: ChatContext, reviewId: string): Promise<ReviewObjective[]> {
  return ctx.store.db
    .select()
    .from(reviewObjectives)
    .where(eq(reviewObjectives.reviewId, reviewId))
    .orderBy(reviewObjectives.number);
}

/** The person's newest review (a running one first), with its cycle. */
async function myReview(ctx: ChatContext): Promise<{ review: Review; cycle: Cycle } | undefined> {
  const rows = await ctx.store.db
    .select({ review: reviews, cycle: cycles })
    .from(reviews)
    .innerJoin(cycles, eq(cycles.id, reviews.cycleId))
    .where(and(eq(reviews.orgId, ctx.org.id), eq(reviews.personId, ctx.person.id)))
    .orderBy(desc(cycles.endsOn))
    .limit(5);
  return rows.find((r) => r.cycle.status === 'reviewing') ?? rows[0];
}

/** Why nothing can change in `cycle` now, or undefined when its review runs. */
function lockedText(ctx: ChatContext, cycle: Cycle): string | undefined {
  if (cycle.status === 'closed') return t(ctx.locale, 'review.closedCycle', { cycle: cycle.name });
  if (cycle.status !== 'reviewing') return t(ctx.locale, 'review.notStarted', { cycle: cycle.name });
  return undefined;
}

async function selfCard(
  ctx: ChatContext,
  review: Review,
  objs: ReviewObjective[],
  cycle: Cycle,
  owner: Pick<Person, 'name'>,
  locale: Locale,
  /** A carry this event is about to commit: KR id → the next cycle's name. */
  justCarried?: { id: string; cycle: string },
): Promise<Card> {
  const calibrator = review.calibratedBy ? await getPerson(ctx.store, ctx.org.id, review.calibratedBy) : undefined;
  const carry = (await reviewCarryLines(ctx, review, objs)).map((l) =>
    l.id === justCarried?.id ? { ...l, carriedTo: justCarried.cycle } : l,
  );
  return buildSelfAssessmentCard({
    carry,
    locale,
    reviewId: review.id,
    cycleName: cycle.name,
    personName: owner.name,
    due: cycle.selfDue,
    scale: scaleOf(ctx),
    objectives: objs,
    retrospective: review.retrospective,
    selfScore: review.selfScore,
    calibrated:
      review.calibratedScore != null && review.appealStatus !== 'granted'
        ? { score: review.calibratedScore, by: calibrator?.name ?? '—' }
        : null,
    countsForAppraisal: countsForAppraisal(ctx.org, cycle),
    ...(cycle.status === 'closed' ? { closedFinal: review.finalScore ?? reviewFinal(review, objs) } : {}),
  });
}

// ---------------------------------------------------------------- self-assessment

const reviewCardCommand: CommandHandler = async (ctx) => {
  const mine = await myReview(ctx);
  if (!mine) return say(ctx, t(ctx.locale, 'review.noReview'));
  const objs = await objectivesOf(ctx, mine.review.id);
  const card = await selfCard(ctx, mine.review, objs, mine.cycle, ctx.person, ctx.locale);
  return { ...noEffects(), messages: [ctx.reply({ card }, `review:${mine.review.id}`)] };
};

const retrospectiveCommand: CommandHandler = async (ctx, parsed, event) => {
  if (parsed.type !== 'retrospective') return undefined;
  const command = { ...parsed, text: retrospectiveText(event.text, parsed.text) };
  const mine = await myReview(ctx);
  if (!mine) return say(ctx, t(ctx.locale, 'review.noReview'));
  const locked = lockedText(ctx, mine.cycle);
  if (locked) return say(ctx, locked);
  if (command.text.length > MAX_RETRO) return say(ctx, t(ctx.locale, 'review.retroTooLong', { max: MAX_RETRO }));
  if (command.text === mine.review.retrospective) return say(ctx, t(ctx.locale, 'review.retroRecorded'));
  const now = ctx.clock.now();
  const updated = { ...mine.review, retrospective: command.text };
  const card = await selfCard(
    ctx,
    updated,
    await objectivesOf(ctx, mine.review.id),
    mine.cycle,
    ctx.person,
    ctx.locale,
  );
  return {
    statements: [
      ...bump(ctx, mine.review, { retrospective: command.text }),
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'review.retrospective',
        entityType: 'review',
        entityId: mine.review.id,
        data: { length: command.text.length },
        now,
      }),
    ],
    messages: [ctx.reply({ text: t(ctx.locale, 'review.retroRecorded') }), ctx.reply({ card })],
    onConflict: async () => say(ctx, t(ctx.locale, 'review.retroRecorded')),
  };
};

function outOfScale(ctx: ChatContext, objective: number): string {
  const spec = SCALES[scaleOf(ctx)];
  const example = scaleOf(ctx) === '0-100' ? '70' : '0.7';
  return t(ctx.locale, 'review.outOfScale', {
    range: spec.label,
    step: String(spec.step),
    hint: `${ctx.locale === 'en' ? 'self-score' : '自评'} O${objective} ${example}`,
  });
}

/** Records the owner's self score of objective `number`; shared by the typed command and the card. */
async function applySelfScore(
  ctx: ChatContext,
  review: Review,
  cycle: Cycle,
  input: { number: number; score: number; note?: string | null },
): Promise<Effects> {
  const locked = lockedText(ctx, cycle);
  if (locked) return say(ctx, locked, { result: { toast: { kind: 'error', text: locked } } });
  const objs = await objectivesOf(ctx, review.id);
  const target = objs.find((o) => o.number === input.number);
  if (!target) {
    const list = objs.map((o) => `O${o.number} ${o.title}`).join(t(ctx.locale, 'list.separator'));
    return say(ctx, t(ctx.locale, 'review.objectiveNotFound', { number: input.number, list }));
  }
  const scale = scaleOf(ctx);
  const note = input.note?.trim() ? input.note.trim().slice(0, MAX_NOTE) : undefined;
  const scoreText = toScale(input.score, scale);
  if (target.selfScore === input.score && (note === undefined || note === target.note)) {
    const text = t(ctx.locale, 'review.selfSame', { number: target.number, score: scoreText });
    return say(ctx, text, { result: { toast: { kind: 'info', text } } });
  }
  const now = ctx.clock.now();
  const at = now.toISOString();
  const nextObjs = objs.map((o) =>
    o.number === target.number ? { ...o, selfScore: input.score, note: note ?? o.note, selfAt: at } : o,
  );
  const complete = nextObjs.every((o) => o.selfScore != null);
  const selfScore = complete ? selfOrComputedMean(nextObjs) : null;
  const updated: Review = { ...review, selfScore, selfAt: complete ? (review.selfAt ?? at) : null };
  const statements: Statement[] = [
    ...bump(ctx, review, { selfScore, selfAt: updated.selfAt }),
    ctx.store.db
      .update(reviewObjectives)
      .set({ selfScore: input.score, note: note ?? target.note, selfAt: at })
      .where(and(eq(reviewObjectives.reviewId, review.id), eq(reviewObjectives.objectiveId, target.objectiveId))),
    auditStatement(ctx.store, {
      orgId: ctx.org.id,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'review.self_score',
      entityType: 'review',
      entityId: review.id,
      data: { objective: target.objectiveId, score: input.score, note: note ?? null, platform: ctx.event.platform },
      now,
    }),
  ];
  const messages: OutboundItem[] = [];
  // The last self-assessment of a manager's reports sends the manager (and delegate) the team card.
  if (complete && review.selfScore == null && review.managerId && !review.calibrationSentAt) {
    const team = await ctx.store.db
      .select({ id: reviews.id, selfScore: reviews.selfScore })
      .from(reviews)
      .where(and(eq(reviews.cycleId, review.cycleId), eq(reviews.managerId, review.managerId)));
    if (team.every((r) => r.id === review.id || r.selfScore != null)) {
      messages.push(...(await teamCardMessages(ctx, review.managerId, cycle, new Map([[review.id, updated]]))));
      statements.push(
        ctx.store.db
          .update(reviews)
          .set({ calibrationSentAt: at })
          .where(and(eq(reviews.cycleId, review.cycleId), eq(reviews.managerId, review.managerId))),
      );
    }
  }
  const card = await selfCard(ctx, updated, nextObjs, cycle, ctx.person, ctx.locale);
  const text =
    complete && review.selfScore == null
      ? t(ctx.locale, 'review.selfAllDone', { score: toScale(selfScore, scale) })
      : t(ctx.locale, 'review.selfRecorded', { number: target.number, score: scoreText });
  const typed = ctx.event.type === 'message';
  return {
    statements,
    messages: [...(typed ? [ctx.reply({ text }), ctx.reply({ card }, `review:${review.id}`)] : []), ...messages],
    result: { toast: { kind: 'success', text }, card },
    // A repeated click that raced this one: the score is there; say so, change nothing.
    onConflict: async () => {
      const text2 = t(ctx.locale, 'review.selfSame', { number: target.number, score: scoreText });
      return say(ctx, text2);
    },
  };
}

const selfScoreCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'self_score') return undefined;
  const mine = await myReview(ctx);
  if (!mine) return say(ctx, t(ctx.locale, 'review.noReview'));
  const locked = lockedText(ctx, mine.cycle);
  if (locked) return say(ctx, locked);
  const score = fromScale(command.value, scaleOf(ctx));
  if (score === undefined) return say(ctx, outOfScale(ctx, command.objective));
  return applySelfScore(ctx, mine.review, mine.cycle, {
    number: command.objective,
    score,
    note: command.note ?? null,
  });
};

/** The self-assessment card's buttons: `{ rv, o, s }` with the score already on the 0..1 scale. */
const selfAction: ActionHandler = async (ctx, event) => {
  const own = await ownReviewOfAction(ctx, event);
  if ('statements' in own) return own;
  const { review, cycle } = own;
  const number = Number(event.value.o);
  const raw = Number(event.value.s);
  // Card values are stored 0..1; anything off the scale's steps is not a value a card of ours carries.
  const score = Number.isFinite(raw) ? fromScale(raw * SCALES[scaleOf(ctx)].max, scaleOf(ctx)) : undefined;
  if (!Number.isInteger(number) || score === undefined)
    return refuse(ctx, review.id, 'malformed score', outOfScale(ctx, Number.isInteger(number) ? number : 1));
  const effects = await applySelfScore(ctx, review, cycle, { number, score });
  return effects;
};

// ---------------------------------------------------------------- calibration

/** Who may calibrate `review` now: its manager, whoever the person would be routed to today, and their active delegates. */
async function calibrators(ctx: ChatContext, review: Review): Promise<Set<string>> {
  const base = new Set<string>();
  if (review.managerId) {
    const manager = await getPerson(ctx.store, ctx.org.id, review.managerId);
    if (manager?.status === 'active') base.add(manager.id);
  }
  const person = await getPerson(ctx.store, ctx.org.id, review.personId);
  if (person) for (const p of await baseApprovers(ctx.store, ctx.org.id, person)) base.add(p.id);
  const out = new Set(base);
  for (const id of base) {
    const delegate = await activeDelegate(ctx.store, ctx.org.id, id, ctx.clock.now());
    if (delegate) out.add(delegate);
  }
  out.delete(review.personId);
  return out;
}

/** The people whose reports `personId` calibrates: themselves and everyone with an active delegation to them. */
async function calibratingFor(ctx: ChatContext): Promise<string[]> {
  return [ctx.person.id, ...(await standingInFor(ctx.store, ctx.org.id, ctx.person.id, ctx.clock.now()))];
}

/** The manager's team calibration card (also sent by the review-sweep job at `self_due`). */
export async function teamCardFor(
  ctx: Pick<ChatContext, 'store' | 'org'>,
  managerId: string,
  cycle: Cycle,
  locale: Locale,
  viewerId: string,
  overrides = new Map<string, Review>(),
): Promise<Card | undefined> {
  const rows = await ctx.store.db
    .select({ review: reviews, name: people.name })
    .from(reviews)
    .innerJoin(people, eq(people.id, reviews.personId))
    .where(and(eq(reviews.cycleId, cycle.id), eq(reviews.managerId, managerId)))
    .orderBy(people.name);
  if (!rows.length) return undefined;
  const flags = await flagsOf(
    ctx.store,
    ctx.org.id,
    rows.map((r) => r.review.personId),
  );
  const manager = await getPerson(ctx.store, ctx.org.id, managerId);
  return buildCalibrationCard({
    locale,
    cycleId: cycle.id,
    cycleName: cycle.name,
    managerName: manager?.name ?? '—',
    due: cycle.calibrationDue,
    scale: scaleOf(ctx),
    lines: rows.map(({ review, name }) => {
      const r = overrides.get(review.id) ?? review;
      return {
        reviewId: r.id,
        name,
        computedScore: r.computedScore,
        selfScore: r.selfScore,
        calibratedScore: r.calibratedScore,
        flags: flags.get(r.personId) ?? [],
      };
    }),
    delegatedFrom: viewerId !== managerId ? (manager?.name ?? null) : null,
    closed: cycle.status === 'closed',
  });
}

/** The team card to the manager and to their active delegate. */
async function teamCardMessages(
  ctx: ChatContext,
  managerId: string,
  cycle: Cycle,
  overrides: Map<string, Review>,
): Promise<OutboundItem[]> {
  const out: OutboundItem[] = [];
  const delegate = await activeDelegate(ctx.store, ctx.org.id, managerId, ctx.clock.now());
  for (const id of [managerId, ...(delegate ? [delegate] : [])]) {
    const reader = await getPerson(ctx.store, ctx.org.id, id);
    if (reader?.status !== 'active') continue;
    const to = await addressOf(ctx.store, id, ctx.event.platform);
    const card = await teamCardFor(ctx, managerId, cycle, localeOf(reader), id, overrides);
    if (to && card)
      out.push({ operation: 'send', to, message: { card }, orgId: ctx.org.id, subject: `calibration:${cycle.id}` });
  }
  return out;
}

/** The running review cycle of the org, newest first (closed ones too, to say they are closed). */
async function reviewCycles(ctx: ChatContext): Promise<Cycle[]> {
  return ctx.store.db
    .select()
    .from(cycles)
    .where(and(eq(cycles.orgId, ctx.org.id), inArray(cycles.status, ['reviewing', 'closed'])))
    .orderBy(desc(cycles.endsOn))
    .limit(5);
}

const calibrationCardCommand: CommandHandler = async (ctx) => {
  const [cycle] = (await reviewCycles(ctx)).filter((c) => c.status === 'reviewing');
  if (!cycle) return say(ctx, t(ctx.locale, 'review.calib.none'));
  const cards: OutboundItem[] = [];
  for (const managerId of await calibratingFor(ctx)) {
    const card = await teamCardFor(ctx, managerId, cycle, ctx.locale, ctx.person.id);
    if (card) cards.push(ctx.reply({ card }, `calibration:${cycle.id}`));
  }
  if (!cards.length) return say(ctx, t(ctx.locale, 'review.calib.none'));
  return { ...noEffects(), messages: cards };
};

/** The people a name could mean among the reviews of `cycle`: by name (any case), external id or e-mail. */
async function reviewsNamed(ctx: ChatContext, cycleId: string, name: string) {
  const wanted = name.trim().toLowerCase();
  return ctx.store.db
    .select({ review: reviews, person: people })
    .from(reviews)
    .innerJoin(people, eq(people.id, reviews.personId))
    .where(
      and(
        eq(reviews.orgId, ctx.org.id),
        eq(reviews.cycleId, cycleId),
        or(
          sql`lower(${people.name}) = ${wanted}`,
          eq(people.externalId, name.trim()),
          sql`lower(${people.email}) = ${wanted}`,
        ),
      ),
    )
    .limit(5);
}

async function applyCalibration(
  ctx: ChatContext,
  review: Review,
  person: Person,
  cycle: Cycle,
  input: { score: number; reason: string | null },
): Promise<Effects> {
  const scale = scaleOf(ctx);
  const scoreText = toScale(input.score, scale);
  if (review.calibratedScore === input.score && (input.reason ?? null) === (review.calibrationReason ?? null)) {
    return say(ctx, t(ctx.locale, 'review.calib.same', { name: person.name, score: scoreText }));
  }
  const now = ctx.clock.now();
  const at = now.toISOString();
  const updated: Review = {
    ...review,
    calibratedScore: input.score,
    calibratedBy: ctx.person.id,
    calibrationReason: input.reason,
    calibratedAt: at,
  };
  const statements: Statement[] = [
    ...bump(ctx, review, {
      calibratedScore: input.score,
      calibratedBy: ctx.person.id,
      calibrationReason: input.reason,
      calibratedAt: at,
    }),
    auditStatement(ctx.store, {
      orgId: ctx.org.id,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'review.calibrated',
      entityType: 'review',
      entityId: review.id,
      data: {
        score: input.score,
        previous: review.calibratedScore,
        self: review.selfScore,
        reason: input.reason,
        onBehalfOf: review.managerId && review.managerId !== ctx.person.id ? review.managerId : null,
        platform: ctx.event.platform,
      },
      now,
    }),
  ];
  const messages: OutboundItem[] = [];
  // The adjusted person is told the new score and why (not for a confirmation of their own score).
  const selfMean = review.selfScore ?? review.computedScore;
  if (input.score !== selfMean) {
    messages.push(
      ...(await textTo(ctx, person, (locale) =>
        t(locale, 'review.calib.notice', {
          cycle: cycle.name,
          by: ctx.person.name,
          score: scoreText,
          self: toScale(review.selfScore, scale),
          reason: input.reason ?? t(locale, 'review.calib.noReason'),
        }),
      )),
    );
  }
  const text = t(ctx.locale, 'review.calib.recorded', { name: person.name, score: scoreText });
  const card = review.managerId
    ? await teamCardFor(ctx, review.managerId, cycle, ctx.locale, ctx.person.id, new Map([[review.id, updated]]))
    : undefined;
  return {
    statements,
    messages: [
      ...(ctx.event.type === 'message'
        ? [ctx.reply({ text }), ...(card ? [ctx.reply({ card }, `calibration:${cycle.id}`)] : [])]
        : []),
      ...messages,
    ],
    result: { toast: { kind: 'success', text }, ...(card ? { card } : {}) },
    onConflict: async () => say(ctx, t(ctx.locale, 'review.calib.same', { name: person.name, score: scoreText })),
  };
}

const calibrateCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'calibrate') return undefined;
  const [cycle] = await reviewCycles(ctx);
  if (!cycle) return say(ctx, t(ctx.locale, 'review.calib.none'));
  const locked = lockedText(ctx, cycle);
  if (locked) return say(ctx, locked);
  const matches = await reviewsNamed(ctx, cycle.id, command.name);
  if (!matches.length) return say(ctx, t(ctx.locale, 'review.calib.personNotFound', { name: command.name }));
  const score = fromScale(command.value, scaleOf(ctx));
  const hint = `${ctx.locale === 'en' ? 'calibrate' : '校准'} ${command.name} ${scaleOf(ctx) === '0-100' ? '60' : '0.6'} ${ctx.locale === 'en' ? 'because' : '原因'} …`;
  const spec = SCALES[scaleOf(ctx)];
  if (score === undefined)
    return say(ctx, t(ctx.locale, 'review.outOfScale', { range: spec.label, step: String(spec.step), hint }));
  for (const { review, person } of matches) {
    if (!(await calibrators(ctx, review)).has(ctx.person.id)) continue;
    if (!command.reason) return say(ctx, t(ctx.locale, 'review.calib.needReason', { hint }));
    if (command.reason.length > MAX_NOTE) return say(ctx, t(ctx.locale, 'review.retroTooLong', { max: MAX_NOTE }));
    return applyCalibration(ctx, review, person, cycle, { score, reason: command.reason });
  }
  const { review, person } = matches[0];
  return refuse(
    ctx,
    review.id,
    'not a calibrator of this review',
    t(ctx.locale, 'review.calib.notCalibrator', { name: person.name }),
  );
};

/** "Confirm <name>": the calibrated score is the person's own (self, else computed). */
const confirmAction: ActionHandler = async (ctx, event) => {
  const review = await reviewById(ctx, event.value.rv);
  if (!review) return refuse(ctx, String(event.value.rv ?? ''), 'no such review', t(ctx.locale, 'review.forged'));
  const person = await getPerson(ctx.store, ctx.org.id, review.personId);
  if (!person || !(await calibrators(ctx, review)).has(ctx.person.id))
    return refuse(
      ctx,
      review.id,
      'not a calibrator of this review',
      t(ctx.locale, 'review.calib.notCalibrator', { name: person?.name ?? '—' }),
    );
  const cycle = await cycleOf(ctx, review.cycleId);
  if (!cycle) return refuse(ctx, review.id, 'no cycle', t(ctx.locale, 'review.forged'));
  const locked = lockedText(ctx, cycle);
  if (locked) return say(ctx, locked, { result: { toast: { kind: 'error', text: locked } } });
  if (review.calibratedScore != null)
    return say(ctx, t(ctx.locale, 'review.calib.nothingToConfirm'), {
      result: { toast: { kind: 'info', text: t(ctx.locale, 'review.calib.nothingToConfirm') } },
    });
  const objs = await objectivesOf(ctx, review.id);
  return applyCalibration(ctx, review, person, cycle, { score: selfOrComputedMean(objs), reason: null });
};

/** "Confirm all": every report of the managers this person calibrates for, not yet calibrated, at their own score. */
const confirmAllAction: ActionHandler = async (ctx, event) => {
  const cycle = typeof event.value.c === 'string' ? await cycleOf(ctx, event.value.c) : undefined;
  if (!cycle) return refuse(ctx, String(event.value.c ?? ''), 'no such cycle', t(ctx.locale, 'review.forged'));
  const locked = lockedText(ctx, cycle);
  if (locked) return say(ctx, locked, { result: { toast: { kind: 'error', text: locked } } });
  const managers = await calibratingFor(ctx);
  const open = await ctx.store.db
    .select()
    .from(reviews)
    .where(
      and(eq(reviews.cycleId, cycle.id), inArray(reviews.managerId, managers), sql`${reviews.calibratedScore} is null`),
    );
  const now = ctx.clock.now();
  const at = now.toISOString();
  const statements: Statement[] = [];
  const overrides = new Map<string, Review>();
  for (const review of open) {
    if (!(await calibrators(ctx, review)).has(ctx.person.id)) continue;
    const score = selfOrComputedMean(await objectivesOf(ctx, review.id));
    overrides.set(review.id, { ...review, calibratedScore: score, calibratedBy: ctx.person.id, calibratedAt: at });
    statements.push(
      ...bump(ctx, review, { calibratedScore: score, calibratedBy: ctx.person.id, calibratedAt: at }),
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'review.calibrated',
        entityType: 'review',
        entityId: review.id,
        data: { score, confirmed: true, onBehalfOf: review.managerId !== ctx.person.id ? review.managerId : null },
        now,
      }),
    );
  }
  if (!overrides.size) {
    const text = t(ctx.locale, 'review.calib.nothingToConfirm');
    return say(ctx, text, { result: { toast: { kind: 'info', text } } });
  }
  const text = t(ctx.locale, 'review.calib.confirmed', { count: overrides.size });
  // The clicked card is the card of the first manager whose reports were confirmed.
  const first = [...overrides.values()][0];
  const card = first.managerId
    ? await teamCardFor(ctx, first.managerId, cycle, ctx.locale, ctx.person.id, overrides)
    : undefined;
  return {
    statements,
    messages: [],
    result: { toast: { kind: 'success', text }, ...(card ? { card } : {}) },
    onConflict: async () => say(ctx, t(ctx.locale, 'review.calib.nothingToConfirm')),
  };
};

// ---------------------------------------------------------------- appeals

/** Who decides an appeal: the manager's manager, else the org's admins (never the person or their manager). */
async function appealDeciders(ctx: ChatContext, review: Review): Promise<Person[]> {
  const person = await getPerson(ctx.store, ctx.org.id, review.personId);
  if (!person) return [];
  const manager = review.managerId ? await getPerson(ctx.store, ctx.org.id, review.managerId) : undefined;
  const above = await baseApprovers(ctx.store, ctx.org.id, manager ?? person);
  return above.filter((p) => p.id !== person.id && p.id !== manager?.id);
}

async function appealCard(
  ctx: ChatContext,
  review: Review,
  cycle: Cycle,
  locale: Locale,
  outcome?: { status: 'upheld' | 'granted'; by: string },
): Promise<Card> {
  const person = await getPerson(ctx.store, ctx.org.id, review.personId);
  const calibrator = review.calibratedBy ? await getPerson(ctx.store, ctx.org.id, review.calibratedBy) : undefined;
  return buildAppealCard({
    locale,
    reviewId: review.id,
    cycleName: cycle.name,
    personName: person?.name ?? '—',
    reason: review.appealReason ?? '',
    scale: scaleOf(ctx),
    computedScore: review.computedScore,
    selfScore: review.selfScore,
    calibratedScore: review.calibratedScore,
    calibratedBy: calibrator?.name ?? null,
    outcome: outcome ?? null,
  });
}

const appealSubject = (reviewId: string) => `appeal:${reviewId}`;

const appealCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'appeal') return undefined;
  const mine = await myReview(ctx);
  if (!mine) return say(ctx, t(ctx.locale, 'review.noReview'));
  const locked = lockedText(ctx, mine.cycle);
  if (locked) return say(ctx, locked);
  const { review, cycle } = mine;
  if (review.appealAt) return say(ctx, t(ctx.locale, 'review.appeal.once', { at: review.appealAt.slice(0, 10) }));
  const deciders = await appealDeciders(ctx, review);
  if (!deciders.length) return say(ctx, t(ctx.locale, 'review.appeal.noDecider'));
  const reason = command.reason.slice(0, MAX_NOTE);
  const now = ctx.clock.now();
  const at = now.toISOString();
  const updated: Review = { ...review, appealReason: reason, appealAt: at, appealStatus: 'open' };
  const messages: OutboundItem[] = [];
  for (const decider of deciders) {
    const to = await addressOf(ctx.store, decider.id, ctx.event.platform);
    if (!to) continue;
    const card = await appealCard(ctx, updated, cycle, localeOf(decider));
    messages.push({ operation: 'send', to, message: { card }, orgId: ctx.org.id, subject: appealSubject(review.id) });
  }
  return {
    statements: [
      ...bump(ctx, review, {
        appealReason: reason,
        appealAt: at,
        appealStatus: 'open',
        appealDeciderId: deciders[0].id,
      }),
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'review.appeal',
        entityType: 'review',
        entityId: review.id,
        data: { reason, deciders: deciders.map((d) => d.id) },
        now,
      }),
    ],
    messages: [ctx.reply({ text: t(ctx.locale, 'review.appeal.sent', { name: deciders[0].name }) }), ...messages],
    onConflict: async () => say(ctx, t(ctx.locale, 'review.appeal.once', { at: at.slice(0, 10) })),
  };
};

/** The appeal card's buttons: `{ rv, d: 'uphold' | 'grant' }`, for the appeal's decider only, once. */
const appealDecideAction: ActionHandler = async (ctx, event: CardActionEvent) => {
  const review = await reviewById(ctx, event.value.rv);
  if (!review?.appealAt)
    return refuse(ctx, String(event.value.rv ?? ''), 'no such appeal', t(ctx.locale, 'review.forged'));
  const decision = event.value.d === 'grant' ? 'granted' : event.value.d === 'uphold' ? 'upheld' : undefined;
  const deciders = await appealDeciders(ctx, review);
  const eligible = new Set([...deciders.map((d) => d.id), ...(review.appealDeciderId ? [review.appealDeciderId] : [])]);
  eligible.delete(review.personId);
  if (!eligible.has(ctx.person.id) || !decision) {
    const named = review.appealDeciderId ? await getPerson(ctx.store, ctx.org.id, review.appealDeciderId) : undefined;
    return refuse(
      ctx,
      review.id,
      decision ? 'not the decider of this appeal' : 'malformed decision',
      t(ctx.locale, 'review.appeal.notDecider', { name: named?.name ?? '—' }),
    );
  }
  const cycle = await cycleOf(ctx, review.cycleId);
  if (!cycle) return refuse(ctx, review.id, 'no cycle', t(ctx.locale, 'review.forged'));
  if (review.appealStatus !== 'open') return alreadyDecided(ctx, review, cycle);
  const locked = lockedText(ctx, cycle);
  if (locked) return say(ctx, locked, { result: { toast: { kind: 'error', text: locked } } });
  const now = ctx.clock.now();
  const at = now.toISOString();
  const updated: Review = { ...review, appealStatus: decision, appealDecidedBy: ctx.person.id, appealDecidedAt: at };
  const objs = await objectivesOf(ctx, review.id);
  const score = reviewFinal(updated, objs);
  const scale = scaleOf(ctx);
  const person = await getPerson(ctx.store, ctx.org.id, review.personId);
  const messages: OutboundItem[] = [];
  if (person)
    messages.push(
      ...(await textTo(ctx, person, (locale) =>
        t(locale, decision === 'upheld' ? 'review.appeal.noticeUpheld' : 'review.appeal.noticeGranted', {
          cycle: cycle.name,
          by: ctx.person.name,
          score: toScale(score, scale),
        }),
      )),
    );
  // Every other copy of the appeal card (another admin's) shows the outcome too.
  for (const copy of await sentCopies(ctx.store, appealSubject(review.id))) {
    if (isClickedCopy(copy, event.message)) continue;
    const reader = await personAt(ctx.store, ctx.org.id, copy.to);
    const card = await appealCard(ctx, updated, cycle, localeOf(reader), { status: decision, by: ctx.person.name });
    messages.push({
      operation: 'update',
      ref: { platform: copy.platform, outboxId: copy.outboxId },
      message: { card },
      orgId: ctx.org.id,
      subject: appealSubject(review.id),
    });
  }
  const card = await appealCard(ctx, updated, cycle, ctx.locale, { status: decision, by: ctx.person.name });
  return {
    statements: [
      ctx.store.db.insert(claims).values({ key: `review:${review.id}:appeal`, createdAt: at }),
      ...bump(ctx, review, { appealStatus: decision, appealDecidedBy: ctx.person.id, appealDecidedAt: at }),
      auditStatement(ctx.store, {
        orgId: ctx.org.id,
        actorType: 'person',
        actorId: ctx.person.id,
        action: 'review.appeal_decided',
        entityType: 'review',
        entityId: review.id,
        data: { decision, score, platform: ctx.event.platform },
        now,
      }),
    ],
    messages,
    result: { toast: { kind: 'success', text: t(ctx.locale, 'review.appeal.decided') }, card },
    onConflict: async () => {
      const fresh = await reviewById(ctx, review.id);
      return fresh ? alreadyDecided(ctx, fresh, cycle) : noEffects();
    },
  };
};

async function alreadyDecided(ctx: ChatContext, review: Review, cycle: Cycle): Promise<Effects> {
  const by = review.appealDecidedBy ? await getPerson(ctx.store, ctx.org.id, review.appealDecidedBy) : undefined;
  const status = review.appealStatus === 'granted' ? 'granted' : 'upheld';
  const outcome = t(ctx.locale, status === 'upheld' ? 'review.appeal.upheld' : 'review.appeal.granted', {
    name: by?.name ?? '—',
  });
  const text = t(ctx.locale, 'review.appeal.alreadyDecided', { outcome });
  const card = await appealCard(ctx, review, cycle, ctx.locale, { status, by: by?.name ?? '—' });
  return {
    ...noEffects(),
    messages: ctx.event.type === 'message' ? [ctx.reply({ text })] : [],
    result: { toast: { kind: 'info', text }, card },
  };
}

// ---------------------------------------------------------------- carrying unfinished KRs

/** The review's unfinished KRs (chat numbers of the reviewed cycle) and whether each was carried. */
async function reviewCarryLines(ctx: ChatContext, review: Review, objs?: ReviewObjective[]): Promise<CarryLine[]> {
  const list = objs ?? (await objectivesOf(ctx, review.id));
  const lines = await carryLines(ctx.store, ctx.org.id, review.cycleId, [
    { personId: review.personId, objectiveIds: list.map((o) => o.objectiveId) },
  ]);
  return lines.get(review.personId) ?? [];
}

/** Why KR `number` (of the review's own objectives) cannot be carried: done, dropped, or no such KR. */
async function notCarryable(ctx: ChatContext, review: Review, number: number, open: CarryLine[]): Promise<string> {
  const numbers = (
    await chatKrNumbers(ctx.store, { orgId: ctx.org.id, personIds: [review.personId], cycleIds: [review.cycleId] })
  ).get(review.personId);
  const id = [...(numbers ?? new Map<string, number>())].find(([, n]) => n === number)?.[0];
  const objectiveIds = new Set((await objectivesOf(ctx, review.id)).map((o) => o.objectiveId));
  const [kr] = id ? await ctx.store.db.select().from(keyResults).where(eq(keyResults.id, id)) : [];
  if (kr && objectiveIds.has(kr.objectiveId)) {
    if (kr.status !== 'active') return t(ctx.locale, 'review.carry.dropped', { number });
    return t(ctx.locale, 'review.carry.finished', { number, title: kr.title });
  }
  const list = open.length
    ? open.map((l) => `KR${l.number} ${l.title}`).join(t(ctx.locale, 'list.separator'))
    : t(ctx.locale, 'review.carry.noneOpen');
  return t(ctx.locale, 'review.carry.notFound', { number, list });
}

/**
 * Carries `line` (an unfinished KR of the owner's review) into the next cycle: a copy of the KR
 * whose start is where it stands now and whose target is unchanged (what is left to do), under a
 * copy of its objective (one per source objective and next cycle, reused by later carries), for
 * the same owner. Allowed while the review runs and after close: nothing in the reviewed cycle
 * changes. Claims `carry:<kr>` (and `carry:o:<objective>:<next cycle>` when the objective copy is
 * created) in the same batch, so double clicks and repeated deliveries carry once.
 */
async function applyCarry(
  ctx: ChatContext,
  review: Review,
  cycle: Cycle,
  line: CarryLine,
  retried = false,
): Promise<Effects> {
  if (cycle.status !== 'reviewing' && cycle.status !== 'closed')
    return say(ctx, t(ctx.locale, 'review.notStarted', { cycle: cycle.name }));
  if (line.carriedTo) {
    const text = t(ctx.locale, 'review.carry.already', {
      number: line.number,
      title: line.title,
      cycle: line.carriedTo,
    });
    return say(ctx, text, { result: { toast: { kind: 'info', text } } });
  }
  const next = await nextCycleOf(ctx.store, ctx.org.id, cycle);
  if (!next) {
    const text = t(ctx.locale, 'review.carry.noNextCycle', {
      date: nextCycleStart(cycle),
      cycle: cycle.name,
      number: line.number,
    });
    return say(ctx, text, { result: { toast: { kind: 'error', text } } });
  }
  if (next.status === 'closed') {
    const text = t(ctx.locale, 'review.carry.nextClosed', { cycle: next.name });
    return say(ctx, text, { result: { toast: { kind: 'error', text } } });
  }
  const [source] = await ctx.store.db.select().from(keyResults).where(eq(keyResults.id, line.id));
  const [objective] = await ctx.store.db.select().from(objectives).where(eq(objectives.id, line.objectiveId));
  if (!source || !objective) return refuse(ctx, review.id, 'carried KR vanished', t(ctx.locale, 'review.forged'));
  const now = ctx.clock.now();
  const at = now.toISOString();
  const statements: Statement[] = [ctx.store.db.insert(claims).values({ key: `carry:${source.id}`, createdAt: at })];
  // The objective copy an earlier carry of a sibling KR made, else a new one.
  const siblings = await ctx.store.db
    .select({ id: keyResults.id })
    .from(keyResults)
    .where(eq(keyResults.objectiveId, objective.id));
  const [earlier] = await ctx.store.db
    .select({ objectiveId: keyResults.objectiveId })
    .from(keyResults)
    .where(
      and(
        eq(keyResults.cycleId, next.id),
        inArray(
          keyResults.carriedFromId,
          siblings.map((k) => k.id),
        ),
      ),
    )
    .limit(1);
  let targetId = earlier?.objectiveId;
  let krPosition = 0;
  if (targetId) {
    krPosition = (
      await ctx.store.db.select({ id: keyResults.id }).from(keyResults).where(eq(keyResults.objectiveId, targetId))
    ).length;
  } else {
    targetId = newId('obj');
    const owned = await ctx.store.db
      .select({ id: objectives.id })
      .from(objectives)
      .where(and(eq(objectives.cycleId, next.id), eq(objectives.ownerPersonId, review.personId)));
    statements.push(
      ctx.store.db.insert(claims).values({ key: `carry:o:${objective.id}:${next.id}`, createdAt: at }),
      ctx.store.db.insert(objectives).values({
        id: targetId,
        orgId: ctx.org.id,
        cycleId: next.id,
        title: objective.title,
        description: objective.description,
        ownerType: 'person',
        ownerPersonId: review.personId,
        ownerTeamId: null,
        parentKrId: null,
        status: 'active',
        position: owned.length,
        createdBy: ctx.person.id,
        createdAt: at,
        updatedAt: at,
      }),
    );
  }
  const copyId = newId('kr');
  statements.push(
    ctx.store.db.insert(keyResults).values({
      id: copyId,
      orgId: ctx.org.id,
      objectiveId: targetId,
      cycleId: next.id,
      title: source.title,
      kind: source.kind,
      // What is left: from where the KR stands now to its unchanged target.
      startValue: source.currentValue,
      targetValue: source.targetValue,
      currentValue: source.currentValue,
      unit: source.unit,
      direction: source.direction,
      weight: source.weight,
      // Children of last cycle's KR stay there; a carried roll-up KR is updated by hand.
      progressMode: source.progressMode === 'children' ? 'manual' : source.progressMode,
      metricKey: source.metricKey,
      metricAggregation: source.metricAggregation,
      position: krPosition,
      status: 'active',
      carriedFromId: source.id,
      createdAt: at,
      updatedAt: at,
    }),
    auditStatement(ctx.store, {
      orgId: ctx.org.id,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'review.carry',
      entityType: 'key_result',
      entityId: copyId,
      data: {
        from: source.id,
        review: review.id,
        cycle: next.id,
        objective: targetId,
        objectiveCreated: !earlier,
        platform: ctx.event.platform,
      },
      now,
    }),
  );
  const shape = { kind: source.kind, unit: source.unit };
  const text = t(ctx.locale, 'review.carry.recorded', {
    number: line.number,
    title: source.title,
    cycle: next.name,
    start: formatValue(source.currentValue, shape, ctx.locale),
    target: formatValue(source.targetValue, shape, ctx.locale),
    objective: objective.title,
  });
  const card = await selfCard(ctx, review, await objectivesOf(ctx, review.id), cycle, ctx.person, ctx.locale, {
    id: source.id,
    cycle: next.name,
  });
  const typed = ctx.event.type === 'message';
  return {
    statements,
    messages: typed ? [ctx.reply({ text }), ctx.reply({ card }, `review:${review.id}`)] : [],
    result: { toast: { kind: 'success', text }, card },
    // A racing click or delivery carried it (or created the objective copy) first: look again, once.
    onConflict: async () => {
      const fresh = (await reviewCarryLines(ctx, review)).find((l) => l.id === line.id);
      if (!fresh || retried) {
        const already = t(ctx.locale, 'review.carry.already', {
          number: line.number,
          title: line.title,
          cycle: next.name,
        });
        return say(ctx, already, { result: { toast: { kind: 'info', text: already } } });
      }
      return applyCarry(ctx, review, cycle, fresh, true);
    },
  };
}

/** `延续 KR2` / `carry KR2`: the owner's newest review, the KR by its chat number. */
const carryCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'carry') return undefined;
  const mine = await myReview(ctx);
  if (!mine) return say(ctx, t(ctx.locale, 'review.noReview'));
  if (mine.cycle.status !== 'reviewing' && mine.cycle.status !== 'closed')
    return say(ctx, t(ctx.locale, 'review.notStarted', { cycle: mine.cycle.name }));
  const lines = await reviewCarryLines(ctx, mine.review);
  const line = lines.find((l) => l.number === command.kr);
  if (!line)
    return say(
      ctx,
      await notCarryable(
        ctx,
        mine.review,
        command.kr,
        lines.filter((l) => !l.carriedTo),
      ),
    );
  return applyCarry(ctx, mine.review, mine.cycle, line);
};

/** The self-assessment card's carry buttons: `{ rv, kr }`, for the review's owner only. */
const carryAction: ActionHandler = async (ctx, event) => {
  const own = await ownReviewOfAction(ctx, event);
  if ('statements' in own) return own;
  const { review, cycle } = own;
  const krId = typeof event.value.kr === 'string' && event.value.kr.length <= 64 ? event.value.kr : undefined;
  const lines = await reviewCarryLines(ctx, review);
  const line = lines.find((l) => l.id === krId);
  if (line) return applyCarry(ctx, review, cycle, line);
  // Not an unfinished KR of this review: one of its KRs finished since the card was sent, or a forged value.
  const objectiveIds = (await objectivesOf(ctx, review.id)).map((o) => o.objectiveId);
  const [kr] = krId
    ? await ctx.store.db
        .select()
        .from(keyResults)
        .where(and(eq(keyResults.id, krId), inArray(keyResults.objectiveId, objectiveIds)))
    : [];
  if (!kr) return refuse(ctx, review.id, 'KR not in this review', t(ctx.locale, 'review.forged'));
  const number =
    (await chatKrNumbers(ctx.store, { orgId: ctx.org.id, personIds: [review.personId], cycleIds: [review.cycleId] }))
      .get(review.personId)
      ?.get(kr.id) ?? 0;
  const text = await notCarryable(
    ctx,
    review,
    number,
    lines.filter((l) => !l.carriedTo),
  );
  return say(ctx, text, { result: { toast: { kind: 'info', text } } });
};

export const reviewCommands: Partial<Record<Command['type'], CommandHandler>> = {
  review_card: reviewCardCommand,
  retrospective: retrospectiveCommand,
  self_score: selfScoreCommand,
  calibration_card: calibrationCardCommand,
  calibrate: calibrateCommand,
  appeal: appealCommand,
  carry: carryCommand,
};

export const reviewActions: Record<string, ActionHandler> = {
  'rv.self': selfAction,
  'rv.confirm': confirmAction,
  'rv.confirmAll': confirmAllAction,
  'rv.appeal': appealDecideAction,
  'rv.carry': carryAction,
};
