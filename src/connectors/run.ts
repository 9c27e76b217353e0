// One connector run: read the source, turn rows (or attendance days) into metric points, check
// them exactly as POST /api/v1/metrics does, store the new and changed ones through the same
// upsert (so a re-run stores nothing twice), bring metric-bound KRs up to date, and record the
// report (read, stored, unchanged, rejected with reasons) on the connector in the same batch.
// A source that fails (unreachable, refused, garbage, timeout after retries) stores nothing and
// is retried with backoff before its next slot (docs/connectors.md).
import { and, eq, gte, lte } from 'drizzle-orm';
import type { Clock } from '../../core/clock';
import { SourceError, type SourceFetchOptions, type SourceRows } from '../../core/connectors';
import { asCodedError, ErrorCode, PolarisError } from '../../core/errors';
import { log } from '../../core/log';
import { localDate } from '../../core/okr/pace';
import type { Platform } from '../../core/types';
import { addDays } from '../../core/time';
import type { Store } from '../../storage/db';
import { connectors, identities, metricPoints, people } from '../../storage/schema';
import type { Config } from '../config';
import { latestSlot, nextSlot } from '../../jobs/schedule';
import { syncMetricKrs } from '../metrics/kr-sync';
import { validatePoints, type MetricPoint, type RawPoint } from '../metrics/points';
import { pointStatements } from '../metrics/store';
import { ORG_SUBJECT, unknownSubjects } from '../metrics/subjects';
import { fetchAttendance, fetchBitable } from '../platforms-connectors';
import { ATTENDANCE_METRICS, type AttendancePlatform, type ConnectorKind, type Mapping } from './definition';
import { fetchHttpRows, type HttpSource } from './http-source';
import { mapRows, missingFields } from './mapping';
import { checkSourceUrl } from './url';

export type ConnectorRow = typeof connectors.$inferSelect;

export interface ConnectorServices {
  store: Store;
  config: Config;
  clock: Clock;
  /** Source I/O overrides (tests inject fetch and a sleep that does not wait). */
  source?: SourceFetchOptions;
}

export interface RejectedRow {
  /** 0-based row of the source (attendance: the person's platform id instead). */
  row?: number;
  field?: string;
  reason: string;
}

export interface RunReport {
  status: 'ok' | 'partial' | 'failed';
  read: number;
  stored: number;
  unchanged: number;
  rejected: number;
  /** The first reasons (at most MAX_REASONS). */
  reasons: RejectedRow[];
  metrics: string[];
  /** Attendance: bound people the platform returned nothing for (not in an attendance group, or outside the app's range), by external id. */
  skipped: string[];
  requests: number;
  error?: string;
  /** What kind of failure `error` is, for a reader's own language (the dashboard). */
  error_kind?: ErrorKind;
  started_at: string;
  finished_at: string;
}

export const MAX_REASONS = 50;

export const ERROR_KINDS = [
  'permission',
  'not_configured',
  'url',
  'mapping',
  'timeout',
  'unreachable',
  'unavailable',
  'garbage',
  'redirect',
  'refused',
  'other',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A failure's kind, from its class and the readers' wording (bots/common/source-fetch.ts and the readers). */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof MappingError) return 'mapping';
  if (asCodedError(err).code === ErrorCode.ConnectorUrl) return 'url';
  if (!(err instanceof SourceError)) return 'other';
  if (err.permission) return 'permission';
  const m = err.message;
  if (/is not configured on this server/.test(m)) return 'not_configured';
  if (/no answer within/.test(m)) return 'timeout';
  if (/cannot connect|broke off/.test(m)) return 'unreachable';
  if (/redirect/.test(m)) return 'redirect';
  if (/HTTP 5\d\d|HTTP 429|rate limited/.test(m)) return 'unavailable';
  if (
    /not JSON|did not answer JSON|did not answer CSV|malformed|no header row|not JSON objects|no array|not an array|empty body|larger than/.test(
      m,
    )
  )
    return 'garbage';
  return 'refused';
}

export class MappingError extends PolarisError {
  override readonly name = 'MappingError';
  constructor(
    message: string,
    readonly missing: { key: string; field: string }[],
    readonly fields: string[],
  ) {
    super(ErrorCode.ConnectorMapping, message);
  }
}

