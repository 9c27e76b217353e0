// Stored roll-ups: objective_rollups (one row per active objective) and rollup_totals (one row per
// org and cycle), read by GET /tree and GET /stats instead of recomputing the org.
// - Every write to objectives/key_results queues the objective id in rollup_dirty (triggers in
//   migration 0016; nothing else is done in SQL), in the writer's own transaction, so no write path
//   can be missed.
// - processDirty() then recomputes only the chain above each queued objective (a few levels), with
//   core/okr/stored.ts, and applies each changed objective's contribution to its cycle's totals.
//   Check-in paths call it right after their write; reads call it first, so a read never sees a
//   stale value.
// - recomputeCycle() rebuilds a cycle from scratch with the same functions (after an import, a
//   migration, a change of pace — statuses depend on the day — or on demand: `polaris rollups`,
//   POST /api/v1/admin/rollups/recompute). Both give identical numbers; test/rollup tests it.
import { sql, type SQL } from 'drizzle-orm';
import {
  applyContribution,
  expectedPace,
  contribution,
  cutEdges,
  emptyTotals,
  nodeValues,
  type Contribution,
  type Feeder,
  type NodeKr,
  type NodeValues,
  type RollupTotals,
  type TrackStatus,
} from '../../core/okr';
import { allRows, columnValues, inIdSlices, sqliteWrite, type Statement, type Store } from '../db';
import { Slices, nextTurn } from '../../core/loop';

const CHUNK = 2000;
/** More queued objectives than this in one cycle: rebuilding the cycle is cheaper than walking chains. */
const REBUILD_ABOVE = 3000;
/**
 * Queued objectives taken by one incremental pass: a pass's reads, math and its one write
 * transaction stay bounded (a few ms for a burst of chat check-ins), and the event loop gets a turn
 * between passes (issue 22: acks share the loop with this work).
 */
export const PASS_MAX = 500;
/**
 * Objectives a rebuild reads and settles at a time: small enough that a slice's KR rows die young
 * (collected by the scavenger) instead of being promoted and piling up as old-space garbage. V8
 * lets the old space grow to about four times what it found live, so promoted garbage sets the
 * peak: on bench:rollup's 100k people, slices of 500 peaked at 235–251 MB, of 250 at 209–213 MB,
 * with the same build time.
 */
const REBUILD_SLICE = 250;
/** Rows per write transaction of a rebuild (its writes go in chunks, with a turn between them). */
export const REBUILD_WRITE_ROWS = 2000;

const rows = allRows;
const chunked = <T>(ids: readonly string[], load: (json: string) => Promise<T[]>) => inIdSlices(ids, CHUNK, load);

/**
 * A raw write for `store.atomic()`. better-sqlite3 runs `db.run()` at once, so there it is wrapped
 * to run inside the transaction; D1's batch needs a prepared query (`db.run()`'s raw query has no
 * statement to bind there), made by the session exactly as Drizzle's own builders make theirs.
 */
function rawStatement(store: Store, q: SQL): Statement {
  if (store.kind === 'd1') {
    const db = store.db as unknown as {
      dialect: { sqlToQuery(q: SQL): unknown };
      session: { prepareQuery(query: unknown, fields: undefined, method: 'run', arrayMode: boolean): unknown };
    };
    const prepared = db.session.prepareQuery(db.dialect.sqlToQuery(q), undefined, 'run', false);
    return { _prepare: () => prepared } as unknown as Statement;
  }
  return sqliteWrite(() => store.db.run(q));
}

/** One roll-up writer at a time per store in this process (reads and check-ins both trigger one). */
const queues = new WeakMap<Store, Promise<unknown>>();
function serial<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(store) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  queues.set(
    store,
    next.catch(() => undefined),
  );
  return next;
}

interface ObjRow {
  id: string;
  orgId: string;
  cycleId: string;
  ownerType: string;
  position: number;
  parentKrId: string | null;
  status: string;
}
interface KrRow {
  id: string;
  objectiveId: string;
  cycleId: string;
  mode: string;
  weight: number;
  progress: number;
  confidence: number | null;
  checked: number;
  status: string;
}
interface KrOwner {
  id: string;
  objectiveId: string;
  mode: string;
  status: string;
  krCycle: string;
  ownerStatus: string;
  ownerCycle: string;
}
export interface StoredRow {
  objectiveId: string;
  orgId: string;
  cycleId: string;
  ownerType: string;
  ownerRank: number;
  position: number;
  parentKrId: string | null;
  parentObjectiveId: string | null;
  rollupKrId: string | null;
  progress: number;
  minConfidence: number | null;
  hasCheckIn: number;
  rolled: string;
  sig: string;
  eligible: number;
  aligned: number;
  status: string;
  score10: number;
  krCounts: string;
}

