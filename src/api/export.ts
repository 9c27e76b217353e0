// Export of a cycle's objectives and KRs (progress, status, owner, alignment) as CSV (UTF-8 with
// BOM, so Excel and WPS read Chinese correctly) or xlsx: `GET /api/v1/cycles/:id/export` and the
// dashboard's download links. One row per KR, the objective's columns repeated; an objective
// without KRs is one row. Progress and status are the tree's (storage/repos/tree.ts), so the file
// agrees with the dashboard and `GET /api/v1/tree`. Headers and labels in the reader's language.
import { inArray } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { t, toLocale, type Locale } from '../../core/i18n';
import type { Store } from '../../storage/db';
import { resolveCycle, type Cycle } from '../../storage/repos/cycles';
import { loadTree } from '../../storage/repos/tree';
import { keyResults, objectives } from '../../storage/schema';
import type { AppEnv } from '../services';
import { orgToday } from './cycles';
import { type CsvValue, toCsv } from './csv';
import { ApiError, badRequest, notFound } from './errors';
import { type Org, resolveOrg } from './org';
import { toXlsx } from './xlsx';

/** Objectives per export: a file a spreadsheet opens comfortably; bigger orgs filter first. */
export const MAX_EXPORT_OBJECTIVES = 20_000;
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const HEADER_KEYS = [
  'export.col.objectiveId',
  'export.col.objective',
  'export.col.ownerType',
  'export.col.owner',
  'export.col.objectiveProgress',
  'export.col.objectiveStatus',
  'export.col.alignedObjective',
  'export.col.alignedKr',
  'export.col.krId',
  'export.col.kr',
  'export.col.start',
  'export.col.target',
  'export.col.current',
  'export.col.unit',
  'export.col.weight',
  'export.col.krProgress',
  'export.col.krStatus',
  'export.col.confidence',
] as const;

const percent = (p: number) => Math.round(p * 1000) / 10;

export interface OkrExport {
  header: string[];
  rows: CsvValue[][];
}

export async function okrExport(
  store: Store,
  input: { org: Org; cycle: Cycle; now: Date; timeZone: string; locale: Locale },
): Promise<OkrExport> {
  const { org, cycle, locale: L } = input;
  const tree = await loadTree(store, {
    orgId: org.id,
    cycle,
    now: input.now,
    timeZone: input.timeZone,
    maxNodes: MAX_EXPORT_OBJECTIVES,
  });
  if (tree.truncated || tree.total > MAX_EXPORT_OBJECTIVES)
    throw new ApiError(
      422,
      'export_too_large',
      `This cycle has ${tree.total} objectives; an export holds at most ${MAX_EXPORT_OBJECTIVES}.`,
    );
  const objectiveTitle = new Map(tree.nodes.map((n) => [n.id, n.title]));
  const krTitle = new Map(tree.nodes.flatMap((n) => n.keyResults.map((k) => [k.id, k.title] as const)));
  // Parents outside the cycle (aligned to last quarter's KR): their titles in two small reads.
  const missingKrs = [
    ...new Set(tree.nodes.map((n) => n.parentKrId).filter((id): id is string => !!id && !krTitle.has(id))),
  ];
  const parentObjectiveOfKr = new Map<string, string>();
  for (let i = 0; i < missingKrs.length; i += 90) {
    const rows = await store.db
      .select({ id: keyResults.id, title: keyResults.title, objectiveId: keyResults.objectiveId })
      .from(keyResults)
      .where(inArray(keyResults.id, missingKrs.slice(i, i + 90)));
    for (const r of rows) {
      krTitle.set(r.id, r.title);
      parentObjectiveOfKr.set(r.id, r.objectiveId);
    }
  }
  const missingObjectives = [...new Set(parentObjectiveOfKr.values())].filter((id) => !objectiveTitle.has(id));
  for (let i = 0; i < missingObjectives.length; i += 90) {
    const rows = await store.db
      .select({ id: objectives.id, title: objectives.title })
      .from(objectives)
      .where(inArray(objectives.id, missingObjectives.slice(i, i + 90)));
    for (const r of rows) objectiveTitle.set(r.id, r.title);
  }

  const ownerType = (type: string) =>
    t(L, type === 'company' ? 'export.owner.company' : type === 'team' ? 'export.owner.team' : 'export.owner.person');
  const status = (s: string) => t(L, `status.${s}` as Parameters<typeof t>[1]);
  const rows: CsvValue[][] = [];
  for (const n of tree.nodes) {
    const parentObjective = n.parentObjectiveId ?? (n.parentKrId ? parentObjectiveOfKr.get(n.parentKrId) : undefined);
    const objectiveCols: CsvValue[] = [
      n.id,
      n.title,
      ownerType(n.ownerType),
      n.ownerName ?? (n.ownerType === 'company' ? org.name : ''),
      percent(n.progress),
      status(n.status),
      parentObjective ? (objectiveTitle.get(parentObjective) ?? '') : '',
      n.parentKrId ? (krTitle.get(n.parentKrId) ?? '') : '',
    ];
    if (!n.keyResults.length) {
      rows.push([...objectiveCols, '', '', null, null, null, '', null, null, '', null]);
      continue;
    }
    for (const k of n.keyResults)
      rows.push([
        ...objectiveCols,
        k.id,
        k.title,
        k.startValue,
        k.targetValue,
        k.currentValue,
        k.unit ?? '',
        k.weight,
        percent(k.progress),
        status(k.status),
        k.confidence,
      ]);
  }
  return { header: HEADER_KEYS.map((key) => t(L, key)), rows };
}

/** The HTTP answer for an export: the file with a download name (RFC 6266 / 5987 for Chinese names). */
export function exportResponse(c: Context, format: ExportFormat, cycle: Cycle, data: OkrExport, locale: Locale) {
  const base = `okrs-${cycle.name}`.replace(/[\\/:*?"<>|\r\n]+/g, '-').slice(0, 100);
  const ascii = `okrs-${cycle.id}.${format}`;
  const disposition = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(`${base}.${format}`)}`;
  if (format === 'csv') {
    // The BOM makes Excel and WPS read the file as UTF-8 instead of the system's code page.
    const body = `\uFEFF${toCsv(data.header, data.rows)}`;
    return c.body(body, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition });
  }
  const bytes = toXlsx(t(locale, 'export.sheet'), data.header, data.rows);
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'content-disposition': disposition,
  });
}

export function parseExportFormat(raw: string | undefined): ExportFormat {
  const format = (raw ?? 'csv').toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw badRequest('format must be csv or xlsx.');
  return format as ExportFormat;
}

/** GET /api/v1/cycles/:id/export?format=csv|xlsx&lang=zh-CN|en — `:id` a cycle id, name or `current`. */
export const exportRoutes = new Hono<AppEnv>();
exportRoutes.get('/:id/export', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const format = parseExportFormat(c.req.query('format'));
  const lang = c.req.query('lang');
  if (lang !== undefined && !['zh-CN', 'en'].includes(lang)) throw badRequest('lang must be zh-CN or en.');
  const locale = toLocale(lang);
  const ref = c.req.param('id');
  const now = clock.now();
  const cycle = await resolveCycle(
    store,
    org.id,
    ref === 'current' ? undefined : ref,
    orgToday(org, now, config.defaultTimezone),
  );
  if (!cycle) throw notFound('Cycle', ref);
  const timeZone = org.settings?.timezone ?? config.defaultTimezone;
  const data = await okrExport(store, { org, cycle, now, timeZone, locale });
  return exportResponse(c, format, cycle, data, locale);
});