/** What a connector is, independent of its stored row (a draft being saved, or a stored one). */
export interface ConnectorSpec {
  kind: ConnectorKind;
  source: Record<string, unknown>;
  mapping: Mapping | null;
  secret: string | null;
}

export function specOf(row: ConnectorRow): ConnectorSpec {
  return {
    kind: row.kind,
    source: row.source,
    mapping: (row.mapping as Mapping | null) ?? null,
    secret: row.secret,
  };
}

/** Rows of a tabular source (http, bitable); `limit` reads only the first rows (a sample). */
export async function readRows(
  services: ConnectorServices,
  spec: ConnectorSpec,
  options: { limit?: number } = {},
): Promise<SourceRows> {
  if (spec.kind === 'http') {
    const source = spec.source as unknown as HttpSource;
    const url = checkSourceUrl(source.url, { allowPrivate: services.config.connectorsPrivateNetworks !== false });
    return fetchHttpRows({ ...source, url }, spec.secret, services.source);
  }
  if (spec.kind === 'bitable')
    return fetchBitable(services.config, spec.source as { app_token: string; table_id: string; view_id?: string }, {
      ...services.source,
      limit: options.limit,
    });
  throw new Error(`${spec.kind} has no rows`);
}

/** Refuses a mapping that names a field the rows do not have (MappingError lists them). */
export function checkMapping(mapping: Mapping, fields: string[]): void {
  const missing = missingFields(mapping, fields);
  if (missing.length)
    throw new MappingError(
      `The source has no field ${missing.map((m) => `"${m.field}" (${m.key})`).join(', ')}. Its fields: ${fields.slice(0, 50).join(', ') || '(none)'}.`,
      missing,
      fields,
    );
}

/** Platform user id → the person's external id, for the org's active people bound on `platform`. */
async function boundPeople(store: Store, orgId: string, platform: Platform): Promise<Map<string, string>> {
  const rows = await store.db
    .select({ platformUserId: identities.platformUserId, externalId: people.externalId })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.orgId, orgId), eq(identities.platform, platform), eq(people.status, 'active')));
  return new Map(rows.map((r) => [r.platformUserId, r.externalId]));
}

interface Collected {
  raws: RawPoint[];
  /** The source row of each raw point (reported with rejections). */
  rowOf: number[];
  read: number;
  requests: number;
  /** External ids of bound people the platform returned no attendance for. */
  skipped: string[];
  /** Subjects given as a platform id, translated to external ids. */
  platform?: Platform;
}

async function collect(
  services: ConnectorServices,
  orgId: string,
  spec: ConnectorSpec,
  timeZone: string,
  now: Date,
): Promise<Collected> {
  if (spec.kind === 'attendance') {
    const source = spec.source as { platform: AttendancePlatform; days?: number };
    const bound = await boundPeople(services.store, orgId, source.platform);
    const today = localDate(now, timeZone);
    // The window ends yesterday: today's punches are not complete yet.
    const to = addDays(today, -1);
    const from = addDays(today, -(source.days ?? 3));
    if (!bound.size) return { raws: [], rowOf: [], read: 0, requests: 0, skipped: [], platform: source.platform };
    const fetched = await fetchAttendance(
      services.config,
      source.platform,
      { userIds: [...bound.keys()], from, to, timeZone },
      services.source,
    );
    const raws: RawPoint[] = [];
    const rowOf: number[] = [];
    fetched.days.forEach((d, i) => {
      const subject = d.userId;
      raws.push({ metric: ATTENDANCE_METRICS[0], subject, at: d.date, value: d.present ? 1 : 0 });
      raws.push({ metric: ATTENDANCE_METRICS[1], subject, at: d.date, value: d.late });
      rowOf.push(i, i);
      if (d.workHours !== null) {
        raws.push({ metric: ATTENDANCE_METRICS[2], subject, at: d.date, value: d.workHours });
        rowOf.push(i);
      }
    });
    return {
      raws,
      rowOf,
      read: fetched.days.length,
      requests: fetched.requests,
      skipped: [...new Set(fetched.skippedUsers.map((u) => bound.get(u) ?? u))].sort(),
      platform: source.platform,
    };
  }
  const rows = await readRows(services, spec);
  if (spec.mapping && rows.rows.length) checkMapping(spec.mapping, rows.fields);
  const raws = mapRows(rows.rows, spec.mapping!);
  return {
    raws,
    rowOf: raws.map((_, i) => i),
    read: rows.rows.length,
    requests: rows.requests,
    skipped: [],
    platform: spec.kind === 'bitable' ? 'lark' : undefined,
  };
}