const STORED_COLUMNS =
  sql.raw(`objective_id AS objectiveId, org_id AS orgId, cycle_id AS cycleId, owner_type AS ownerType,
  owner_rank AS ownerRank, position, parent_kr_id AS parentKrId, parent_objective_id AS parentObjectiveId, rollup_kr_id AS rollupKrId, progress,
  min_confidence AS minConfidence, has_check_in AS hasCheckIn, rolled, sig, eligible, aligned, status, score10, kr_counts AS krCounts`);

type ObjWithOwner = ObjRow & { ownerObjectiveId: string | null; krStatus: string } & Omit<
    KrOwner,
    'id' | 'objectiveId' | 'status'
  >;
/** The KR an objective aligns to, from its loadObjectivesWithOwners row. */
const ownerOf = (o: ObjWithOwner): KrOwner | undefined =>
  o.parentKrId && o.ownerObjectiveId !== null
    ? {
        id: o.parentKrId,
        objectiveId: o.ownerObjectiveId,
        mode: o.mode,
        status: o.krStatus,
        krCycle: o.krCycle,
        ownerStatus: o.ownerStatus,
        ownerCycle: o.ownerCycle,
      }
    : undefined;
/** Objectives with the KR each aligns to and that KR's objective (one query per wave of the walk). */
const loadObjectivesWithOwners = (store: Store, ids: string[]) =>
  chunked(ids, (json) =>
    rows<ObjWithOwner>(
      store,
      sql`SELECT o.id AS id, o.org_id AS orgId, o.cycle_id AS cycleId, o.owner_type AS ownerType, o.position AS position,
        o.parent_kr_id AS parentKrId, o.status AS status, k.objective_id AS ownerObjectiveId, k.progress_mode AS mode, k.status AS krStatus,
        k.cycle_id AS krCycle, po.status AS ownerStatus, po.cycle_id AS ownerCycle
      FROM objectives o LEFT JOIN key_results k ON k.id = o.parent_kr_id LEFT JOIN objectives po ON po.id = k.objective_id
      WHERE o.id IN (SELECT value FROM json_each(${json}))`,
    ),
  );
const loadKrs = (store: Store, objectiveIds: string[]) =>
  chunked(objectiveIds, (json) =>
    rows<KrRow>(
      store,
      sql`SELECT id, objective_id AS objectiveId, cycle_id AS cycleId, progress_mode AS mode, weight, progress, confidence,
        last_check_in_at IS NOT NULL AS checked, status
      FROM key_results WHERE objective_id IN (SELECT value FROM json_each(${json})) ORDER BY objective_id, position, id`,
    ),
  );
const loadStored = (store: Store, ids: string[]) =>
  chunked(ids, (json) =>
    rows<StoredRow>(
      store,
      sql`SELECT ${STORED_COLUMNS} FROM objective_rollups WHERE objective_id IN (SELECT value FROM json_each(${json}))`,
    ),
  );

/** The KRs an objective's value reads: its active KRs filed under its cycle. */
function nodeKrs(o: ObjRow, krs: readonly KrRow[]): NodeKr[] {
  const out: NodeKr[] = [];
  for (const k of krs) {
    if (k.status !== 'active') continue;
    // A KR filed under another cycle than its objective counts nowhere (as in loadRollup).
    if (k.cycleId !== o.cycleId) continue;
    const rolls = k.mode === 'children';
    out.push({
      id: k.id,
      rolls,
      weight: k.weight,
      progress: k.progress,
      confidence: k.confidence,
      hasCheckIn: !!k.checked,
    });
  }
  return out;
}

/** What an objective's children depend on: a change re-evaluates their edges. */
function signature(o: ObjRow | undefined, krs: readonly KrRow[]): string {
  if (!o) return '';
  return JSON.stringify([o.status, o.cycleId, ...krs.map((k) => `${k.id}:${k.mode}:${k.status}:${k.cycleId}`)]);
}

/** The objective owning the active 'children' KR `o` aligns to, in o's cycle (before cutting cycles). */
function candidateParent(o: ObjRow | undefined, owner: KrOwner | undefined): string | undefined {
  if (o?.status !== 'active' || !owner) return undefined;
  if (owner.status !== 'active' || owner.mode !== 'children') return undefined;
  if (owner.ownerStatus !== 'active' || owner.ownerCycle !== o.cycleId || owner.krCycle !== o.cycleId) return undefined;
  return owner.objectiveId;
}

function rowFor(
  o: ObjRow,
  owner: KrOwner | undefined,
  feeds: boolean,
  values: NodeValues,
  c: Contribution,
  sig: string,
): StoredRow {
  return {
    objectiveId: o.id,
    orgId: o.orgId,
    cycleId: o.cycleId,
    ownerType: o.ownerType,
    ownerRank: o.ownerType === 'company' ? 0 : o.ownerType === 'team' ? 1 : 2,
    position: o.position,
    parentKrId: o.parentKrId,
    parentObjectiveId: owner?.objectiveId ?? null,
    rollupKrId: feeds ? o.parentKrId : null,
    progress: values.progress,
    minConfidence: values.minConfidence,
    hasCheckIn: values.hasCheckIn ? 1 : 0,
    rolled: JSON.stringify(values.rolled),
    sig,
    eligible: c.eligible,
    aligned: c.aligned,
    status: c.status,
    score10: c.score10,
    krCounts: JSON.stringify(c.krStatus),
  };
}

