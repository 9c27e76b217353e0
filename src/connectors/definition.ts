// A connector's settings as the API takes them (docs/connectors.md): the kind's source, the
// field mapping of tabular kinds, and the schedule. Checked with zod here; checks that need
// the network (a sample fetch: do the mapped fields exist?) are in ./check.ts.
import { z } from 'zod';
import { validateCron } from '../../jobs/schedule';
import { METRIC_PATTERN } from '../metrics/points';

export const CONNECTOR_KINDS = ['attendance', 'bitable', 'http'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const ATTENDANCE_PLATFORMS = ['lark', 'wecom', 'dingtalk'] as const;
export type AttendancePlatform = (typeof ATTENDANCE_PLATFORMS)[number];

/** The metrics an attendance connector writes, per person and local day. */
export const ATTENDANCE_METRICS = ['attendance_days', 'late_count', 'work_hours'] as const;

const field = z.string().trim().min(1).max(200);

export const MappingSchema = z
  .object({
    /** The metric name for every row… */
    metric: z.string().trim().regex(METRIC_PATTERN, 'at most 100 characters, no spaces').optional(),
    /** …or the field holding each row's metric name. */
    metric_field: field.optional(),
    subject_field: field,
    at_field: field,
    value_field: field,
  })
  .strict()
  .refine((m) => !!m.metric !== !!m.metric_field, {
    message: 'give either metric (one metric for every row) or metric_field (the field naming each row’s metric)',
    path: ['metric'],
  });
export type Mapping = z.infer<typeof MappingSchema>;

const schedule = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .superRefine((s, ctx) => {
    try {
      validateCron(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a cron expression: ${(err as Error).message}` });
    }
  });

export const HttpSourceSchema = z
  .object({
    url: z.string().trim().min(1).max(2000),
    format: z.enum(['json', 'csv']),
    /** JSON only: the dot path of the array of rows (`data.items`); the body itself when absent. */
    items_path: z
      .string()
      .trim()
      .regex(/^[\w$-]+(\.[\w$-]+)*$/, 'a dot path such as data.items')
      .max(200)
      .optional(),
    /** The header the secret goes in (default Authorization). */
    auth_header: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9-]{1,100}$/, 'a header name such as Authorization or X-Api-Key')
      .optional(),
  })
  .strict();

export const BitableSourceSchema = z
  .object({
    app_token: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'the base’s app_token from its URL (…/base/<app_token>)'),
    table_id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'the table id from the URL (?table=<table_id>)'),
    view_id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,100}$/)
      .optional(),
  })
  .strict();

export const AttendanceSourceSchema = z
  .object({
    platform: z.enum(ATTENDANCE_PLATFORMS),
    /** Days back from today each run reads (late corrections land in earlier days). */
    days: z.number().int().min(1).max(7).default(3),
  })
  .strict();

const base = {
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(true),
  schedule: schedule.optional(),
};

export const CreateConnectorSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...base,
      kind: z.literal('http'),
      source: HttpSourceSchema,
      mapping: MappingSchema,
      /** The auth header's value (e.g. `Bearer …`); write-only. */
      auth_value: z.string().min(1).max(4000).optional(),
    })
    .strict(),
  z.object({ ...base, kind: z.literal('bitable'), source: BitableSourceSchema, mapping: MappingSchema }).strict(),
  z.object({ ...base, kind: z.literal('attendance'), source: AttendanceSourceSchema }).strict(),
]);
export type CreateConnector = z.infer<typeof CreateConnectorSchema>;

export const PatchConnectorSchema = z
  .object({
    name: base.name.optional(),
    enabled: z.boolean().optional(),
    schedule: schedule.optional(),
    source: z.record(z.string(), z.unknown()).optional(),
    mapping: z.record(z.string(), z.unknown()).optional(),
    /** A new secret; null removes it. */
    auth_value: z.string().min(1).max(4000).nullable().optional(),
  })
  .strict();

/** Default schedules: tables and exports hourly at :05, attendance daily at 06:30 (yesterday is complete). */
export function defaultSchedule(kind: ConnectorKind): string {
  return kind === 'attendance' ? '30 6 * * *' : '5 * * * *';
}

/** The source schema of a kind, for PATCH (which merges the new source over the stored one). */
export function sourceSchemaOf(kind: ConnectorKind) {
  return kind === 'http' ? HttpSourceSchema : kind === 'bitable' ? BitableSourceSchema : AttendanceSourceSchema;
}
