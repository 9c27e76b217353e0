// /api/v1/metrics: points from business systems (bearer INGEST_TOKEN, or
// ADMIN_TOKEN), and the list of known metrics.
//
// POST takes up to 10,000 points as JSON (`[...]` or `{"points":[...]}`) or CSV
// (`metric,subject,at,value`). Every point is validated first. By default a
// batch is all or nothing: one bad point → 400 `invalid_points` with
// `details: [{index, field, message}]` for every bad point, and nothing stored.
// With `?partial=true` the good points are stored and the bad ones come back in
// `rejected`. Upsert on (metric, subject, at): resending a batch is harmless.
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../services';
import { keyResults, metricPoints } from '../../storage/schema';
import { BatchError, MAX_POINTS, parseBatch, validatePoints, type PointError } from '../metrics/points';
import { storePoints } from '../metrics/store';
import { unknownSubjects } from '../metrics/subjects';
import { syncMetricKrs } from '../metrics/kr-sync';
import { orgTimeZoneOf } from '../rules/context';
import { recordWrongToken, refuseIfThrottled, timingSafeEqualStrings } from './auth';
import { mediaType, readText } from './body';
import { ApiError, badRequest } from './errors';
import { resolveOrg } from './org';

export const metricsRoutes = new Hono<AppEnv>();

/** 10,000 points of CSV or JSON fit comfortably in 4 MB. */
const MAX_BYTES = 4 * 1024 * 1024;

metricsRoutes.post('/', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await resolveOrg(c, store);
  const type = mediaType(c);
  const format =
    type === 'text/csv' || type === 'application/csv' ? 'csv' : type === 'application/json' ? 'json' : undefined;
  if (!format)
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send points as application/json or text/csv (got ${type ? `"${type}"` : 'no Content-Type'}).`,
    );
  const partial = c.req.query('partial') === 'true';
  let raws: ReturnType<typeof parseBatch>;
  try {
    raws = parseBatch(format, await readText(c, MAX_BYTES));
  } catch (err) {
    if (err instanceof BatchError) throw badRequest(err.message);
    throw err;
  }
  if (raws.length > MAX_POINTS)
    throw new ApiError(
      413,
      'too_many_points',
      `At most ${MAX_POINTS} points per request (got ${raws.length}); split the batch.`,
    );
  const now = clock.now();
  const checked = validatePoints(raws, now, orgTimeZoneOf(org, config));
  const errors: PointError[] = [...checked.errors];
  const unknown = await unknownSubjects(store, org.id, new Set(checked.points.map((p) => p.subject)));
  let points = checked.points;
  if (unknown.size) {
    points = [];
    checked.points.forEach((p, i) => {
      if (unknown.has(p.subject))
        errors.push({
          index: checked.indexes[i],
          field: 'subject',
          message: `"${p.subject}" is not a person's external_id, a team id or name, or "org"`,
        });
      else points.push(p);
    });
  }
  errors.sort((a, b) => a.index - b.index);
  if (errors.length && !partial) {
    throw new ApiError(
      400,
      'invalid_points',
      `${new Set(errors.map((e) => e.index)).size} of ${raws.length} points are invalid; nothing was stored. Fix them, or send ?partial=true to store the valid ones.`,
      errors,
    );
  }
  await storePoints(store, org.id, points, now);
  const metrics = [...new Set(points.map((p) => p.metric))];
  const sync = await syncMetricKrs(store, {
    orgId: org.id,
    timeZone: orgTimeZoneOf(org, c.get('deps').config),
    now,
    metrics,
  });
  return c.json({
    received: raws.length,
    stored: points.length,
    rejected: errors,
    metrics,
    key_results_updated: sync.updated.map((u) => ({ id: u.krId, previous_value: u.previous, value: u.value })),
  });
});

/** Known metrics: those with points, and those KRs are bound to. */
metricsRoutes.get('/', async (c) => {
  const { store } = c.get('deps');
  const org = await resolveOrg(c, store);
  const withPoints = await store.db
    .select({
      metric: metricPoints.metric,
      points: sql<number>`count(*)`,
      subjects: sql<number>`count(distinct ${metricPoints.subject})`,
      first: sql<string>`min(${metricPoints.at})`,
      last: sql<string>`max(${metricPoints.at})`,
    })
    .from(metricPoints)
    .where(eq(metricPoints.orgId, org.id))
    .groupBy(metricPoints.metric);
  const bound = await store.db
    .selectDistinct({ metric: keyResults.metricKey })
    .from(keyResults)
    .where(and(eq(keyResults.orgId, org.id), isNotNull(keyResults.metricKey)));
  const byName = new Map(
    withPoints.map((m) => [
      m.metric,
      {
        metric: m.metric,
        points: m.points,
        subjects: m.subjects,
        first_at: m.first,
        last_at: m.last,
        bound_key_results: false,
      },
    ]),
  );
  for (const b of bound) {
    const existing = byName.get(b.metric!);
    if (existing) existing.bound_key_results = true;
    else
      byName.set(b.metric!, {
        metric: b.metric!,
        points: 0,
        subjects: 0,
        first_at: null as unknown as string,
        last_at: null as unknown as string,
        bound_key_results: true,
      });
  }
  return c.json({ items: [...byName.values()].sort((a, b) => a.metric.localeCompare(b.metric)) });
});

/**
 * POST /api/v1/metrics accepts INGEST_TOKEN or ADMIN_TOKEN (an integration
 * gets the narrow one; an admin can still push a correction). Everything else
 * under /api/v1 requires ADMIN_TOKEN.
 */
export const isIngestRequest = (method: string, path: string) =>
  method === 'POST' && /\/api\/v1\/metrics\/?$/.test(path);

export const requireIngestOrAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const { config } = c.get('deps');
  const accepted = [config.ingestToken, config.adminToken].filter((t): t is string => !!t);
  if (!accepted.length)
    throw new ApiError(
      401,
      'unauthorized',
      'Metrics ingestion is disabled: set INGEST_TOKEN (or ADMIN_TOKEN) on the server, then send "Authorization: Bearer <token>".',
    );
  refuseIfThrottled(c);
  const m = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization')?.trim() ?? '');
  const given = m?.[1]?.trim();
  if (!given)
    throw new ApiError(
      401,
      'unauthorized',
      'Missing "Authorization: Bearer <token>" header (the server\'s INGEST_TOKEN or ADMIN_TOKEN).',
    );
  // Compare with every accepted token (no early exit), each in constant time.
  let ok = false;
  for (const token of accepted) ok = timingSafeEqualStrings(given, token) || ok;
  if (!ok) {
    recordWrongToken(c);
    throw new ApiError(
      401,
      'unauthorized',
      "Invalid token in the Authorization header (expected the server's INGEST_TOKEN or ADMIN_TOKEN).",
    );
  }
  await next();
});
