// `新目标` / `new objective`: a short guided conversation, persisted in the
// `conversations` table so it survives restarts and works on Workers:
//   title → KRs (one `<title> <start>→<target><unit>` per line) → current values
//   for KRs given only as a bound (≥ 4.7) → the parent KR to align to (card
//   buttons, or a number) → confirm. `取消` / `cancel` leaves at any step.
// People who manage nobody need their manager's approval before the objective
// counts (org setting `approveNewObjectives`, on by default): it is stored as
// `pending_approval` with a `new_objective` request.
import { and, eq, or } from 'drizzle-orm';
import type { CardActionEvent, MessageEvent } from '../../../bots/types';
import {
  buildAlignmentPickerCard,
  buildObjectiveConfirmCard,
  type AlignmentOption,
} from '../../../cards/alignment-picker';
import { formatValue } from '../../../core/format';
import { userText, type Card } from '../../../cards/model';
import type { Statement } from '../../../storage/db';
import { newId } from '../../../storage/ids';
import { auditStatement } from '../../../storage/repos/audit';
import { keyResultsOf } from '../../../storage/repos/okrs';
import { effectiveSettings } from '../../../storage/repos/org-settings';
import { getPerson, getTeam, reportsOf } from '../../../storage/repos/people';
import type { Objective } from '../../../storage/repos/types';
import { keyResults, objectives } from '../../../storage/schema';
import { krRow } from '../../approvals/apply';
import { requestAdjustment } from '../../approvals/request';
import { t } from '../../../core/i18n';
import type { ActionHandler, ChatContext, CommandHandler } from '../context';
import {
  conversationKey,
  conversationStore,
  type Conversation,
  type ConversationStore,
  type FlowStep,
} from '../conversations';
import { noEffects, type Effects } from '../effects';
import { parseKrLine, type KrLine } from '../kr-line';
import { parseCommand } from '../parse';
import { personView } from './checkin';
import { log } from '../../../core/log';

const FLOW = 'new_objective';
const MAX_KRS = 5;
const MAX_OPTIONS = 8;

interface Draft extends Record<string, unknown> {
  token: string;
  cycleId: string;
  title?: string;
  krs?: KrLine[];
  options?: AlignmentOption[];
  parentKrId?: string | null;
}

const store = (ctx: ChatContext) => conversationStore(ctx.store, () => ctx.clock.now());
const say = (ctx: ChatContext, text: string, statements: Statement[] = []): Effects => ({
  ...noEffects(),
  statements,
  messages: [ctx.reply({ text })],
});
const save = (ctx: ChatContext, step: string, data: Draft) =>
  store(ctx).set({ orgId: ctx.org.id, personId: ctx.person.id, flow: FLOW, step, data });
const clear = (ctx: ChatContext) => store(ctx).clear(conversationKey(ctx.org.id, ctx.person.id));

export const newObjectiveCommand: CommandHandler = async (ctx, command) => {
  if (command.type !== 'new_objective') return undefined;
  return start(ctx);
};

async function start(ctx: ChatContext): Promise<Effects> {
  const view = await personView(ctx);
  if (!view.cycle) return say(ctx, t(ctx.locale, 'cycle.none'));
  const draft: Draft = { token: newId('cv').slice(3), cycleId: view.cycle.id };
  return say(ctx, t(ctx.locale, 'newObjective.askTitle'), [save(ctx, 'title', draft)]);
}

function krLines(ctx: ChatContext, krs: KrLine[]): string[] {
  return krs.map((kr, i) => {
    const shape = { kind: kr.kind, unit: kr.unit };
    return `KR${i + 1} ${kr.title} ${formatValue(kr.start, shape, ctx.locale)} → ${formatValue(kr.target, shape, ctx.locale)}`;
  });
}

