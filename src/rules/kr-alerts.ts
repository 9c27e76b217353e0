// The built-in KR alerts, evaluated over the open cycles' person-owned KRs:
//   kr_status           the KR is at risk / off track against its pace (core/okr/status)
//   kr_confidence_drop  the latest confidence is ≥ 3 below the one before
//   kr_stale            no check-in for 14 days (counted from the later of the KR's creation and
//                       the cycle start when there is none)
// Each alert fires once per state change: the firing's period names the state
// (`off_track@<day it turned>`, `drop@<check-in id>`, `stale@<last check-in>`). While a firing
// for the same state is open nothing new is recorded; an open firing whose state no longer
// holds is resolved. Firings send nothing themselves: src/rules/alert-notices.ts names every
// pending one on each recipient's one daily alert card.
import { and, asc, desc, eq, gte, inArray, isNotNull, ne } from 'drizzle-orm';
import { checkIns, cycles, keyResults, objectives, ruleFirings } from '../../storage/schema';
import type { AlertFacts, AlertKr } from '../../cards/alert';
import { localMidnight } from '../../core/time';
import { expectedPace, localDate } from '../../core/okr/pace';
import { krProgress } from '../../core/okr/progress';
import { trackStatus } from '../../core/okr/status';
import type { BuiltinRule } from '../../core/rules/definition';
import type { KrFiringData } from './firing-data';
import type { EvalEnv, RuleOutcome } from './eval-env';
import { firingId } from './outbound';
import type { RuleRow } from './repo';
import type { WriteGroup } from './write-groups';
import { Slices, type SliceOptions } from '../../core/loop';

const DAY_MS = 86_400_000;

interface KrState {
  kr: AlertKr;
  ownerId: string;
  period: string;
  facts: AlertFacts;
}

interface KrRow {
  kr: typeof keyResults.$inferSelect;
  cycle: typeof cycles.$inferSelect;
  ownerId: string;
  objectivePosition: number;
  objectiveCreatedAt: string;
  objectiveId: string;
}

export type OpenKr = KrRow & { number?: number; progress: number; expected: number };

/**
 * Person-owned active KRs of the cycles running today. They carry no chat number: the daily
 * alert card asks chat's numbering (chatKrNumbers) for its recipients when it is written, so a
 * card never tells anyone to reply a number that chat would apply to a different KR.
 */
/** Owners per page of openCycleKrs: a page of a few hundred KRs reads and maps in a few ms. */
const OWNERS_PER_PAGE = 100;

export async function openCycleKrs(env: EvalEnv, timeZone: string, sliceOptions?: SliceOptions): Promise<OpenKr[]> {
  const today = localDate(env.now, timeZone);
  const where = and(
    eq(keyResults.orgId, env.orgId),
    eq(keyResults.status, 'active'),
    eq(objectives.status, 'active'),
    eq(objectives.ownerType, 'person'),
    isNotNull(objectives.ownerPersonId),
    ne(cycles.status, 'closed'),
  );
  // Read in pages of owners, in owner order, yielding between pages: one read of every KR of a
  // large org (15,000 rows, ~0.6 s) would hold the event loop that answers webhooks (issue 22).
  const owners = (
    await env.store.db
      .selectDistinct({ id: objectives.ownerPersonId })
      .from(keyResults)
      .innerJoin(objectives, eq(objectives.id, keyResults.objectiveId))
      .innerJoin(cycles, eq(cycles.id, keyResults.cycleId))
      .where(where)
      .orderBy(asc(objectives.ownerPersonId))
  ).map((r) => r.id as string);
  const out: OpenKr[] = [];
  const slices = new Slices(sliceOptions);
  for (let i = 0; i < owners.length; i += OWNERS_PER_PAGE) {
    await slices.pause();
    const rows = await env.store.db
      .select({
        kr: keyResults,
        cycle: cycles,
        ownerId: objectives.ownerPersonId,
        objectivePosition: objectives.position,
        objectiveCreatedAt: objectives.createdAt,
        objectiveId: objectives.id,
      })
      .from(keyResults)
      .innerJoin(objectives, eq(objectives.id, keyResults.objectiveId))
      .innerJoin(cycles, eq(cycles.id, keyResults.cycleId))
      .where(and(where, inArray(objectives.ownerPersonId, owners.slice(i, i + OWNERS_PER_PAGE))))
      .orderBy(
        asc(objectives.ownerPersonId),
        asc(objectives.position),
        asc(objectives.createdAt),
        asc(objectives.id),
        asc(keyResults.position),
        asc(keyResults.createdAt),
        asc(keyResults.id),
      );
    for (const r of rows as KrRow[]) {
      if (r.cycle.startsOn > today || r.cycle.endsOn < today) continue;
      out.push({ ...r, progress: krProgress(r.kr).progress, expected: expectedPace(r.cycle, env.now, timeZone) });
    }
  }
  return out;
}

