// The performance sheet HR pays bonuses from (docs/review.md#the-performance-sheet): one row
// per reviewed person, as CSV (UTF-8 with a BOM, so Excel opens Chinese correctly) and as
// xlsx (write-excel-file: small, one dependency, and a build that runs on Node and Workers
// alike). Every text cell goes through neutraliseCell (src/api/csv.ts) against formula injection.
import type { Cell, Row } from 'write-excel-file/universal';
import { toScale } from '../../core/okr/review';
import type { ReviewScale } from '../../core/types';
import type { Store } from '../../storage/db';
import { effectiveSettings } from '../../storage/repos/org-settings';
import type { Cycle, Organization } from '../../storage/repos/types';
import { people, teams } from '../../storage/schema';
import { eq } from 'drizzle-orm';
import { neutraliseCell, toCsv, type CsvValue } from '../api/csv';
import { countsForAppraisal, flagsOf, loadCycleReviews, reviewFinal } from './service';

export const SHEET_COLUMNS = [
  'external_id',
  'name',
  'team',
  'manager_external_id',
  'objectives',
  'computed_score',
  'self_score',
  'final_score',
  'calibrated_by',
  'appeal',
  'counts_for_appraisal',
  'flags',
  'retrospective',
] as const;

export type SheetRow = [
  string,
  string,
  string,
  string,
  string,
  number,
  number | null,
  number,
  string,
  string,
  boolean,
  string,
  string,
];

/** Scores on the org's scale as numbers: 0.7 on 0.0–1.0, 70 on 0–100. */
const onScale = (score: number, scale: ReviewScale) => Number(toScale(score, scale));

export async function performanceRows(store: Store, org: Organization, cycle: Cycle): Promise<SheetRow[]> {
  const scale = effectiveSettings(org.settings).reviewScale;
  const all = await loadCycleReviews(store, org.id, cycle.id);
  const everyone = await store.db
    .select({ id: people.id, externalId: people.externalId, name: people.name })
    .from(people)
    .where(eq(people.orgId, org.id));
  const person = new Map(everyone.map((p) => [p.id, p]));
  const teamRows = await store.db.select({ id: teams.id, name: teams.name }).from(teams).where(eq(teams.orgId, org.id));
  const teamName = new Map(teamRows.map((t) => [t.id, t.name]));
  const flags = await flagsOf(
    store,
    org.id,
    all.map((r) => r.review.personId),
  );
  const counts = countsForAppraisal(org, cycle);
  const rows = all.map(({ review: r, objectives: objs }): SheetRow => {
    const p = person.get(r.personId);
    const final = r.finalScore ?? reviewFinal(r, objs);
    return [
      p?.externalId ?? '',
      p?.name ?? '',
      r.teamId ? (teamName.get(r.teamId) ?? '') : '',
      r.managerId ? (person.get(r.managerId)?.externalId ?? '') : '',
      objs
        .map(
          (o) =>
            `O${o.number} ${o.title} (${toScale(o.computedScore, scale)}→${toScale(o.selfScore ?? o.computedScore, scale)})`,
        )
        .join('; '),
      onScale(r.computedScore, scale),
      r.selfScore == null ? null : onScale(r.selfScore, scale),
      onScale(final, scale),
      r.calibratedBy ? (person.get(r.calibratedBy)?.externalId ?? '') : '',
      r.appealStatus ?? '',
      counts,
      (flags.get(r.personId) ?? []).join('; '),
      r.retrospective ?? '',
    ];
  });
  return rows.sort((a, b) => a[0].localeCompare(b[0]));
}

/** UTF-8 with a byte-order mark: Excel reads a BOM-less CSV as the local ANSI code page. */
export function performanceCsv(rows: SheetRow[]): string {
  return `\uFEFF${toCsv(SHEET_COLUMNS, rows as CsvValue[][])}`;
}

export async function performanceXlsx(rows: SheetRow[], sheetName: string): Promise<Uint8Array> {
  const cell = (v: string | number | boolean | null): Cell => {
    if (v === null) return null;
    if (typeof v === 'number') return { type: Number, value: v };
    if (typeof v === 'boolean') return { type: Boolean, value: v };
    // Text is always a string cell, never a formula; neutralised as in the CSV.
    return { type: String, value: neutraliseCell(v) };
  };
  const data: Row[] = [
    SHEET_COLUMNS.map((c) => ({ type: String, value: c, fontWeight: 'bold' as const })),
    ...rows.map((r) => r.map(cell)),
  ];
  // Loaded on the first download, not at start: the writer is a few MB of an idle server's memory.
  const { default: writeXlsxFile } = await import('write-excel-file/universal');
  const blob = await writeXlsxFile(data, {
    // Excel refuses sheet names over 31 characters or with []:*?/\.
    sheet: sheetName.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'performance',
    stickyRowsCount: 1,
  }).toBlob();
  return new Uint8Array(await blob.arrayBuffer());
}
