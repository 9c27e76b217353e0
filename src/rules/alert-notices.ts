// The daily alert card. Built-in KR alert firings send nothing themselves; they
// are recorded `pending` and this step, at the end of each evaluation pass,
// names them on one card per recipient and local day:
// - the KR's owner sees every new alert about their KRs (why, the numbers,
//   quick updates for manual KRs);
// - their manager sees one line per new alert of their direct reports;
// - a manager with alerts of their own gets both on the same card.
// A recipient who already had today's card gets the rest tomorrow (if still
// open). The card's outbox row id is a hash of (org, person, day), and each
// (person, firing) pair is recorded in alert_notices in the same atomic batch,
// so a second pass, or two at once, send no second card and name no firing twice.
// A firing is `sent` once every recipient has had it named (or cannot be reached).
import { and, eq, inArray } from 'drizzle-orm';
import type { Statement } from '../../storage/db';
import { alertNotices, ruleFirings } from '../../storage/schema';
import { buildAlertDigestCard, type AlertFacts, type AlertItem } from '../../cards/alert';
import { jobMessageKey, jobOutboxStatement } from '../../jobs/outbox-rows';
import { personAddress } from '../../jobs/recipients';
import { localDate } from '../../core/okr/pace';
import { chatCycles } from '../../storage/repos/cycles';
import { chatKrNumbers } from '../../storage/repos/okrs';
import type { KrFiringData } from './firing-data';
import { alertKr, type OpenKr } from './kr-alerts';
import type { EvalEnv } from './metric-firings';

const DAY_MS = 86_400_000;
const CHUNK = 90;

export interface NoticeSummary {
  /** Cards written to the outbox this pass. */
  cards: number;
  /** Firings named on them. */
  named: number;
}

interface Pending {
  id: string;
  firedAt: string;
  data: KrFiringData;
}

/** Most urgent first: off track, at risk, confidence drop, stale; then the KR's number. */
const KIND_ORDER = ['off_track', 'at_risk', 'drop', 'stale'];

function currentFacts(facts: AlertFacts, now: Date): AlertFacts {
  if (facts.kind !== 'stale' || !facts.since) return facts;
  return { ...facts, days: Math.floor((now.getTime() - Date.parse(facts.since)) / DAY_MS) };
}

