// /api/v1/orgs: create, list, read and edit organisations and their settings,
// and bind the platform tenants (Lark tenant_key, WeCom corpid, DingTalk
// corpId) whose events belong to each org. Settings travel in snake_case and
// are stored as OrgSettings (camelCase); every change is audited in the same
// atomic batch as the change.
import { and, asc, count, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { PLATFORMS, type Platform } from '../../bots/types';
import { jobs, scheduleFor } from '../jobs';
import { validateCron } from '../../jobs/schedule';
import { isUniqueViolation, type Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { auditStatement } from '../../storage/repos/audit';
import { effectiveSettings, ORG_SETTING_BOUNDS } from '../../storage/repos/org-settings';
import {
  alertNotices,
  inbox,
  jobRuns,
  organizations,
  outbox,
  platformTenants,
  processedEvents,
  ruleFirings,
  type OrgSettings,
} from '../../storage/schema';
import type { AppEnv } from '../services';
import { readBody } from './body';
import { badRequest, conflict, notFound } from './errors';
import { findOrg, type Org } from './org';
import { afterCursor, readPage, toPage } from './pagination';
import { isValidTimezone } from '../../core/okr/pace';

export const orgsRoutes = new Hono<AppEnv>();

// ---- settings: API names ↔ stored names -------------------------------------

/** The scalar settings, API name → OrgSettings key; `schedules` is merged per job below. */
const SCALAR_SETTINGS = {
  approve_new_objectives: 'approveNewObjectives',
  adjustment_remind_days: 'adjustmentRemindDays',
  adjustment_expire_days: 'adjustmentExpireDays',
  reminder_cap_per_week: 'reminderCapPerWeek',
  timezone: 'timezone',
  alerts: 'alerts',
  default_platform: 'defaultPlatform',
  review_scale: 'reviewScale',
  review_self_days: 'reviewSelfDays',
  review_calibration_days: 'reviewCalibrationDays',
  review_auto_start_days: 'reviewAutoStartDays',
  observation_until: 'observationUntil',
} as const satisfies Record<string, keyof OrgSettings>;

type ScalarApiName = keyof typeof SCALAR_SETTINGS;

/** Jobs an org may reschedule; global jobs run once for every org, in TZ_DEFAULT. */
const perOrgJobs = () => jobs.filter((j) => !j.global);

const days = (bounds: { min: number; max: number }, unit: string) =>
  z
    .number()
    .int(`must be a whole number of ${unit}`)
    .min(bounds.min, `must be at least ${bounds.min}`)
    .max(bounds.max, `must be at most ${bounds.max}`);

const SchedulesSchema = z
  .record(z.string(), z.string().trim().min(1, 'must be a cron expression').max(100).nullable())
  .superRefine((schedules, ctx) => {
    const allowed = perOrgJobs().map((j) => j.name);
    for (const [name, cron] of Object.entries(schedules)) {
      const job = jobs.find((j) => j.name === name);
      if (!job) {
        ctx.addIssue({ code: 'custom', path: [name], message: `unknown job "${name}"; jobs: ${allowed.join(', ')}` });
      } else if (job.global) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${name} runs once for all organisations; its schedule cannot be set per org`,
        });
      } else if (cron !== null) {
        try {
          validateCron(cron);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `not a valid cron expression: ${(error as Error).message}`,
          });
        }
      }
    }
  });

/** Every field optional; `null` removes the org's value, so the default applies again. */
const SettingsSchema = z
  .object({
    approve_new_objectives: z.boolean().nullable().optional(),
    adjustment_remind_days: days(ORG_SETTING_BOUNDS.adjustmentRemindDays, 'days').nullable().optional(),
    adjustment_expire_days: days(ORG_SETTING_BOUNDS.adjustmentExpireDays, 'days').nullable().optional(),
    reminder_cap_per_week: days(ORG_SETTING_BOUNDS.reminderCapPerWeek, 'reminders').nullable().optional(),
    timezone: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine(isValidTimezone, 'not an IANA time zone such as Asia/Shanghai')
      .nullable()
      .optional(),
    schedules: SchedulesSchema.nullable().optional(),
    /** `observe` records alert firings and sends nothing; `send` sends what fires from then on (docs/rules.md). */
    alerts: z.enum(['observe', 'send']).nullable().optional(),
    default_platform: z
      .enum(PLATFORMS as unknown as [Platform, ...Platform[]])
      .nullable()
      .optional(),
    review_scale: z.enum(['0-1', '0-100']).nullable().optional(),
    review_self_days: days(ORG_SETTING_BOUNDS.reviewSelfDays, 'days').nullable().optional(),
    review_calibration_days: days(ORG_SETTING_BOUNDS.reviewCalibrationDays, 'days').nullable().optional(),
    review_auto_start_days: days(ORG_SETTING_BOUNDS.reviewAutoStartDays, 'days').nullable().optional(),
    observation_until: z.iso.date('a date as YYYY-MM-DD').nullable().optional(),
  })
  .strict();

type SettingsInput = z.infer<typeof SettingsSchema>;

/** The stored settings after applying `patch`: values replace, nulls remove, schedules merge per job. */
export function mergeSettings(current: OrgSettings, patch: SettingsInput): OrgSettings {
  const next: OrgSettings = { ...current };
  const target = next as Record<string, unknown>;
  for (const [apiName, key] of Object.entries(SCALAR_SETTINGS) as [ScalarApiName, keyof OrgSettings][]) {
    const value = patch[apiName];
    if (value === undefined) continue;
    if (value === null) delete target[key];
    else target[key] = value;
  }
  if (patch.schedules === null) delete next.schedules;
  else if (patch.schedules) {
    const schedules = { ...(current.schedules ?? {}) };
    for (const [name, cron] of Object.entries(patch.schedules)) {
      if (cron === null) delete schedules[name];
      else schedules[name] = cron;
    }
    if (Object.keys(schedules).length) next.schedules = schedules;
    else delete next.schedules;
  }
  return next;
}

/** Rules between fields, checked on the merged result (a default counts too). */
function checkCombination(settings: OrgSettings) {
  const effective = effectiveSettings(settings);
  if (effective.adjustmentExpireDays <= effective.adjustmentRemindDays) {
    const message = `must be greater than adjustment_remind_days (${effective.adjustmentRemindDays}); got ${effective.adjustmentExpireDays}`;
    throw badRequest('Request body is invalid.', [{ path: 'settings.adjustment_expire_days', message }]);
  }
}

function presentSettings(s: OrgSettings) {
  const out: Record<string, unknown> = {};
  for (const [apiName, key] of Object.entries(SCALAR_SETTINGS)) {
    if (s[key] !== undefined) out[apiName] = s[key];
  }
  if (s.schedules && Object.keys(s.schedules).length) out.schedules = { ...s.schedules };
  return out;
}

function presentEffective(org: Org, defaultTimezone: string) {
  const e = effectiveSettings(org.settings, defaultTimezone);
  return {
    approve_new_objectives: e.approveNewObjectives,
    adjustment_remind_days: e.adjustmentRemindDays,
    adjustment_expire_days: e.adjustmentExpireDays,
    reminder_cap_per_week: e.reminderCapPerWeek,
    timezone: e.timezone,
    alerts: e.alerts,
    default_platform: e.defaultPlatform,
    review_scale: e.reviewScale,
    review_self_days: e.reviewSelfDays,
    review_calibration_days: e.reviewCalibrationDays,
    review_auto_start_days: e.reviewAutoStartDays,
    observation_until: e.observationUntil,
    /** Every per-org job with the schedule it runs on: the override, else its own. */
    schedules: Object.fromEntries(perOrgJobs().map((j) => [j.name, scheduleFor(j, org)])),
  };
}

function presentOrg(org: Org, defaultTimezone: string) {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    settings: presentSettings(org.settings ?? {}),
    effective_settings: presentEffective(org, defaultTimezone),
    created_at: org.createdAt,
  };
}

// ---- organisations ------------------------------------------------------------

async function orgOr404(store: Store, idOrSlug: string): Promise<Org> {
  const org = await findOrg(store, idOrSlug);
  if (!org) throw notFound('Organisation', idOrSlug);
  return org;
}

// No underscore, so a slug can never look like an id (`org_…`): findOrg matches either.
const SlugSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase letters, digits and single hyphens, e.g. "north-campus"');
const NameSchema = z.string().trim().min(1).max(200);

const CreateOrg = z.object({ name: NameSchema, slug: SlugSchema, settings: SettingsSchema.optional() }).strict();
const PatchOrg = z.object({ name: NameSchema.optional(), settings: SettingsSchema.optional() }).strict();

orgsRoutes.get('/', async (c) => {
  const { store, config } = c.get('deps');
  const page = readPage(c);
  const rows = await store.db
    .select()
    .from(organizations)
    .where(afterCursor([organizations.id], page.after))
    .orderBy(asc(organizations.id))
    .limit(page.limit + 1);
  return c.json(
    toPage(
      rows,
      page.limit,
      (o) => [o.id],
      (o) => presentOrg(o, config.defaultTimezone),
    ),
  );
});

orgsRoutes.post('/', async (c) => {
  const { store, clock, config } = c.get('deps');
  const body = await readBody(c, CreateOrg);
  const settings = mergeSettings({}, body.settings ?? {});
  checkCombination(settings);
  const slugTaken = () =>
    conflict(`An organisation with slug "${body.slug}" already exists.`, [{ path: 'slug', message: 'already taken' }]);
  if (await findOrg(store, body.slug)) throw slugTaken();
  const now = clock.now();
  const org: Org = { id: newId('org'), name: body.name, slug: body.slug, settings, createdAt: now.toISOString() };
  try {
    await store.atomic([
      store.db.insert(organizations).values(org),
      auditStatement(store, {
        orgId: org.id,
        actorType: 'admin',
        action: 'org.create',
        entityType: 'organization',
        entityId: org.id,
        data: { name: org.name, slug: org.slug, settings },
        now,
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken();
    throw err;
  }
  return c.json(presentOrg(org, config.defaultTimezone), 201);
});

/** Rows in the tables that grow with use (jobs/retention.ts prunes them): the org's, and the installation's. */
async function tableSizes(store: Store, orgId: string) {
  const n = async (q: Promise<{ n: number }[]>) => (await q)[0]?.n ?? 0;
  const { db } = store;
  return {
    outbox: await n(db.select({ n: count() }).from(outbox).where(eq(outbox.orgId, orgId))),
    outbox_pending: await n(
      db
        .select({ n: count() })
        .from(outbox)
        .where(and(eq(outbox.orgId, orgId), eq(outbox.status, 'pending'))),
    ),
    rule_firings: await n(db.select({ n: count() }).from(ruleFirings).where(eq(ruleFirings.orgId, orgId))),
    alert_notices: await n(db.select({ n: count() }).from(alertNotices).where(eq(alertNotices.orgId, orgId))),
    job_runs: await n(db.select({ n: count() }).from(jobRuns).where(eq(jobRuns.orgId, orgId))),
    /** Installation-wide: events are deduplicated before their org is known. */
    installation: {
      processed_events: await n(db.select({ n: count() }).from(processedEvents)),
      inbox: await n(db.select({ n: count() }).from(inbox)),
      job_runs: await n(db.select({ n: count() }).from(jobRuns).where(eq(jobRuns.orgId, '*'))),
    },
  };
}

orgsRoutes.get('/:idOrSlug', async (c) => {
  const { store, config } = c.get('deps');
  const org = await orgOr404(store, c.req.param('idOrSlug'));
  return c.json({
    ...presentOrg(org, config.defaultTimezone),
    tenants: (await tenantsOf(store, org.id)).map(presentTenant),
    table_sizes: await tableSizes(store, org.id),
  });
});

orgsRoutes.patch('/:idOrSlug', async (c) => {
  const { store, clock, config } = c.get('deps');
  const org = await orgOr404(store, c.req.param('idOrSlug'));
  const body = await readBody(c, PatchOrg);
  const settings = body.settings ? mergeSettings(org.settings ?? {}, body.settings) : org.settings;
  checkCombination(settings);
  const changes: Record<string, unknown> = {};
  if (body.name !== undefined && body.name !== org.name) changes.name = { from: org.name, to: body.name };
  if (JSON.stringify(settings) !== JSON.stringify(org.settings))
    changes.settings = { from: org.settings, to: settings };
  if (!Object.keys(changes).length) return c.json(presentOrg(org, config.defaultTimezone));
  const now = clock.now();
  const updated: Org = { ...org, name: body.name ?? org.name, settings };
  await store.atomic([
    store.db
      .update(organizations)
      .set({ name: updated.name, settings: updated.settings })
      .where(eq(organizations.id, org.id)),
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'org.update',
      entityType: 'organization',
      entityId: org.id,
      data: changes,
      now,
    }),
  ]);
  return c.json(presentOrg(updated, config.defaultTimezone));
});

// ---- platform tenants ---------------------------------------------------------

type Tenant = typeof platformTenants.$inferSelect;

const presentTenant = (t: Tenant) => ({ platform: t.platform, tenant_key: t.tenantKey, org_id: t.orgId });

async function tenantsOf(store: Store, orgId: string): Promise<Tenant[]> {
  return store.db
    .select()
    .from(platformTenants)
    .where(eq(platformTenants.orgId, orgId))
    .orderBy(asc(platformTenants.platform), asc(platformTenants.tenantKey));
}

function platformParam(value: string): Platform {
  if ((PLATFORMS as readonly string[]).includes(value)) return value as Platform;
  throw badRequest(`Unknown platform "${value}".`, [
    { path: 'platform', message: `must be one of ${PLATFORMS.join(', ')}` },
  ]);
}

const BindTenant = z.object({ tenant_key: z.string().trim().min(1).max(200) }).strict();

orgsRoutes.get('/:idOrSlug/tenants', async (c) => {
  const { store } = c.get('deps');
  const org = await orgOr404(store, c.req.param('idOrSlug'));
  return c.json({ items: (await tenantsOf(store, org.id)).map(presentTenant), next_cursor: null });
});

/** Binds the org's tenant on one platform, replacing the key it had there. */
orgsRoutes.put('/:idOrSlug/tenants/:platform', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await orgOr404(store, c.req.param('idOrSlug'));
  const platform = platformParam(c.req.param('platform'));
  const { tenant_key: tenantKey } = await readBody(c, BindTenant);
  const [holder] = await store.db
    .select()
    .from(platformTenants)
    .where(and(eq(platformTenants.platform, platform), eq(platformTenants.tenantKey, tenantKey)));
  const takenBy = async (orgId: string) => {
    const other = await findOrg(store, orgId);
    const name = other ? `"${other.slug}" (${other.id})` : orgId;
    return conflict(
      `The ${platform} tenant key "${tenantKey}" is already bound to organisation ${name}; unbind it there first.`,
      [{ path: 'tenant_key', message: 'bound to another organisation', org_id: orgId, org_slug: other?.slug ?? null }],
    );
  };
  if (holder && holder.orgId !== org.id) throw await takenBy(holder.orgId);
  const current = (await tenantsOf(store, org.id)).filter((t) => t.platform === platform);
  const binding: Tenant = { platform, tenantKey, orgId: org.id };
  if (holder) return c.json(presentTenant(binding));
  const now = clock.now();
  const replaced = current.map((t) => t.tenantKey);
  try {
    await store.atomic([
      store.db
        .delete(platformTenants)
        .where(and(eq(platformTenants.orgId, org.id), eq(platformTenants.platform, platform))),
      store.db.insert(platformTenants).values(binding),
      auditStatement(store, {
        orgId: org.id,
        actorType: 'admin',
        action: 'org.tenant.bind',
        entityType: 'organization',
        entityId: org.id,
        data: { platform, tenant_key: tenantKey, replaced },
        now,
      }),
    ]);
  } catch (err) {
    // Another org took the key between our read and this write.
    if (isUniqueViolation(err)) {
      const [winner] = await store.db
        .select()
        .from(platformTenants)
        .where(and(eq(platformTenants.platform, platform), eq(platformTenants.tenantKey, tenantKey)));
      throw await takenBy(winner?.orgId ?? 'another organisation');
    }
    throw err;
  }
  return c.json(presentTenant(binding));
});

orgsRoutes.delete('/:idOrSlug/tenants/:platform', async (c) => {
  const { store, clock } = c.get('deps');
  const org = await orgOr404(store, c.req.param('idOrSlug'));
  const platform = platformParam(c.req.param('platform'));
  const bound = (await tenantsOf(store, org.id)).filter((t) => t.platform === platform);
  if (!bound.length) throw notFound(`A ${platform} tenant of organisation`, org.slug);
  const now = clock.now();
  await store.atomic([
    store.db
      .delete(platformTenants)
      .where(and(eq(platformTenants.orgId, org.id), eq(platformTenants.platform, platform))),
    auditStatement(store, {
      orgId: org.id,
      actorType: 'admin',
      action: 'org.tenant.unbind',
      entityType: 'organization',
      entityId: org.id,
      data: { platform, tenant_keys: bound.map((t) => t.tenantKey) },
      now,
    }),
  ]);
  return c.json({ unbound: bound.map(presentTenant) });
});