export function alertKr(r: { kr: KrRow['kr']; number?: number; progress: number }): AlertKr {
  return {
    id: r.kr.id,
    number: r.number,
    manual: r.kr.progressMode === 'manual',
    title: r.kr.title,
    kind: r.kr.kind,
    unit: r.kr.unit,
    start: r.kr.startValue,
    target: r.kr.targetValue,
    current: r.kr.currentValue,
    progress: r.progress,
  };
}

export async function desiredStates(
  env: EvalEnv,
  rule: BuiltinRule,
  krs: OpenKr[],
  timeZone: string,
): Promise<Map<string, KrState>> {
  const out = new Map<string, KrState>();
  const today = localDate(env.now, timeZone);
  const slices = new Slices();
  const live = krs.filter((r) => {
    const owner = env.dir.byId.get(r.ownerId);
    const onLeave = !!owner?.pausedUntil && owner.pausedUntil >= today;
    return !!owner && !onLeave && r.kr.progressMode !== 'children';
  });
  if (rule.builtin === 'kr_status') {
    const wanted = new Set(rule.statuses ?? ['at_risk', 'off_track']);
    for (const r of live) {
      await slices.pause();
      // A yes/no KR is done or not: there is no pace to be behind.
      if (r.kr.kind === 'boolean') continue;
      const status = trackStatus({
        progress: r.progress,
        expected: r.expected,
        confidence: r.kr.confidence,
        hasCheckIn: !!r.kr.lastCheckInAt,
      });
      if (status !== 'at_risk' && status !== 'off_track') continue;
      if (!wanted.has(status)) continue;
      out.set(r.kr.id, {
        kr: alertKr(r),
        ownerId: r.ownerId,
        // The day the state began: kept while a firing for this status is open (see below).
        period: `${status}@${today}`,
        facts: { kind: status, progress: r.progress, expected: r.expected, confidence: r.kr.confidence },
      });
    }
  } else if (rule.builtin === 'kr_stale') {
    const days = rule.days ?? 14;
    for (const r of live) {
      await slices.pause();
      // Without a check-in, count from the later of the cycle start and the KR's creation.
      const since = r.kr.lastCheckInAt
        ? Date.parse(r.kr.lastCheckInAt)
        : Math.max(localMidnight(r.cycle.startsOn, timeZone).getTime(), Date.parse(r.kr.createdAt));
      const elapsed = Math.floor((env.now.getTime() - since) / DAY_MS);
      if (elapsed < days) continue;
      out.set(r.kr.id, {
        kr: alertKr(r),
        ownerId: r.ownerId,
        period: `stale@${r.kr.lastCheckInAt ?? 'never'}`,
        facts: {
          kind: 'stale',
          days: elapsed,
          lastCheckInAt: r.kr.lastCheckInAt,
          since: new Date(since).toISOString(),
        },
      });
    }
  } else {
    const minDrop = rule.minDrop ?? 3;
    const byId = new Map(live.map((r) => [r.kr.id, r]));
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += 90) {
      await slices.pause();
      const rows = await env.store.db
        .select({ id: checkIns.id, krId: checkIns.keyResultId, confidence: checkIns.confidence })
        .from(checkIns)
        .where(
          and(
            inArray(checkIns.keyResultId, ids.slice(i, i + 90)),
            isNotNull(checkIns.confidence),
            gte(checkIns.createdAt, new Date(env.now.getTime() - 120 * DAY_MS).toISOString()),
          ),
        )
        .orderBy(asc(checkIns.keyResultId), desc(checkIns.createdAt), desc(checkIns.id));
      const lastTwo = new Map<string, { id: string; confidence: number }[]>();
      for (const c of rows) {
        const list = lastTwo.get(c.krId) ?? [];
        if (list.length < 2) list.push({ id: c.id, confidence: c.confidence! });
        lastTwo.set(c.krId, list);
      }
      for (const [krId, [latest, before]] of lastTwo) {
        if (!before || before.confidence - latest.confidence < minDrop) continue;
        const r = byId.get(krId)!;
        out.set(krId, {
          kr: alertKr(r),
          ownerId: r.ownerId,
          period: `drop@${latest.id}`,
          facts: { kind: 'drop', from: before.confidence, to: latest.confidence },
        });
      }
    }
  }
  return out;
}