const contributionOf = (r: StoredRow): Contribution => ({
  eligible: r.eligible ? 1 : 0,
  aligned: r.aligned ? 1 : 0,
  status: r.status as TrackStatus,
  score10: r.score10,
  krStatus: JSON.parse(r.krCounts) as number[],
});

/** Every column of a stored row but its key, in the order the writes bind them. */
const ROW_KEYS = [
  'orgId',
  'cycleId',
  'ownerType',
  'ownerRank',
  'position',
  'parentKrId',
  'parentObjectiveId',
  'rollupKrId',
  'progress',
  'minConfidence',
  'hasCheckIn',
  'rolled',
  'sig',
  'eligible',
  'aligned',
  'status',
  'score10',
  'krCounts',
] as const satisfies readonly (keyof StoredRow)[];

/** The columns of the indexes that place a row in the tree (objective_rollups_children, _parent). */
const PLACEMENT_KEYS = ROW_KEYS.slice(0, 7);
/** The columns a check-in can move: the rest. */
const VALUE_KEYS = ROW_KEYS.slice(7);

/** The objective_rollups column of a StoredRow key (rollupKrId → rollup_kr_id). */
const columnOf = (key: keyof StoredRow) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Writes rows as JSON arrays of `keys` (the key first), one bound parameter per slice as D1 allows
 * at most 100: `write` gets the JSON and the SQL of each key's value, `value ->> n` of `source`.
 */
function rowStatements(
  store: Store,
  list: StoredRow[],
  keys: readonly (keyof StoredRow)[],
  write: (json: string, values: SQL[]) => SQL,
  source = '',
): Statement[] {
  const all = ['objectiveId', ...keys] as const;
  const values = all.map((_, n) => sql.raw(`${source}value ->> ${n}`));
  const out: Statement[] = [];
  for (let i = 0; i < list.length; i += 500) {
    const json = JSON.stringify(list.slice(i, i + 500).map((r) => all.map((k) => r[k])));
    out.push(rawStatement(store, write(json, values)));
  }
  return out;
}

const UPSERT_COLUMNS = sql.raw(ROW_KEYS.map(columnOf).join(', '));
const UPSERT_SET = sql.raw(ROW_KEYS.map((k) => `${columnOf(k)} = excluded.${columnOf(k)}`).join(', '));

/** Inserts rows, or rewrites every column of those stored. */
function upsertStatements(store: Store, list: StoredRow[]): Statement[] {
  return rowStatements(
    store,
    list,
    ROW_KEYS,
    (json, values) => sql`INSERT INTO objective_rollups (objective_id, ${UPSERT_COLUMNS})
      SELECT ${sql.join(values, sql`, `)} FROM json_each(${json}) WHERE true
      ON CONFLICT (objective_id) DO UPDATE SET ${UPSERT_SET}`,
  );
}

const VALUE_COLUMNS = VALUE_KEYS.map((k) => sql.raw(columnOf(k)));

/** Whether a recomputed row sits where its stored one does (only its values moved). */
const samePlace = (a: StoredRow, b: StoredRow | undefined): b is StoredRow =>
  !!b && PLACEMENT_KEYS.every((k) => a[k] === b[k]);

/**
 * Rewrites the values of rows whose place is unchanged, the common case after a check-in. An
 * upsert names every column, so SQLite rewrites every index's entry for the row; this UPDATE leaves
 * the two placement indexes alone (SQLite skips an index none of whose columns are set), which is
 * half the pages a pass's commit writes.
 */
function valueUpdateStatements(store: Store, list: StoredRow[]): Statement[] {
  return rowStatements(
    store,
    list,
    VALUE_KEYS,
    (json, [key, ...values]) =>
      sql`UPDATE objective_rollups SET ${sql.join(
        VALUE_COLUMNS.map((column, n) => sql`${column} = ${values[n]}`),
        sql`, `,
      )} FROM json_each(${json}) AS j WHERE objective_rollups.objective_id = ${key}`,
    'j.',
  );
}

function totalsStatement(store: Store, orgId: string, cycleId: string, expected: number, t: RollupTotals, now: Date) {
  return rawStatement(
    store,
    sql`INSERT INTO rollup_totals (org_id, cycle_id, expected, totals, updated_at)
    VALUES (${orgId}, ${cycleId}, ${expected}, ${JSON.stringify(t)}, ${now.toISOString()})
    ON CONFLICT (org_id, cycle_id) DO UPDATE SET expected = excluded.expected, totals = excluded.totals, updated_at = excluded.updated_at`,
  );
}

export interface StoredTotals {
  expected: number;
  totals: RollupTotals;
}

