// The KR progress and status formulas of core/okr (progress.ts, status.ts) as SQL
// expressions, so that SQLite/D1 can aggregate 500k KRs without handing them to
// JS one by one. Written with Drizzle's `sql` so the same text runs on both drivers;
// only core SQLite functions (CASE, min/max with 2 args, CAST) are used.
// progress-sql.test.ts checks that these agree with krProgress/trackStatus.
import { sql, type SQL } from 'drizzle-orm';
import { STATUS_THRESHOLDS } from '../../core/okr/status';

/** A table alias or name, inlined: only ever a constant from this codebase. `null`: the bare column. */
function col(alias: string | null, column: string): SQL {
  if (alias === null) return sql.raw(column);
  if (!/^[a-z_][a-z0-9_]*$/i.test(alias)) throw new Error(`bad SQL alias ${alias}`);
  return sql.raw(`${alias}.${column}`);
}

/**
 * Clamped KR progress (0..1) of the key_results row `alias`, as krProgress().progress.
 * With `alias` null it names bare columns: the definition of the generated column
 * `key_results.progress` (storage/schema.ts), which queries read instead of this expression.
 */
export function krProgressSql(alias: string | null = 'key_results'): SQL {
  const kind = col(alias, 'kind');
  const start = col(alias, 'start_value');
  const target = col(alias, 'target_value');
  const current = col(alias, 'current_value');
  const direction = col(alias, 'direction');
  // `* 1.0` forces real division even if a driver stored integers.
  return sql`(CASE ${kind}
    WHEN 'boolean' THEN (CASE WHEN ${current} >= 1 THEN 1.0 ELSE 0.0 END)
    WHEN 'milestone' THEN (CASE WHEN ${target} > 0 THEN min(1.0, CAST(max(${current}, 0) AS INTEGER) * 1.0 / ${target}) ELSE 0.0 END)
    ELSE (CASE
      WHEN ${target} = ${start} THEN (CASE WHEN (${direction} = 'down' AND ${current} <= ${target}) OR (${direction} <> 'down' AND ${current} >= ${target}) THEN 1.0 ELSE 0.0 END)
      ELSE max(0.0, min(1.0, (${current} - ${start}) * 1.0 / (${target} - ${start})))
    END)
  END)`;
}

/**
 * trackStatus() as SQL. `progress` and `confidence` are SQL expressions (confidence may be NULL),
 * `hasCheckIn` a SQL boolean, `expected` the cycle's pace computed in JS (bound as a parameter).
 */
export function trackStatusSql(progress: SQL, expected: number, confidence: SQL, hasCheckIn: SQL): SQL {
  const t = STATUS_THRESHOLDS;
  const gap = sql`(${expected} - ${progress})`;
  const conf = sql`coalesce(${confidence}, 1e9)`;
  return sql`(CASE
    WHEN ${progress} >= 1 THEN 'done'
    WHEN NOT (${hasCheckIn}) AND ${progress} <= 0 AND ${gap} <= ${t.atRiskGap} THEN 'not_started'
    WHEN ${gap} > ${t.offTrackGap} OR ${conf} <= ${t.offTrackConfidence} THEN 'off_track'
    WHEN ${gap} > ${t.atRiskGap} OR ${conf} <= ${t.atRiskConfidence} THEN 'at_risk'
    ELSE 'on_track'
  END)`;
}