/** Parent KRs this person can align to: their manager's, their team's (and its parent team's), then the company's. */
async function alignmentOptions(ctx: ChatContext, cycleId: string): Promise<AlignmentOption[]> {
  const { store: s, org, person } = ctx;
  const base = and(eq(objectives.orgId, org.id), eq(objectives.cycleId, cycleId), eq(objectives.status, 'active'));
  const groups: { objectives: Objective[]; owner: string }[] = [];
  if (person.managerId) {
    const manager = await getPerson(s, org.id, person.managerId);
    const rows = await s.db
      .select()
      .from(objectives)
      .where(and(base, eq(objectives.ownerType, 'person'), eq(objectives.ownerPersonId, person.managerId)));
    groups.push({ objectives: rows, owner: manager?.name ?? t(ctx.locale, 'newObjective.ownerManager') });
  }
  if (person.teamId) {
    const team = await getTeam(s, org.id, person.teamId);
    const parent = team?.parentId ? await getTeam(s, org.id, team.parentId) : undefined;
    // Each team's KRs under that team's own name: the parent team's are not the person's team's.
    for (const t0 of [team, parent]) {
      if (!t0) continue;
      const rows = await s.db
        .select()
        .from(objectives)
        .where(and(base, eq(objectives.ownerType, 'team'), eq(objectives.ownerTeamId, t0.id)));
      groups.push({ objectives: rows, owner: t0.name });
    }
  }
  const company = await s.db
    .select()
    .from(objectives)
    .where(and(base, or(eq(objectives.ownerType, 'company'))));
  groups.push({ objectives: company, owner: t(ctx.locale, 'newObjective.ownerCompany') });

  const out: AlignmentOption[] = [];
  for (const group of groups) {
    const krs = await keyResultsOf(
      s,
      group.objectives.map((o) => o.id),
      { activeOnly: true },
    );
    for (const o of group.objectives) {
      for (const kr of krs.get(o.id) ?? []) {
        if (out.length < MAX_OPTIONS && !out.some((x) => x.krId === kr.id))
          out.push({ krId: kr.id, title: kr.title, owner: group.owner });
      }
    }
  }
  return out;
}

async function toAlignment(ctx: ChatContext, draft: Draft): Promise<Effects> {
  const options = await alignmentOptions(ctx, draft.cycleId);
  if (!options.length) {
    const next = toConfirm(ctx, { ...draft, options: [], parentKrId: null });
    return {
      ...next,
      messages: [ctx.reply({ text: t(ctx.locale, 'newObjective.noAlignmentOptions') }), ...next.messages],
    };
  }
  const card = buildAlignmentPickerCard({
    locale: ctx.locale,
    conv: draft.token,
    objectiveTitle: draft.title ?? '',
    options,
  });
  // The draft so far, so the person sees how their KRs were read before choosing the alignment.
  const echo = t(ctx.locale, 'newObjective.draft', {
    title: draft.title ?? '',
    krs: krLines(ctx, draft.krs ?? []).join('\n'),
  });
  return {
    statements: [save(ctx, 'align', { ...draft, options })],
    messages: [ctx.reply({ text: echo }), ctx.reply({ card })],
  };
}

function toConfirm(ctx: ChatContext, draft: Draft): Effects {
  const parent = draft.options?.find((o) => o.krId === draft.parentKrId);
  const card = buildObjectiveConfirmCard({
    locale: ctx.locale,
    conv: draft.token,
    title: draft.title ?? '',
    krs: krLines(ctx, draft.krs ?? []),
    alignment: parent
      ? `${userText(parent.title)}（${userText(parent.owner)}）`
      : t(ctx.locale, 'newObjective.noAlignment'),
  });
  return { statements: [save(ctx, 'confirm', draft)], messages: [ctx.reply({ card })] };
}

/**
 * The KR lines of a message: one per line, or several on one line separated by `；` `;` `、` `|`
 * or a full-width comma `，` (not an ASCII comma, which groups digits: 1,000). A leading `KR1`
 * or `1.` that people copy from a list is dropped.
 */
export function splitKrLines(text: string): string[] {
  return text
    .split(/\n|；|;|、|\||，/)
    .map((l) =>
      l
        .trim()
        .replace(/^(?:kr\s*\d+|\d+[.)、])\s*[.:：)]?\s*/i, '')
        .trim(),
    )
    .filter(Boolean);
}

/** Next KR given only as a bound, whose current value we still need. */
const missingBaseline = (krs: KrLine[]) => krs.findIndex((k) => k.baselineMissing);

