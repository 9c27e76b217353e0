// The playground's guided review (docs/review.md#the-guided-review-in-the-playground): a whole
// performance review of the demo org, one step at a time, as HR, a teacher, the teacher's
// 中心主任, the 教研主管 (calibrating on the 中心主任's delegation) and the appeal's decider.
// Chat steps go through the Lark emulator exactly as /playground/api/send and /click do (signed,
// encrypted, delivered to /webhooks/lark); HR's start and close call the same functions as the
// dashboard's review page; the last step is the performance sheet.
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { cardButtons } from '../../bots/lark/emulator-card';
import { toScale } from '../../core/okr/review';
import { localDate } from '../../core/okr/pace';
import { resolveCycle } from '../../storage/repos/cycles';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Cycle, Organization, Person } from '../../storage/repos/types';
import { identities, objectives, people, reviewObjectives, reviews } from '../../storage/schema';
import { closeCycle, orgTimezone, sendFinalMessages, startReview } from '../review/service';
import type { Services } from '../services';
import type { PlaygroundEmulators } from './emulators';
import { demoOrg } from './people';
import type { Transcript } from './transcript';

export const REVIEW_STEPS = ['start', 'self', 'delegate', 'calibrate', 'appeal', 'decide', 'close', 'sheet'] as const;
export type ReviewStep = (typeof REVIEW_STEPS)[number];

type Role = 'hr' | 'teacher' | 'manager' | 'coach' | 'decider';

/** Who acts in each step. */
export const STEP_ACTOR: Record<ReviewStep, Role> = {
  start: 'hr',
  self: 'teacher',
  delegate: 'manager',
  calibrate: 'coach',
  appeal: 'teacher',
  decide: 'decider',
  close: 'hr',
  sheet: 'hr',
};

type CastMember = Pick<Person, 'id' | 'name' | 'title' | 'externalId' | 'locale'> & { larkId: string };
export type ReviewCast = Record<Role, CastMember>;

export class ScriptError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The cast, from the demo org as seeded: HR is its admin; the teacher is the first Chinese-speaking
 * teacher with objectives, a 中心主任 above, a 教研主管 as coach and a department head above the
 * 中心主任 (who decides the appeal); everyone bound on Lark.
 */
export async function reviewCast(services: Pick<Services, 'store'>): Promise<{ org: Organization; cast: ReviewCast }> {
  const { store } = services;
  const org = await demoOrg(store);
  if (!org) throw new ScriptError(404, 'the demo org is not loaded');
  const rows = await store.db
    .select({ person: people, larkId: identities.platformUserId })
    .from(people)
    .innerJoin(identities, and(eq(identities.personId, people.id), eq(identities.platform, 'lark')))
    .where(and(eq(people.orgId, org.id), eq(people.status, 'active')))
    .orderBy(asc(people.externalId));
  const byId = new Map(rows.map((r) => [r.person.id, { ...r.person, larkId: r.larkId }]));
  const owners = new Set(
    (
      await store.db
        .select({ owner: objectives.ownerPersonId })
        .from(objectives)
        .where(and(eq(objectives.orgId, org.id), isNotNull(objectives.ownerPersonId)))
    ).map((o) => o.owner),
  );
  const hr = rows.find((r) => r.person.role === 'admin');
  for (const { person } of rows) {
    if (person.locale !== 'zh-CN' || !person.coachId || !person.managerId || !owners.has(person.id)) continue;
    const teacher = byId.get(person.id)!;
    const manager = byId.get(person.managerId);
    const coach = byId.get(person.coachId);
    const decider = manager?.managerId ? byId.get(manager.managerId) : undefined;
    if (hr && manager && coach && decider)
      return { org, cast: { hr: { ...hr.person, larkId: hr.larkId }, teacher, manager, coach, decider } };
  }
  throw new ScriptError(404, 'the demo org has no teacher with a 中心主任, a 教研主管 and a department head on Lark');
}

async function demoCycle(services: Services, org: Organization): Promise<Cycle> {
  const today = localDate(services.clock.now(), orgTimezone(org, services));
  const cycle = await resolveCycle(services.store, org.id, undefined, today);
  if (!cycle) throw new ScriptError(404, 'the demo org has no cycle');
  return cycle;
}

export interface StepResult {
  step: ReviewStep;
  actor: { id: string; name: string; title: string | null; role: Role };
  /** What was typed, clicked or done, in order. */
  did: string[];
  next: ReviewStep | null;
  cycle: { id: string; name: string; status: string };
}

interface ScriptDeps {
  services: Services;
  emulators: PlaygroundEmulators;
  transcript: Transcript;
}

/** Types `text` as `who` on Lark and waits until the bot has handled it and its answers are delivered. */
async function say(deps: ScriptDeps, who: CastMember, text: string): Promise<void> {
  deps.transcript.said('lark', who.larkId, text);
  const { status } = await deps.emulators.lark.deliverMessage({ openId: who.larkId, text });
  if (status !== 200) throw new Error(`the lark webhook answered HTTP ${status}`);
  await settle(deps);
}

async function settle(deps: ScriptDeps) {
  await deps.services.inbox.drain();
  await deps.services.outbox.drain();
  deps.transcript.sync('lark');
}