/** The state an alert period names: `off_track@2026-11-27` → `off_track`; drop and stale periods are their own state. */
export function periodState(period: string): string {
  const at = period.indexOf('@');
  const head = at < 0 ? period : period.slice(0, at);
  return head === 'at_risk' || head === 'off_track' ? head : period;
}

export async function evaluateKrAlertRule(
  env: EvalEnv,
  row: RuleRow,
  rule: BuiltinRule,
  timeZone: string,
  krs: OpenKr[],
): Promise<RuleOutcome> {
  const { store, orgId, now } = env;
  const outcome: RuleOutcome = { ruleId: row.id, fired: [], resolved: [], groups: [] };
  const desired = await desiredStates(env, rule, krs, timeZone);
  const slices = new Slices();
  const open = await store.db
    .select({ id: ruleFirings.id, subject: ruleFirings.subject, period: ruleFirings.period })
    .from(ruleFirings)
    .where(and(eq(ruleFirings.ruleId, row.id), eq(ruleFirings.state, 'firing')));
  // Same state as an open firing (off track yesterday and still off track today): nothing new.
  const sameState = (f: { period: string } | undefined, state: KrState | undefined) =>
    !!f && !!state && periodState(f.period) === periodState(state.period);
  const openBySubject = new Map(open.map((f) => [f.subject, f]));

  for (const f of open) {
    if (sameState(f, desired.get(f.subject))) continue;
    outcome.groups.push({
      statements: [
        store.db
          .update(ruleFirings)
          .set({ state: 'resolved', resolvedAt: now.toISOString() })
          .where(and(eq(ruleFirings.id, f.id), eq(ruleFirings.state, 'firing'))),
      ],
    });
    outcome.resolved.push({ firingId: f.id, subject: f.subject });
  }
  const fresh: (KrState & { id: string })[] = [];
  for (const [krId, state] of desired) {
    await slices.pause();
    if (sameState(openBySubject.get(krId), state)) continue;
    fresh.push({ ...state, id: await firingId(row.id, krId, state.period) });
  }
  // A state that cleared and came back on the same day has the same id: it does not fire twice.
  const known = new Set<string>();
  for (let i = 0; i < fresh.length; i += 90) {
    await slices.pause();
    const rows = await store.db
      .select({ id: ruleFirings.id })
      .from(ruleFirings)
      .where(
        inArray(
          ruleFirings.id,
          fresh.slice(i, i + 90).map((f) => f.id),
        ),
      );
    for (const r of rows) known.add(r.id);
  }
  const quiet = env.quiet(row);
  for (const f of fresh) {
    await slices.pause();
    if (known.has(f.id)) continue;
    const data: KrFiringData = {
      kind: 'kr',
      builtin: rule.builtin,
      krId: f.kr.id,
      ownerId: f.ownerId,
      facts: f.facts as unknown as Record<string, unknown>,
      observe: quiet,
    };
    outcome.groups.push({
      firing: {
        id: f.id,
        orgId,
        ruleId: row.id,
        subject: f.kr.id,
        period: f.period,
        state: 'firing',
        data: data as unknown as Record<string, unknown>,
        firedAt: now.toISOString(),
        // Cards are drawn by the daily alert card (src/rules/alert-notices.ts), not here.
        notice: quiet ? 'held' : 'pending',
      },
      statements: [],
    } satisfies WriteGroup);
    outcome.fired.push({ firingId: f.id, subject: f.kr.id, period: f.period });
  }
  return outcome;
}