async function create(ctx: ChatContext, draft: Draft): Promise<Effects> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const needsApproval =
    effectiveSettings(ctx.org.settings).approveNewObjectives &&
    (await reportsOf(ctx.store, ctx.org.id, ctx.person.id)).length === 0;
  const existing = await ctx.store.db
    .select({ id: objectives.id })
    .from(objectives)
    .where(
      and(
        eq(objectives.orgId, ctx.org.id),
        eq(objectives.cycleId, draft.cycleId),
        eq(objectives.ownerPersonId, ctx.person.id),
      ),
    );
  const objective: Objective = {
    id: newId('obj'),
    orgId: ctx.org.id,
    cycleId: draft.cycleId,
    title: draft.title ?? '',
    description: null,
    ownerType: 'person',
    ownerPersonId: ctx.person.id,
    ownerTeamId: null,
    parentKrId: draft.parentKrId ?? null,
    status: needsApproval ? 'pending_approval' : 'active',
    position: existing.length,
    createdBy: ctx.person.id,
    createdAt: at,
    updatedAt: at,
  };
  const krs = draft.krs ?? [];
  const rows: Statement[] = [
    clear(ctx),
    ctx.store.db.insert(objectives).values(objective),
    ...krs.map((kr, i) =>
      ctx.store.db.insert(keyResults).values(krRow(ctx.org.id, objective.id, draft.cycleId, kr, i, at)),
    ),
    auditStatement(ctx.store, {
      orgId: ctx.org.id,
      actorType: 'person',
      actorId: ctx.person.id,
      action: 'objective.created',
      entityType: 'objective',
      entityId: objective.id,
      data: {
        title: objective.title,
        krs: krs.length,
        parentKrId: objective.parentKrId,
        status: objective.status,
        source: 'chat',
      },
      now,
    }),
  ];
  if (needsApproval) {
    return requestAdjustment(ctx, {
      kind: 'new_objective',
      objective,
      cycleId: draft.cycleId,
      current: null,
      proposed: { title: objective.title, parentKrId: objective.parentKrId, krs: krs.map((k) => k.title) },
      before: rows,
    });
  }
  return {
    statements: rows,
    messages: [
      ctx.reply({ text: t(ctx.locale, 'newObjective.created', { title: objective.title, count: krs.length }) }),
    ],
  };
}

function cancelled(ctx: ChatContext): Effects {
  return say(ctx, t(ctx.locale, 'newObjective.cancelled'), [clear(ctx)]);
}

/** The person's reply at the current step. */
export const newObjectiveStep: FlowStep = async (ctx, event: MessageEvent, conversation: Conversation) => {
  const draft = conversation.data as Draft;
  const text = event.text.trim();
  const command = parseCommand(text);
  if (command.type === 'cancel') return cancelled(ctx);
  if (command.type === 'new_objective') return start(ctx);
  switch (conversation.step) {
    case 'title': {
      if (!text) return say(ctx, t(ctx.locale, 'newObjective.askTitle'));
      const next: Draft = { ...draft, title: text.slice(0, 200) };
      return say(
        ctx,
        t(ctx.locale, 'newObjective.askKrs', { max: MAX_KRS, example: t(ctx.locale, 'newObjective.krsExample') }),
        [save(ctx, 'krs', next)],
      );
    }
    case 'krs': {
      const lines = splitKrLines(text);
      if (!lines.length) return say(ctx, t(ctx.locale, 'newObjective.noKrs'));
      if (lines.length > MAX_KRS) return say(ctx, t(ctx.locale, 'newObjective.tooManyKrs', { max: MAX_KRS }));
      const parsed = lines.map((line) => ({ line, result: parseKrLine(line) }));
      const errors = parsed.flatMap((p, i) =>
        'error' in p.result
          ? [
              t(ctx.locale, 'newObjective.badKrLine', {
                line: i + 1,
                text: p.line,
                error: t(ctx.locale, `krLine.error.${p.result.error}`),
              }),
            ]
          : [],
      );
      if (errors.length) return say(ctx, errors.join('\n'));
      const next: Draft = { ...draft, krs: parsed.map((p) => p.result as KrLine) };
      const missing = missingBaseline(next.krs!);
      if (missing >= 0)
        return say(ctx, t(ctx.locale, 'newObjective.askBaseline', { title: next.krs![missing].title }), [
          save(ctx, 'baseline', next),
        ]);
      return toAlignment(ctx, next);
    }
    case 'baseline': {
      const krs = [...(draft.krs ?? [])];
      const missing = missingBaseline(krs);
      const value = Number(text.replace(/[,，%％]/g, ''));
      if (missing < 0) return toAlignment(ctx, draft);
      if (!Number.isFinite(value))
        return say(ctx, t(ctx.locale, 'newObjective.askBaseline', { title: krs[missing].title }));
      const kr: KrLine = { ...krs[missing], start: value };
      delete kr.baselineMissing;
      krs[missing] = kr;
      const next: Draft = { ...draft, krs };
      const again = missingBaseline(krs);
      if (again >= 0)
        return say(ctx, t(ctx.locale, 'newObjective.askBaseline', { title: krs[again].title }), [
          save(ctx, 'baseline', next),
        ]);
      return toAlignment(ctx, next);
    }
    case 'align': {
      const options = draft.options ?? [];
      const choice = /^\d+$/.test(text) ? Number(text) : NaN;
      if (!(choice >= 0 && choice <= options.length))
        return say(ctx, t(ctx.locale, 'newObjective.badChoice', { max: options.length }));
      return toConfirm(ctx, { ...draft, parentKrId: choice === 0 ? null : options[choice - 1].krId });
    }
    case 'confirm': {
      const yes = new RegExp(`^(?:${t(ctx.locale, 'newObjective.confirmWords')})$`, 'i').test(text);
      if (yes) return create(ctx, draft);
      return toConfirm(ctx, draft);
    }
    default:
      return cancelled(ctx);
  }
};