/** A name chat finds exactly one person by: the name when it is unique in the org, else the employee id. */
async function nameFor(deps: ScriptDeps, org: Organization, who: CastMember): Promise<string> {
  const same = await deps.services.store.db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.orgId, org.id), eq(people.name, who.name)));
  return same.length === 1 ? who.name : (who.externalId ?? who.name);
}

async function teacherReview(deps: ScriptDeps, cycle: Cycle, cast: ReviewCast) {
  const [review] = await deps.services.store.db
    .select()
    .from(reviews)
    .where(and(eq(reviews.cycleId, cycle.id), eq(reviews.personId, cast.teacher.id)));
  if (!review) throw new ScriptError(409, 'start the review first (step 1)');
  const objs = await deps.services.store.db
    .select()
    .from(reviewObjectives)
    .where(eq(reviewObjectives.reviewId, review.id))
    .orderBy(asc(reviewObjectives.number));
  return { review, objs };
}

const tenths = (n: number) => Math.round(n * 10) / 10;

export async function runReviewStep(deps: ScriptDeps, step: ReviewStep): Promise<StepResult> {
  const { services } = deps;
  const { org, cast } = await reviewCast(services);
  let cycle = await demoCycle(services, org);
  const scale = effectiveSettings(org.settings).reviewScale;
  const actor = cast[STEP_ACTOR[step]];
  const did: string[] = [];
  const hr = { type: 'person' as const, id: cast.hr.id };
  switch (step) {
    case 'start': {
      const started = await startReview(services, org, cycle, {}, hr);
      await settle(deps);
      cycle = started.cycle;
      did.push(
        started.started ? `review started: ${started.people} people, ${started.cards} cards` : 'already running',
      );
      break;
    }
    case 'self': {
      const { objs } = await teacherReview(deps, cycle, cast);
      // One step above the proposal on O1 (a teacher who thinks the numbers undersell the work), the rest accepted.
      for (const o of objs) {
        const score = o.number === 1 ? Math.min(1, tenths(o.computedScore + 0.1)) : o.computedScore;
        const text = `自评 O${o.number} ${toScale(score, scale)}${o.number === 1 ? ' 备注 家长反馈比数据显示的更好' : ''}`;
        await say(deps, cast.teacher, text);
        did.push(text);
      }
      const retro = '复盘 做得好的：课后反馈坚持每周收集。要改进的：家访排期提前两周。';
      await say(deps, cast.teacher, retro);
      did.push(retro);
      break;
    }
    case 'delegate': {
      const text = `委托 ${await nameFor(deps, org, cast.coach)} 7天`;
      await say(deps, cast.manager, text);
      did.push(text);
      break;
    }
    case 'calibrate': {
      const { review } = await teacherReview(deps, cycle, cast);
      const own = review.selfScore ?? review.computedScore;
      const text = `校准 ${await nameFor(deps, org, cast.teacher)} ${toScale(Math.max(0, tenths(own - 0.1)), scale)} 原因 续费率未达中心目标`;
      await say(deps, cast.coach, text);
      did.push(text);
      break;
    }
    case 'appeal': {
      const text = '申诉 原因 续费率按 12 月数据已达标，见周报';
      await say(deps, cast.teacher, text);
      did.push(text);
      break;
    }
    case 'decide': {
      const { review } = await teacherReview(deps, cycle, cast);
      if (!review.appealAt) throw new ScriptError(409, 'no appeal yet (step 5)');
      // The newest appeal card in the decider's chat: click "keep calibration".
      const card = [...deps.emulators.lark.messages.values()]
        .filter((m) => m.receiveId === cast.decider.larkId)
        .reverse()
        .map((m) => ({
          m,
          button: cardButtons(m.content).find((b) => {
            // Lark callback values are `{ action_id, params }` (bots/lark/render.ts).
            const params = b.value?.params as Record<string, unknown> | undefined;
            return b.value?.action_id === 'rv.appeal' && params?.rv === review.id && params?.d === 'uphold';
          }),
        }))
        .find((x) => x.button);
      if (!card?.button) throw new ScriptError(409, 'the appeal card has not reached the decider');
      const result = await deps.emulators.lark.clickCard({
        openId: cast.decider.larkId,
        messageId: card.m.messageId,
        value: card.button.value,
      });
      if (result.status !== 200) throw new Error(`the lark webhook answered HTTP ${result.status}`);
      await settle(deps);
      did.push(`clicked "${card.button.text}" on the appeal card`);
      break;
    }
    case 'close': {
      const closed = await closeCycle(services, org, cycle, hr);
      const told = await sendFinalMessages(services, org, closed.cycle);
      await settle(deps);
      cycle = closed.cycle;
      did.push(closed.changed ? `cycle closed: ${closed.people} final scores, ${told} messages` : 'already closed');
      break;
    }
    case 'sheet':
      did.push('/playground/api/script/review/performance.csv');
      break;
  }
  const at = REVIEW_STEPS.indexOf(step);
  return {
    step,
    actor: { id: actor.id, name: actor.name, title: actor.title, role: STEP_ACTOR[step] },
    did,
    next: REVIEW_STEPS[at + 1] ?? null,
    cycle: { id: cycle.id, name: cycle.name, status: cycle.status },
  };
}

/** The demo cycle the script reviews, for the sheet. */
export async function scriptCycle(services: Services) {
  const { org } = await reviewCast(services);
  return { org, cycle: await demoCycle(services, org) };
}