/** Reads the source and checks every point; stores nothing. */
export async function preparePoints(
  services: ConnectorServices,
  org: { id: string },
  spec: ConnectorSpec,
  timeZone: string,
  now: Date,
): Promise<{ points: MetricPoint[]; read: number; requests: number; rejected: RejectedRow[]; skipped: string[] }> {
  const collected = await collect(services, org.id, spec, timeZone, now);
  const rejected: RejectedRow[] = [];
  const checked = validatePoints(collected.raws, now, timeZone);
  const seenRows = new Set<string>();
  for (const e of checked.errors) {
    const row = collected.rowOf[e.index];
    const key = `${row}\u0000${e.field}`;
    if (seenRows.has(key)) continue;
    seenRows.add(key);
    rejected.push({ row, field: e.field === '(point)' ? undefined : e.field, reason: e.message });
  }
  // Subjects: an external id, a team, "org"; or a platform user id (attendance, a Bitable person field).
  const platformIds = collected.platform ? await boundPeople(services.store, org.id, collected.platform) : new Map();
  const translated = checked.points.map((p) =>
    p.subject !== ORG_SUBJECT && platformIds.has(p.subject) ? { ...p, subject: platformIds.get(p.subject)! } : p,
  );
  const unknown = await unknownSubjects(services.store, org.id, new Set(translated.map((p) => p.subject)));
  const points: MetricPoint[] = [];
  translated.forEach((p, i) => {
    if (unknown.has(p.subject))
      rejected.push({
        row: collected.rowOf[checked.indexes[i]],
        field: 'subject',
        reason: `"${p.subject}" is not a person's external_id, a team id or name, "org", or a bound platform user`,
      });
    else points.push(p);
  });
  // Two rows that name one person's point after translation must agree.
  const byKey = new Map<string, MetricPoint>();
  const unique: MetricPoint[] = [];
  for (const p of points) {
    const key = `${p.metric}\u0000${p.subject}\u0000${p.at}`;
    const earlier = byKey.get(key);
    if (!earlier) {
      byKey.set(key, p);
      unique.push(p);
    } else if (earlier.value !== p.value)
      rejected.push({
        field: 'value',
        reason: `two rows give ${p.metric} of ${p.subject} at ${p.at} different values`,
      });
  }
  return { points: unique, read: collected.read, requests: collected.requests, rejected, skipped: collected.skipped };
}

/** The points whose stored value differs (or that are not stored yet). */
async function changedPoints(store: Store, orgId: string, points: MetricPoint[]): Promise<MetricPoint[]> {
  if (!points.length) return [];
  const existing = new Map<string, number>();
  const metrics = [...new Set(points.map((p) => p.metric))];
  const ats = points.map((p) => p.at).sort();
  for (const metric of metrics) {
    const rows = await store.db
      .select({ subject: metricPoints.subject, at: metricPoints.at, value: metricPoints.value })
      .from(metricPoints)
      .where(
        and(
          eq(metricPoints.orgId, orgId),
          eq(metricPoints.metric, metric),
          gte(metricPoints.at, ats[0]),
          lte(metricPoints.at, ats[ats.length - 1]),
        ),
      );
    for (const r of rows) existing.set(`${metric}\u0000${r.subject}\u0000${r.at}`, r.value);
  }
  return points.filter((p) => existing.get(`${p.metric}\u0000${p.subject}\u0000${p.at}`) !== p.value);
}

/** Retry delay after `failures` failed runs in a row: 5 min, 10, 20 … at most 6 h. */
export function retryDelayMs(failures: number): number {
  return Math.min(6 * 3_600_000, 5 * 60_000 * 2 ** Math.max(0, failures - 1));
}

