// How an evaluation pass writes. A group is one firing's (or resolution's)
// complete, idempotent effect. Its new rule_firings and person_flags rows are
// plain data, merged with the other groups of the same atomic batch into
// multi-row INSERT … ON CONFLICT DO NOTHING statements: 66,000 firings become a
// few hundred statements instead of 130,000 (building and preparing one Drizzle
// statement per row dominated the first pass). Its other statements (outbox
// rows, updates) run as they are. Groups are never split across batches.
import type { Statement, Store } from '../../storage/db';
import { personFlags, ruleFirings } from '../../storage/schema';

export type FiringRow = typeof ruleFirings.$inferInsert;
export type FlagRow = typeof personFlags.$inferInsert;

export interface WriteGroup {
  firing?: FiringRow;
  flags?: FlagRow[];
  statements: Statement[];
}

/** Statements plus rows per atomic batch. */
const BATCH_UNITS = 1000;
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
 */
export async function commitGroups(store: Store, groups: WriteGroup[], perBatch?: () => Statement[]): Promise<void> {
  let batch: WriteGroup[] = [];
  let units = 0;
  const commit = () => store.atomic([...batchStatements(store, batch), ...(perBatch?.() ?? [])]);
  for (const group of groups) {
    const n = unitsOf(group);
    if (batch.length && units + n > BATCH_UNITS) {
      await commit();
      batch = [];
      units = 0;
    }
    batch.push(group);
    units += n;
  }
  if (batch.length) await commit();
}