export async function readTotals(store: Store, orgId: string, cycleId: string): Promise<StoredTotals | undefined> {
  const [row] = await rows<{ expected: number; totals: string }>(
    store,
    sql`SELECT expected, totals FROM rollup_totals WHERE org_id = ${orgId} AND cycle_id = ${cycleId}`,
  );
  return row ? { expected: row.expected, totals: JSON.parse(row.totals) as RollupTotals } : undefined;
}

/** Stored rows of the given objectives (for the tree). */
export async function readStoredRows(store: Store, ids: string[]): Promise<Map<string, StoredRow>> {
  return new Map((await loadStored(store, ids)).map((r) => [r.objectiveId, r]));
}

/**
 * Rebuilds a cycle's stored roll-ups from the source tables, bottom-up, with the functions the
 * incremental path uses. Clears the cycle's queued ids. Returns the totals.
 */
export function recomputeCycle(store: Store, orgId: string, cycleId: string, expected: number, now: Date) {
  return serial(store, () => rebuildCycle(store, orgId, cycleId, expected, now));
}

async function rebuildCycle(
  store: Store,
  orgId: string,
  cycleId: string,
  expected: number,
  now: Date,
): Promise<RollupTotals> {
  // The cycle's queued marks as of now: the rebuild reads what they announce. A write made while
  // the rebuild runs (it yields between chunks) bumps its mark's `n`, so that mark outlives the
  // rebuild and the next incremental pass applies the write on top of the rebuilt rows.
  const marks = await rows<{ id: string; n: number }>(
    store,
    sql`SELECT d.objective_id AS id, d.n AS n FROM rollup_dirty d JOIN objectives o ON o.id = d.objective_id
    WHERE d.org_id = ${orgId} AND o.org_id = ${orgId} AND o.cycle_id = ${cycleId}`,
  );
  // Only the ids are held for the whole rebuild; objectives are read with their alignment and KRs a
  // slice at a time, and only those with a 'children' KR (a few per team) are kept until their
  // feeders settle. Holding every objective row of a 100k-person org, with its owner, kept ~50 MB
  // alive and let V8 grow the heap past 150 MB (issue 16 goal 5).
  const ids = await columnValues<string>(
    store,
    sql`SELECT id FROM objectives WHERE org_id = ${orgId} AND cycle_id = ${cycleId} AND status = 'active' ORDER BY id`,
  );
  const feeders = new Map<string, Feeder[]>(); // 'children' KR id → feeding objectives
  const rolling = new Map<string, { o: ObjRow; owner: KrOwner | undefined; krs: KrRow[]; parent?: string }>();
  const gone = new Set<string>(); // ids no longer active in the cycle when their slice was read
  // Rows are written as they settle, REBUILD_WRITE_ROWS per transaction with a turn of the event loop
  // between them. Nothing incremental runs in between (one roll-up writer at a time), and /tree
  // recomputes statuses at the request's pace, so a read between two transactions sees correct
  // values in every row.
  const pending: StoredRow[] = [];
  const flush = async (all: boolean) => {
    while (pending.length >= REBUILD_WRITE_ROWS || (all && pending.length)) {
      await store.atomic(upsertStatements(store, pending.splice(0, REBUILD_WRITE_ROWS)));
      await nextTurn();
    }
  };
  const totals = emptyTotals();
  const settle = (o: ObjRow, owner: KrOwner | undefined, feeds: boolean, krs: KrRow[], values: NodeValues) => {
    const c = contribution(values, { ownerType: o.ownerType, parentKrExists: !!owner, expected });
    applyContribution(totals, c, 1);
    const row = rowFor(o, owner, feeds, values, c, signature(o, krs));
    pending.push(row);
    if (feeds) {
      const list = feeders.get(o.parentKrId!);
      const f = { id: o.id, progress: row.progress, hasCheckIn: !!row.hasCheckIn };
      if (list) list.push(f);
      else feeders.set(o.parentKrId!, [f]);
    }
  };
  // Objectives without an active 'children' KR depend on nothing else: settle them slice by slice,
  // giving the event loop a turn between slices (a rebuild runs on the server that answers webhooks).
  // Such an objective is never on an alignment cycle (every objective on one owns a 'children' KR its
  // child aligns to), so its edge is never cut: it feeds its candidate parent.
  const slices = new Slices();
  for (let i = 0; i < ids.length; i += REBUILD_SLICE) {
    await slices.pause();
    const sliceIds = ids.slice(i, i + REBUILD_SLICE);
    const [objs, krRows] = await Promise.all([loadObjectivesWithOwners(store, sliceIds), loadKrs(store, sliceIds)]);
    const krsOf = new Map<string, KrRow[]>();
    for (const k of krRows) {
      const list = krsOf.get(k.objectiveId);
      if (list) list.push(k);
      else krsOf.set(k.objectiveId, [k]);
    }
    const read = new Set<string>();
    for (const o of objs) {
      // Archived or moved since the ids were read: its bumped mark outlives the rebuild.
      if (o.orgId !== orgId || o.cycleId !== cycleId || o.status !== 'active') continue;
      read.add(o.id);
      const owner = ownerOf(o);
      const parent = candidateParent(o, owner);
      const krs = krsOf.get(o.id) ?? [];
      if (krs.some((k) => k.status === 'active' && k.mode === 'children' && k.cycleId === o.cycleId)) {
        rolling.set(o.id, { o, owner, krs, parent });
        continue;
      }
      settle(
        o,
        owner,
        parent !== undefined,
        krs,
        nodeValues(nodeKrs(o, krs), () => [], expected),
      );
    }
    for (const id of sliceIds) if (!read.has(id)) gone.add(id);
    await flush(false);
  }
  // Objectives with 'children' KRs: post-order over the (cycle-free) feeding forest. A parent is
  // always rolling itself (it owns the 'children' KR), so cycles and cuts are among these alone.
  const parentOf = (id: string) => {
    const p = rolling.get(id)?.parent;
    return p && rolling.has(p) ? p : undefined;
  };
  const cut = cutEdges(rolling.keys(), parentOf);
  const kids = new Map<string, string[]>(); // objective → rolling objectives feeding it (post-cut)
  for (const id of rolling.keys()) {
    const p = parentOf(id);
    if (!p || cut.has(id)) continue;
    const list = kids.get(p);
    if (list) list.push(id);
    else kids.set(p, [id]);
  }
  for (const id of postOrder(rolling.keys(), kids)) {
    const { o, owner, krs } = rolling.get(id)!;
    settle(
      o,
      owner,
      parentOf(id) !== undefined && !cut.has(id),
      krs,
      nodeValues(nodeKrs(o, krs), (kr) => feeders.get(kr) ?? [], expected),
    );
    await flush(false);
  }
  await flush(true);
  // Rows of this cycle that the rebuild did not write (objectives archived, deleted or moved).
  const stale = (
    await columnValues<string>(
      store,
      sql`SELECT objective_id FROM objective_rollups WHERE org_id = ${orgId} AND cycle_id = ${cycleId}`,
    )
  ).filter((id) => gone.has(id) || !inSorted(ids, id));
  // The totals, the stale rows and the marks go in the last transaction, after every row.
  const last: Statement[] = [];
  for (let i = 0; i < stale.length; i += CHUNK)
    last.push(
      rawStatement(
        store,
        sql`DELETE FROM objective_rollups WHERE objective_id IN (SELECT value FROM json_each(${JSON.stringify(stale.slice(i, i + CHUNK))}))`,
      ),
    );
  last.push(...deleteQueuedStatements(store, marks), totalsStatement(store, orgId, cycleId, expected, totals, now));
  await store.atomic(last);
  return totals;
}