/** The connector's next run: its next slot, or an earlier retry. */
export function nextRunAt(row: ConnectorRow, timeZone: string, now: Date): string | null {
  if (!row.enabled) return null;
  const slot = nextSlot(row.schedule, timeZone, now);
  const retry = row.retryAt ? new Date(row.retryAt) : undefined;
  const candidates = [slot, retry].filter((d): d is Date => !!d);
  if (!candidates.length) return null;
  const first = candidates.reduce((a, b) => (a.getTime() <= b.getTime() ? a : b));
  return (first.getTime() < now.getTime() ? now : first).toISOString();
}

/** Due now: a slot passed that no run served yet, or a retry whose time has come. */
export function isDue(row: ConnectorRow, timeZone: string, now: Date): { due: boolean; slot?: Date } {
  if (!row.enabled) return { due: false };
  const slot = latestSlot(row.schedule, timeZone, now);
  if (slot && (!row.lastSlotAt || slot.getTime() > new Date(row.lastSlotAt).getTime())) return { due: true, slot };
  if (row.retryAt && new Date(row.retryAt).getTime() <= now.getTime()) return { due: true };
  return { due: false };
}

/** Runs one connector now and records the report on it. Never throws for a source's failure. */
export async function runConnector(
  services: ConnectorServices,
  org: { id: string },
  row: ConnectorRow,
  timeZone: string,
  options: { slot?: Date } = {},
): Promise<RunReport> {
  const { store, clock } = services;
  const started = clock.now();
  const base = { read: 0, stored: 0, unchanged: 0, rejected: 0, reasons: [], metrics: [], skipped: [], requests: 0 };
  let report: RunReport;
  let statements: ReturnType<typeof pointStatements> = [];
  let stored: MetricPoint[] = [];
  try {
    const prepared = await preparePoints(services, org, specOf(row), timeZone, started);
    stored = await changedPoints(store, org.id, prepared.points);
    statements = pointStatements(store, org.id, stored, started);
    report = {
      status: prepared.rejected.length ? 'partial' : 'ok',
      read: prepared.read,
      stored: stored.length,
      unchanged: prepared.points.length - stored.length,
      rejected: prepared.rejected.length,
      reasons: prepared.rejected.slice(0, MAX_REASONS),
      metrics: [...new Set(prepared.points.map((p) => p.metric))].sort(),
      skipped: prepared.skipped.slice(0, MAX_REASONS),
      requests: prepared.requests,
      started_at: started.toISOString(),
      finished_at: clock.now().toISOString(),
    };
  } catch (err) {
    if (
      !(err instanceof SourceError || err instanceof MappingError || asCodedError(err).code === ErrorCode.ConnectorUrl)
    )
      log.error('connector run failed unexpectedly', { connector: row.id, org: org.id, err });
    report = {
      ...base,
      status: 'failed',
      error: err instanceof Error ? err.message : String(err),
      error_kind: errorKind(err),
      started_at: started.toISOString(),
      finished_at: clock.now().toISOString(),
    };
  }
  const failures = report.status === 'failed' ? row.failures + 1 : 0;
  const retryAt =
    report.status === 'failed' ? new Date(started.getTime() + retryDelayMs(failures)).toISOString() : null;
  const update = store.db
    .update(connectors)
    .set({
      lastRunAt: started.toISOString(),
      lastStatus: report.status,
      lastError: report.error ?? null,
      lastResult: report as unknown as Record<string, unknown>,
      failures,
      retryAt,
      ...(options.slot ? { lastSlotAt: options.slot.toISOString() } : {}),
      updatedAt: started.toISOString(),
    })
    .where(eq(connectors.id, row.id));
  await store.atomic([...statements, update]);
  if (stored.length)
    await syncMetricKrs(store, { orgId: org.id, timeZone, now: started, metrics: report.metrics }).catch((err) =>
      log.error('connector KR sync failed', { connector: row.id, err }),
    );
  log.info(`connector ${row.name} ran: ${report.status}`, {
    connector: row.id,
    org: org.id,
    read: report.read,
    stored: report.stored,
    unchanged: report.unchanged,
    rejected: report.rejected,
    error: report.error,
  });
  return report;
}

/** Connectors of an org (for the job): enabled ones, oldest first. */
export async function enabledConnectors(store: Store, orgId: string): Promise<ConnectorRow[]> {
  return store.db
    .select()
    .from(connectors)
    .where(and(eq(connectors.orgId, orgId), eq(connectors.enabled, true)))
    .orderBy(connectors.id);
}
