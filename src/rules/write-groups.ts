// How an evaluation pass writes. A group is one firing's (or resolution's)
// complete, idempotent effect. Its new rule_firings and person_flags rows are
// plain data, merged with the other groups of the same atomic batch into
// multi-row INSERT … ON CONFLICT DO NOTHING statements: 66,000 firings become a
// few hundred statements instead of 130,000 (building and preparing one Drizzle
// statement per row dominated the first pass). Its other statements (outbox
// rows, updates) run as they are. Groups are never split across batches.
import type { Statement, Store } from '../../storage/db';
import { personFlags, ruleFirings } from '../../storage/schema';
import { monotonicMs, nextBatchSize, nextTurn, SLICE_BUDGET_MS, type SliceOptions } from '../../core/loop';

export type FiringRow = typeof ruleFirings.$inferInsert;
export type FlagRow = typeof personFlags.$inferInsert;

export interface WriteGroup {
  firing?: FiringRow;
  flags?: FlagRow[];
  statements: Statement[];
}

/** Statements plus rows per atomic batch, at most. */
const BATCH_UNITS = 1000;
/** The first batch of a pass; later ones are sized to the slice budget. */
const FIRST_BATCH_UNITS = 50;
/** D1 binds at most 100 parameters per statement; SQLite takes far more. */
const D1_MAX_PARAMS = 100;
const SQLITE_ROWS_PER_INSERT = 500;
// Every column is given on every row (multi-row VALUES needs the same shape).
const FIRING_COLUMNS = 13;
const FLAG_COLUMNS = 6;

function rowsPerInsert(store: Store, columns: number): number {
  return store.kind === 'd1' ? Math.floor(D1_MAX_PARAMS / columns) : SQLITE_ROWS_PER_INSERT;
}

function fullFiring(r: FiringRow): FiringRow {
  return {
    id: r.id,
    orgId: r.orgId,
    ruleId: r.ruleId,
    subject: r.subject,
    period: r.period,
    state: r.state,
    data: r.data ?? null,
    firedAt: r.firedAt,
    resolvedAt: r.resolvedAt ?? null,
    acknowledgedBy: r.acknowledgedBy ?? null,
    acknowledgedAt: r.acknowledgedAt ?? null,
    escalatedAt: r.escalatedAt ?? null,
    notice: r.notice ?? null,
  };
}

function fullFlag(r: FlagRow): FlagRow {
  return {
    personId: r.personId,
    flag: r.flag,
    orgId: r.orgId,
    ruleId: r.ruleId ?? null,
    observeOnly: r.observeOnly ?? false,
    setAt: r.setAt,
  };
}

/** The statements of one batch: bulk inserts first (new rows only), then each group's own statements. */
export function batchStatements(store: Store, groups: WriteGroup[]): Statement[] {
  const firings = groups.flatMap((g) => (g.firing ? [fullFiring(g.firing)] : []));
  const flags = groups.flatMap((g) => (g.flags ?? []).map(fullFlag));
  const out: Statement[] = [];
  const firingRows = rowsPerInsert(store, FIRING_COLUMNS);
  for (let i = 0; i < firings.length; i += firingRows)
    out.push(
      store.db
        .insert(ruleFirings)
        .values(firings.slice(i, i + firingRows))
        .onConflictDoNothing(),
    );
  const flagRows = rowsPerInsert(store, FLAG_COLUMNS);
  for (let i = 0; i < flags.length; i += flagRows)
    out.push(
      store.db
        .insert(personFlags)
        .values(flags.slice(i, i + flagRows))
        .onConflictDoNothing(),
    );
  for (const g of groups) out.push(...g.statements);
  return out;
}

const unitsOf = (g: WriteGroup) => g.statements.length + (g.firing ? 1 : 0) + (g.flags?.length ?? 0);

/**
 * Commits the groups in batches. `perBatch` statements end every batch (outbound webhook events
 * of the firings inserted so far: storage/webhook-events.ts#ruleFiredStatement), so an event is
 * stored in the batch of its firing and a crash between batches loses none.
 *
 * Time-boxed (core/loop.ts): a batch holds SQLite's write lock while it commits, and the event
 * loop (or, from the CLI, the server's acknowledgements, which wait for that lock) waits for it.
 * So the first batch is small, each next one is sized from how long the last took so that it fits
 * the slice budget (at most BATCH_UNITS), and the loop gets a turn after every batch.
 */
export async function commitGroups(
  store: Store,
  groups: WriteGroup[],
  perBatch?: () => Statement[],
  slices: SliceOptions = {},
): Promise<void> {
  const now = slices.now ?? monotonicMs;
  const budgetMs = slices.budgetMs ?? SLICE_BUDGET_MS;
  let limit = FIRST_BATCH_UNITS;
  let batch: WriteGroup[] = [];
  let units = 0;
  const commit = async () => {
    const started = now();
    await store.atomic([...batchStatements(store, batch), ...(perBatch?.() ?? [])]);
    limit = nextBatchSize(units, now() - started, budgetMs, BATCH_UNITS);
    batch = [];
    units = 0;
    await nextTurn();
  };
  for (const group of groups) {
    const n = unitsOf(group);
    if (batch.length && units + n > limit) await commit();
    batch.push(group);
    units += n;
  }
  if (batch.length) await commit();
}