/** Whether `id` is in `sorted` (ascending in SQLite's BINARY order, which is JS's for ids). */
function inSorted(sorted: readonly string[], id: string): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sorted[mid];
    if (x === id) return true;
    if (x < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Stores with a coalesced processing pass already scheduled (processDirtySoon). */
const scheduled = new WeakSet<Store>();

/**
 * Brings the queued objectives up to date shortly, once for every write made until then: the chat
 * path and the check-in API call this after their write, so a burst of check-ins costs one pass per
 * window instead of one per event (a pass per event kept 200 pushes/s from draining, issue 22), and
 * nothing roll-up-related runs on the path that answers. Reads run processDirty themselves first,
 * so nothing reads a stale roll-up in between.
 */
export function processDirtySoon(
  store: Store,
  now: () => Date,
  onError: (err: unknown) => void,
  delayMs = 500,
): Promise<void> | undefined {
  if (scheduled.has(store)) return undefined;
  scheduled.add(store);
  // The pass's promise (for Workers' waitUntil: the window outlives the response); it never rejects.
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      scheduled.delete(store);
      processDirty(store, now())
        .then(
          () => undefined,
          (err: unknown) => {
            // Closed before the window ended (shutdown, a test): the marks stay queued in the file.
            if (!String(err).includes('database connection is not open')) onError(err);
          },
        )
        .then(resolve);
    }, delayMs);
    (timer as { unref?: () => void }).unref?.();
  });
}

/**
 * Brings every queued objective (of the org, or of all orgs) up to date, in passes of at most
 * PASS_MAX marks with a turn of the event loop between passes. Returns how many marks were consumed.
 */
export function processDirty(store: Store, now: Date, orgId?: string): Promise<number> {
  return serial(store, async () => {
    let total = 0;
    for (;;) {
      const n = await processQueued(store, now, orgId);
      total += n;
      if (n < PASS_MAX) return total;
      await nextTurn();
    }
  });
}