/** A reply after the conversation went quiet: say so, unless the message is a command of its own. */
export const newObjectiveExpired: FlowStep = async (ctx, event, conversation, conversations: ConversationStore) => {
  const command = parseCommand(event.text);
  if (command.type !== 'unknown' && command.type !== 'invalid') return undefined;
  return say(ctx, t(ctx.locale, 'newObjective.expired'), [conversations.clear(conversation.key)]);
};

/** The live conversation a card button belongs to, or an answer explaining the card is stale. */
async function fromCard(ctx: ChatContext, event: CardActionEvent): Promise<{ draft: Draft; step: string } | Effects> {
  const live = await store(ctx).get(conversationKey(ctx.org.id, ctx.person.id));
  if (!live || live.flow !== FLOW || (live.data as Draft).token !== event.value.conv) {
    return { ...noEffects(), result: { toast: { kind: 'warning', text: t(ctx.locale, 'newObjective.staleCard') } } };
  }
  return { draft: live.data as Draft, step: live.step };
}

const isEffects = (x: unknown): x is Effects => typeof x === 'object' && x !== null && 'statements' in x;

export const alignAction: ActionHandler = async (ctx, event) => {
  const found = await fromCard(ctx, event);
  if (isEffects(found)) return found;
  const { draft } = found;
  const choice = event.value.kr;
  if (choice !== 'none' && !(draft.options ?? []).some((o) => o.krId === choice)) {
    log.warn(`refused obj.align from ${ctx.person.id}: not an offered KR`, {
      org: ctx.org.slug,
      platform: event.platform,
      value: event.value,
    });
    return { ...noEffects(), result: { toast: { kind: 'error', text: t(ctx.locale, 'toast.forbidden') } } };
  }
  const next = toConfirm(ctx, { ...draft, parentKrId: choice === 'none' ? null : choice });
  return { ...next, result: { toast: { kind: 'success', text: t(ctx.locale, 'toast.recorded') } } };
};

function doneCard(ctx: ChatContext, title: string, text: string, color: Card['header']['color']): Card {
  return {
    header: { title: t(ctx.locale, 'newObjective.confirmTitle'), subtitle: title, color },
    blocks: [{ type: 'markdown', text }],
  };
}

export const confirmAction: ActionHandler = async (ctx, event) => {
  const found = await fromCard(ctx, event);
  if (isEffects(found)) return found;
  if (found.step !== 'confirm')
    return { ...noEffects(), result: { toast: { kind: 'warning', text: t(ctx.locale, 'newObjective.staleCard') } } };
  const effects = await create(ctx, found.draft);
  const summary = effects.messages
    .map((m) => m.message.text)
    .filter(Boolean)
    .join('\n');
  return {
    ...effects,
    result: {
      toast: { kind: 'success', text: summary },
      card: doneCard(ctx, found.draft.title ?? '', summary, 'green'),
    },
  };
};

export const cancelAction: ActionHandler = async (ctx, event) => {
  const found = await fromCard(ctx, event);
  if (isEffects(found)) return found;
  const text = t(ctx.locale, 'newObjective.cancelled');
  return {
    statements: [clear(ctx)],
    messages: [],
    result: { toast: { kind: 'info', text }, card: doneCard(ctx, found.draft.title ?? '', text, 'grey') },
  };
};