export async function deliverKrAlerts(env: EvalEnv, timeZone: string, krs: OpenKr[]): Promise<NoticeSummary> {
  const { store, orgId, now } = env;
  const rows = await store.db
    .select({ id: ruleFirings.id, firedAt: ruleFirings.firedAt, data: ruleFirings.data })
    .from(ruleFirings)
    .where(and(eq(ruleFirings.orgId, orgId), eq(ruleFirings.notice, 'pending'), eq(ruleFirings.state, 'firing')));
  if (!rows.length) return { cards: 0, named: 0 };
  const pending: Pending[] = rows.map((r) => ({ ...r, data: r.data as unknown as KrFiringData }));
  const krById = new Map(krs.map((k) => [k.kr.id, k]));

  // Who should see each firing: the owner, and the owner's manager.
  const recipientsOf = new Map<string, string[]>();
  for (const f of pending) {
    const owner = env.dir.byId.get(f.data.ownerId);
    recipientsOf.set(f.id, [f.data.ownerId, ...(owner?.managerId ? [owner.managerId] : [])]);
  }
  const ids = pending.map((f) => f.id);
  const noticed = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const got = await store.db
      .select({ personId: alertNotices.personId, firingId: alertNotices.firingId })
      .from(alertNotices)
      .where(inArray(alertNotices.firingId, ids.slice(i, i + CHUNK)));
    for (const n of got) noticed.add(`${n.personId}|${n.firingId}`);
  }
  const today = localDate(now, timeZone);
  const people = [...new Set([...recipientsOf.values()].flat())];
  const hadCard = new Set<string>();
  for (let i = 0; i < people.length; i += CHUNK) {
    const got = await store.db
      .select({ personId: alertNotices.personId })
      .from(alertNotices)
      .where(and(inArray(alertNotices.personId, people.slice(i, i + CHUNK)), eq(alertNotices.day, today)));
    for (const n of got) hadCard.add(n.personId);
  }

  // Per recipient without a card today: the firings not yet named for them.
  const due = new Map<string, { own: Pending[]; team: Pending[] }>();
  for (const f of pending) {
    for (const personId of recipientsOf.get(f.id)!) {
      if (hadCard.has(personId) || noticed.has(`${personId}|${f.id}`)) continue;
      const entry = due.get(personId) ?? { own: [], team: [] };
      (personId === f.data.ownerId ? entry.own : entry.team).push(f);
      due.set(personId, entry);
    }
  }
  const index = due.size ? await env.identities([...due.keys()]) : new Map();
  // The numbers chat gives the owners' KRs today (annual KRs included, after the quarter's), read
  // for the recipients with alerts of their own only.
  const owners = [...due].filter(([, d]) => d.own.length).map(([personId]) => personId);
  const open = owners.length ? await chatCycles(store, orgId, localDate(now, timeZone)) : [];
  const chatNumbers = owners.length
    ? await chatKrNumbers(store, { orgId, personIds: owners, cycleIds: open.map((c) => c.id) })
    : new Map<string, Map<string, number>>();
  const nowIso = now.toISOString();
  const statements: Statement[] = [];
  const namedNow = new Set<string>();
  let cards = 0;
  for (const [personId, { own, team }] of due) {
    const person = env.dir.byId.get(personId);
    const item = (f: Pending): AlertItem | undefined => {
      const open = krById.get(f.data.krId);
      if (!open) return undefined;
      const facts = currentFacts(f.data.facts as unknown as AlertFacts, now);
      const number = chatNumbers.get(f.data.ownerId)?.get(open.kr.id);
      return { kr: alertKr({ ...open, number }), facts, ownerName: env.dir.byId.get(f.data.ownerId)?.name };
    };
    const order = (a: AlertItem, b: AlertItem) =>
      KIND_ORDER.indexOf(a.facts.kind) - KIND_ORDER.indexOf(b.facts.kind) ||
      (a.ownerName ?? '').localeCompare(b.ownerName ?? '') ||
      (a.kr.number ?? 99) - (b.kr.number ?? 99);
    const ownItems = own.map(item).filter((x): x is AlertItem => !!x);
    const teamItems = team.map(item).filter((x): x is AlertItem => !!x);
    const to = person ? personAddress(index, personId, env.addressable, env.orgDefault) : undefined;
    if (to && (ownItems.length || teamItems.length)) {
      const card = buildAlertDigestCard({
        locale: person!.locale,
        personName: person!.name,
        own: ownItems.sort(order),
        team: teamItems.sort(order),
        now: nowIso,
      });
      const id = await jobMessageKey('kr-alerts', orgId, today, `person:${personId}`);
      statements.push(
        jobOutboxStatement(store, {
          id,
          orgId,
          now,
          message: { to, message: { card }, subject: `kr-alerts:${personId}:${today}` },
        }),
      );
      cards++;
    }
    // Named (or unreachable: nobody to tell on any platform this server can address).
    for (const f of [...own, ...team]) {
      statements.push(
        store.db
          .insert(alertNotices)
          .values({ personId, firingId: f.id, orgId, day: today, createdAt: nowIso })
          .onConflictDoNothing(),
      );
      noticed.add(`${personId}|${f.id}`);
      namedNow.add(f.id);
    }
  }
  const done = pending.filter((f) => recipientsOf.get(f.id)!.every((p) => noticed.has(`${p}|${f.id}`)));
  for (let i = 0; i < done.length; i += CHUNK)
    statements.push(
      store.db
        .update(ruleFirings)
        .set({ notice: 'sent' })
        .where(
          inArray(
            ruleFirings.id,
            done.slice(i, i + CHUNK).map((f) => f.id),
          ),
        ),
    );
  // Cards with their notices in batches of whole recipients (≤ ~1000 statements each).
  for (let i = 0; i < statements.length; i += 1000) await store.atomic(statements.slice(i, i + 1000));
  return { cards, named: namedNow.size };
}