async function processQueued(store: Store, now: Date, orgId?: string): Promise<number> {
  // A cycle with very many queued objectives (an import): rebuilding it is cheaper than walking.
  const crowded = await rows<{ orgId: string; cycleId: string }>(
    store,
    sql`SELECT d.org_id AS orgId, o.cycle_id AS cycleId FROM rollup_dirty d JOIN objectives o ON o.id = d.objective_id
      ${orgId ? sql`WHERE d.org_id = ${orgId}` : sql``}
      GROUP BY d.org_id, o.cycle_id HAVING count(*) > ${REBUILD_ABOVE}`,
  );
  for (const c of crowded) {
    const t = await readTotals(store, c.orgId, c.cycleId);
    // Rebuilding clears the cycle's marks; a cycle never read yet is built on its first read.
    if (t) await rebuildCycle(store, c.orgId, c.cycleId, t.expected, now);
    else
      await store.atomic([
        rawStatement(
          store,
          sql`DELETE FROM rollup_dirty WHERE org_id = ${c.orgId} AND objective_id IN (SELECT id FROM objectives WHERE org_id = ${c.orgId} AND cycle_id = ${c.cycleId})`,
        ),
      ]);
  }
  // `live`: the mark can change a stored row or totals. An objective with no stored row, no stored
  // row below it (aligned to one of its KRs) and whose cycle has no stored totals (no dashboard read
  // it yet, or it is deleted) changes nothing stored: its cycle is built in full on its first read,
  // so its marks are only consumed.
  const queued = await rows<{ id: string; orgId: string; n: number; live: number }>(
    store,
    sql`SELECT d.objective_id AS id, d.org_id AS orgId, d.n AS n,
      (EXISTS (SELECT 1 FROM objective_rollups r WHERE r.objective_id = d.objective_id)
        OR EXISTS (SELECT 1 FROM objective_rollups r WHERE r.parent_objective_id = d.objective_id)
        OR EXISTS (SELECT 1 FROM objectives o JOIN rollup_totals t ON t.org_id = o.org_id AND t.cycle_id = o.cycle_id
          WHERE o.id = d.objective_id)) AS live
    FROM rollup_dirty d ${orgId ? sql`WHERE d.org_id = ${orgId}` : sql``} LIMIT ${PASS_MAX}`,
  );
  if (!queued.length) return 0;
  const dirtyIds = queued.filter((q) => q.live).map((q) => q.id);
  if (!dirtyIds.length) {
    await store.atomic(deleteQueuedStatements(store, queued));
    return queued.length;
  }
  const dirty = new Set(dirtyIds);
  // Reads, math and the write of one pass, with a turn of the event loop whenever a slice is spent.
  const slices = new Slices();

  // 1. The affected set: queued objectives, their old and new parents up the chain, and (when what
  //    children depend on changed) their children. Loaded wave by wave.
  const cur = new Map<string, ObjRow>();
  const old = new Map<string, StoredRow>();
  const krsOf = new Map<string, KrRow[]>();
  const owners = new Map<string, KrOwner>();
  const candidate = new Map<string, string>();
  const seen = new Set<string>();
  // The chains above the queued objectives (new parents through the KR each aligns to, old ones
  // through the stored rows) in one recursive read, so the walk below usually needs one wave.
  let wave = [
    ...new Set([
      ...dirtyIds,
      ...(
        await chunked(dirtyIds, (json) =>
          rows<{ id: string }>(
            store,
            sql`WITH RECURSIVE chain(id) AS (
              SELECT value FROM json_each(${json})
              UNION
              SELECT k.objective_id FROM chain JOIN objectives o ON o.id = chain.id JOIN key_results k ON k.id = o.parent_kr_id
              UNION
              SELECT r.parent_objective_id FROM chain JOIN objective_rollups r ON r.objective_id = chain.id
                WHERE r.rollup_kr_id IS NOT NULL
            ) SELECT id FROM chain`,
          ),
        )
      ).map((r) => r.id),
    ]),
  ];
  const structural: string[] = [];
  while (wave.length) {
    await slices.pause();
    for (const id of wave) seen.add(id);
    const [objs, stored, krRows] = await Promise.all([
      loadObjectivesWithOwners(store, wave),
      loadStored(store, wave),
      loadKrs(store, wave),
    ]);
    for (const o of objs) {
      cur.set(o.id, o);
      const owner = ownerOf(o);
      if (owner) owners.set(owner.id, owner);
    }
    for (const s of stored) old.set(s.objectiveId, s);
    for (const id of wave) krsOf.set(id, []);
    for (const k of krRows) krsOf.get(k.objectiveId)!.push(k);
    const next = new Set<string>();
    const push = (id: string | null | undefined) => {
      if (id && !seen.has(id)) next.add(id);
    };
    for (const id of wave) {
      const o = cur.get(id);
      const p = candidateParent(o, o?.parentKrId ? owners.get(o.parentKrId) : undefined);
      if (p) candidate.set(id, p);
      push(p);
      const s = old.get(id);
      if (s?.rollupKrId) push(s.parentObjectiveId);
      // No stored row (inactive, deleted or new): what children see of it is unknown, so re-evaluate them.
      if (dirty.has(id) && (!s || !o || signature(o, krsOf.get(id)!) !== s.sig)) structural.push(id);
    }
    // Children of objectives whose status, cycle or KRs changed: their edges may have changed.
    if (structural.length) {
      const ids = structural.splice(0);
      const krIds = ids.flatMap((id) => (krsOf.get(id) ?? []).map((k) => k.id));
      const children = [
        ...(await chunked(krIds, (json) =>
          rows<{ id: string }>(
            store,
            sql`SELECT id FROM objectives WHERE parent_kr_id IN (SELECT value FROM json_each(${json}))`,
          ),
        )),
        ...(await chunked(ids, (json) =>
          rows<{ id: string }>(
            store,
            sql`SELECT objective_id AS id FROM objective_rollups WHERE parent_objective_id IN (SELECT value FROM json_each(${json}))`,
          ),
        )),
      ];
      for (const c of children) push(c.id);
    }
    wave = [...next];
  }

  // Cycles whose totals are stored; the others are rebuilt on their next read.
  const totals = new Map<string, StoredTotals | undefined>();
  const key = (org: string, cycle: string) => `${org}\u0000${cycle}`;
  const totalsOf = async (org: string, cycle: string) => {
    const k = key(org, cycle);
    if (!totals.has(k)) totals.set(k, await readTotals(store, org, cycle));
    return totals.get(k);
  };

  // 2. Edges after cutting cycles, then values bottom-up over the affected set.
  const cut = cutEdges(candidate.keys(), (id) => candidate.get(id));
  const feedsInto = (id: string) => (cut.has(id) ? undefined : candidate.get(id));
  const affected = [...seen];
  const kids = new Map<string, string[]>();
  for (const id of affected) {
    const p = feedsInto(id);
    if (p && seen.has(p)) {
      const list = kids.get(p);
      if (list) list.push(id);
      else kids.set(p, [id]);
    }
  }
  const rollingKrIds = affected.flatMap((id) =>
    (krsOf.get(id) ?? []).filter((k) => k.status === 'active' && k.mode === 'children').map((k) => k.id),
  );
  const storedFeeders = await chunked(rollingKrIds, (json) =>
    rows<{ id: string; kr: string; progress: number; hasCheckIn: number }>(
      store,
      sql`SELECT objective_id AS id, rollup_kr_id AS kr, progress, has_check_in AS hasCheckIn FROM objective_rollups
      WHERE rollup_kr_id IN (SELECT value FROM json_each(${json}))`,
    ),
  );
  const fresh = new Map<string, StoredRow | null>(); // recomputed rows; null: no longer active
  const storedByKr = new Map<string, Feeder[]>();
  for (const f of storedFeeders) {
    if (seen.has(f.id)) continue; // recomputed below
    const list = storedByKr.get(f.kr);
    const feeder = { id: f.id, progress: f.progress, hasCheckIn: !!f.hasCheckIn };
    if (list) list.push(feeder);
    else storedByKr.set(f.kr, [feeder]);
  }
  const feedersOf = (kr: string): Feeder[] => {
    const out: Feeder[] = [...(storedByKr.get(kr) ?? [])];
    for (const [id, r] of fresh)
      if (r?.rollupKrId === kr) out.push({ id, progress: r.progress, hasCheckIn: !!r.hasCheckIn });
    return out;
  };
  const statements: Statement[] = [];
  const removed: string[] = [];
  for (const id of postOrder(affected, kids)) {
    const o = cur.get(id);
    const prev = old.get(id);
    if (prev) {
      const t = await totalsOf(prev.orgId, prev.cycleId);
      if (t) applyContribution(t.totals, contributionOf(prev), -1);
    }
    // Inactive, or in a cycle with no stored totals (built in full on its first read): no row.
    const t = o?.status === 'active' ? await totalsOf(o.orgId, o.cycleId) : undefined;
    if (!o || !t) {
      fresh.set(id, null);
      if (prev) removed.push(id);
      continue;
    }
    const expected = t.expected;
    const krs = krsOf.get(o.id) ?? [];
    const values = nodeValues(nodeKrs(o, krs), feedersOf, expected);
    const owner = o.parentKrId ? owners.get(o.parentKrId) : undefined;
    const c = contribution(values, { ownerType: o.ownerType, parentKrExists: !!owner, expected });
    const row = rowFor(o, owner, feedsInto(o.id) !== undefined, values, c, signature(o, krs));
    fresh.set(o.id, row);
    applyContribution(t.totals, c, 1);
  }
  await slices.pause();
  // Only rows that changed are written (a check-in that moves nothing above it writes one row).
  const upserts = [...fresh.values()].filter((r): r is StoredRow => r !== null && !sameRow(r, old.get(r.objectiveId)));
  const inPlace: StoredRow[] = [];
  const moved: StoredRow[] = [];
  for (const r of upserts) (samePlace(r, old.get(r.objectiveId)) ? inPlace : moved).push(r);
  statements.push(...upsertStatements(store, moved), ...valueUpdateStatements(store, inPlace));
  if (removed.length)
    statements.push(
      rawStatement(
        store,
        sql`DELETE FROM objective_rollups WHERE objective_id IN (SELECT value FROM json_each(${JSON.stringify(removed)}))`,
      ),
    );
  for (const [k, t] of totals) {
    if (!t) continue;
    const [org, cycle] = k.split('\u0000');
    statements.push(totalsStatement(store, org, cycle, t.expected, t.totals, now));
  }
  statements.push(...deleteQueuedStatements(store, queued));
  await store.atomic(statements);
  return queued.length;
}

/** The recomputed row equals the stored one in every column (SQLite gives back what was written). */
function sameRow(a: StoredRow, b: StoredRow | undefined): boolean {
  return !!b && ROW_KEYS.every((k) => a[k] === b[k]);
}

function deleteQueuedStatements(store: Store, queued: { id: string; n: number }[]): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < queued.length; i += CHUNK) {
    const json = JSON.stringify(queued.slice(i, i + CHUNK).map((q) => [q.id, q.n]));
    // Only the marks read here: a write queued meanwhile bumped `n` and stays queued.
    out.push(
      rawStatement(
        store,
        sql`DELETE FROM rollup_dirty WHERE (objective_id, n) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${json}))`,
      ),
    );
  }
  return out;
}

/**
 * Before a read: the cycle's stored roll-ups, current. Processes the queue, and rebuilds when the
 * cycle has none yet. Statuses depend on the day's pace: the rollups-pace job rebuilds each cycle
 * at the new pace shortly after local midnight, in slices; a read that needs statuses (`pace:
 * true`, GET /stats) and still finds the previous pace stored rebuilds then and waits for it (the
 * rebuild yields, so other requests go on). The tree computes statuses itself from the stored
 * values at the request's pace, so it never waits for the pace (`pace: false`).
 */
export async function ensureRollups(
  store: Store,
  orgId: string,
  cycleId: string,
  expected: number,
  now: Date,
  options: { pace?: boolean } = {},
): Promise<RollupTotals> {
  await processDirty(store, now, orgId);
  const t = await readTotals(store, orgId, cycleId);
  if (t && (t.expected === expected || options.pace === false)) return t.totals;
  return recomputeCycle(store, orgId, cycleId, expected, now);
}

/**
 * The rollups-pace job: every cycle of the org whose stored totals were computed at another pace
 * than today's is rebuilt (in slices). Returns the cycles rebuilt.
 */
export async function repaceOrg(
  store: Store,
  orgId: string,
  now: Date,
  timeZone: string | undefined,
): Promise<{ cycleId: string; from: number; to: number }[]> {
  const stored = await rows<{ id: string; startsOn: string; endsOn: string; expected: number }>(
    store,
    sql`SELECT c.id AS id, c.starts_on AS startsOn, c.ends_on AS endsOn, t.expected AS expected
    FROM rollup_totals t JOIN cycles c ON c.id = t.cycle_id AND c.org_id = t.org_id WHERE t.org_id = ${orgId} ORDER BY c.starts_on, c.id`,
  );
  const out: { cycleId: string; from: number; to: number }[] = [];
  for (const c of stored) {
    const to = expectedPace(c, now, timeZone);
    if (to === c.expected) continue;
    await recomputeCycle(store, orgId, c.id, to, now);
    out.push({ cycleId: c.id, from: c.expected, to });
  }
  return out;
}

/**
 * Every cycle of the org rebuilt from scratch (the on-demand recompute: `polaris rollups`,
 * POST /api/v1/rollups/recompute). `timeZone`: the org's, for each cycle's pace.
 */
export async function recomputeOrg(
  store: Store,
  orgId: string,
  now: Date,
  timeZone: string | undefined,
): Promise<{ cycleId: string; objectives: number; keyResults: number }[]> {
  const cycles = await rows<{ id: string; startsOn: string; endsOn: string }>(
    store,
    sql`SELECT id, starts_on AS startsOn, ends_on AS endsOn FROM cycles WHERE org_id = ${orgId} ORDER BY starts_on, id`,
  );
  await processDirty(store, now, orgId);
  const out: { cycleId: string; objectives: number; keyResults: number }[] = [];
  for (const c of cycles) {
    const t = await recomputeCycle(store, orgId, c.id, expectedPace(c, now, timeZone), now);
    out.push({ cycleId: c.id, objectives: t.objectives, keyResults: t.keyResults });
  }
  return out;
}

/**
 * Every node reachable from the roots through `kids`, each once, children before their parent:
 * the order in which a roll-up can settle a node from its already settled feeders. Iterative, so a
 * deep alignment chain cannot overflow the stack; the feeding graph has had its cycles cut.
 */
function* postOrder(roots: Iterable<string>, kids: ReadonlyMap<string, readonly string[]>): Generator<string> {
  const done = new Set<string>();
  for (const root of roots) {
    if (done.has(root)) continue;
    const stack: { id: string; pos: number }[] = [{ id: root, pos: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ks = kids.get(top.id) ?? [];
      if (top.pos < ks.length) {
        const k = ks[top.pos++];
        if (!done.has(k)) stack.push({ id: k, pos: 0 });
        continue;
      }
      stack.pop();
      if (done.has(top.id)) continue;
      done.add(top.id);
      yield top.id;
    }
  }
}
