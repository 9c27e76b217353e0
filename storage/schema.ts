// The whole Polaris data model. Every table but `processed_events` and
// `claims` carries `org_id`: Polaris is multi-tenant and a row never crosses orgs.
// IDs are app-generated text (see ./ids.ts) so that a batch of inserts can
// reference each other without a round-trip for autoincrement values, which is
// what makes `atomic()` work the same on better-sqlite3 and on D1.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { krProgressSql } from './repos/progress-sql';

import type {
  KrDirection,
  KrKind,
  Locale,
  MetricAggregation,
  OrgSettings,
  Platform,
  ProgressMode,
} from '../core/types';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
const createdAt = () => text('created_at').notNull().default(now);
const updatedAt = () => text('updated_at').notNull().default(now);

export type { Locale, OrgSettings, Platform } from '../core/types';

export const organizations = sqliteTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  settings: text('settings', { mode: 'json' }).$type<OrgSettings>().notNull().default(sql`'{}'`),
  createdAt: createdAt(),
});

/** Which platform tenant (Lark tenant_key, WeCom corpid, DingTalk corpId) belongs to which org. */
export const platformTenants = sqliteTable(
  'platform_tenants',
  {
    platform: text('platform').$type<Platform>().notNull(),
    tenantKey: text('tenant_key').notNull(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
  },
  (t) => [primaryKey({ columns: [t.platform, t.tenantKey] })],
);

export const teams = sqliteTable(
  'teams',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    parentId: text('parent_id'),
    managerId: text('manager_id'),
    timezone: text('timezone'),
    larkChatId: text('lark_chat_id'),
    wecomChatId: text('wecom_chat_id'),
    dingtalkConversationId: text('dingtalk_conversation_id'),
    /**
     * The directory department this team mirrors, as `<platform>:<department id>`
     * (see src/directory/sync.ts); null for teams created by hand or by CSV.
     */
    externalKey: text('external_key'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('teams_org_name').on(t.orgId, t.name),
    uniqueIndex('teams_org_external_key').on(t.orgId, t.externalKey),
    index('teams_parent').on(t.parentId),
    // The teams a person leads, asked on every chat event (storage/repos/okrs.ts teamsLedBy): by
    // org alone it walked every team of the org, 40 µs a lookup on 510 teams; 6 µs with this.
    index('teams_org_manager').on(t.orgId, t.managerId),
  ],
);

export const people = sqliteTable(
  'people',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    mobile: text('mobile'),
    title: text('title'),
    /** Leavers become inactive, never deleted: their history stays, nothing is sent to them. */
    status: text('status').$type<'active' | 'inactive'>().notNull().default('active'),
    teamId: text('team_id'),
    managerId: text('manager_id'),
    coachId: text('coach_id'),
    role: text('role').$type<'member' | 'admin'>().notNull().default('member'),
    /** Marked by an admin as a leader: sees the whole org on the dashboard (src/web/viewer.ts), without admin rights. */
    leader: integer('leader', { mode: 'boolean' }).notNull().default(false),
    locale: text('locale').$type<Locale>().notNull().default('zh-CN'),
    timezone: text('timezone'),
    /** On leave: no reminders until this ISO date. */
    pausedUntil: text('paused_until'),
    /**
     * Fields an admin set by hand through the API: the directory sync leaves
     * them alone (and reports where it disagrees) until the admin clears them.
     */
    managerSetByHand: integer('manager_set_by_hand', { mode: 'boolean' }).notNull().default(false),
    teamSetByHand: integer('team_set_by_hand', { mode: 'boolean' }).notNull().default(false),
    /** The platform this person last wrote from: where alerts, reminders and digests go (jobs/recipients.ts). */
    lastPlatform: text('last_platform').$type<Platform>(),
    /**
     * When this person last checked in on any KR (the newest check_ins.created_at they authored);
     * kept by triggers on check_ins (migration 0019) so GET /stats counts who checked in this
     * week from one index range instead of probing check_ins once per person.
     */
    lastCheckInAt: text('last_check_in_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('people_org_external').on(t.orgId, t.externalId),
    uniqueIndex('people_org_email').on(t.orgId, t.email),
    index('people_manager').on(t.managerId),
    index('people_team').on(t.teamId),
    index('people_org_status_checkin').on(t.orgId, t.status, t.lastCheckInAt),
  ],
);

export const identities = sqliteTable(
  'identities',
  {
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    personId: text('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    platform: text('platform').$type<Platform>().notNull(),
    platformUserId: text('platform_user_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.platform, t.platformUserId] }),
    uniqueIndex('identities_person_platform').on(t.personId, t.platform),
    index('identities_platform_user').on(t.platform, t.platformUserId),
  ],
);

export const cycles = sqliteTable(
  'cycles',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    /** Inclusive ISO dates (YYYY-MM-DD). */
    startsOn: text('starts_on').notNull(),
    endsOn: text('ends_on').notNull(),
    status: text('status').$type<CycleStatus>().notNull().default('active'),
    scoredAt: text('scored_at'),
    createdAt: createdAt(),
    /** The performance review (src/review): when it started, its due dates (org-local ISO dates), when it closed. */
    reviewStartedAt: text('review_started_at'),
    selfDue: text('self_due'),
    calibrationDue: text('calibration_due'),
    closedAt: text('closed_at'),
  },
  (t) => [uniqueIndex('cycles_org_name').on(t.orgId, t.name)],
);

export type CycleStatus = 'planning' | 'active' | 'reviewing' | 'closed';

export type OwnerType = 'company' | 'team' | 'person';
export type ObjectiveStatus = 'draft' | 'pending_approval' | 'active' | 'archived';

export const objectives = sqliteTable(
  'objectives',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    cycleId: text('cycle_id')
      .notNull()
      .references(() => cycles.id),
    title: text('title').notNull(),
    description: text('description'),
    ownerType: text('owner_type').$type<OwnerType>().notNull(),
    ownerPersonId: text('owner_person_id'),
    ownerTeamId: text('owner_team_id'),
    /** Alignment: the key result this objective contributes to. */
    parentKrId: text('parent_kr_id'),
    status: text('status').$type<ObjectiveStatus>().notNull().default('active'),
    position: integer('position').notNull().default(0),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('objectives_cycle').on(t.cycleId, t.status),
    index('objectives_owner_person').on(t.ownerPersonId),
    index('objectives_owner_team').on(t.ownerTeamId),
    index('objectives_parent_kr').on(t.parentKrId),
  ],
);

export type { KrDirection, KrKind, MetricAggregation, ProgressMode } from '../core/types';

export const keyResults = sqliteTable(
  'key_results',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    objectiveId: text('objective_id')
      .notNull()
      .references(() => objectives.id, { onDelete: 'cascade' }),
    /** Denormalised from the objective so that cycle-wide aggregates need no join. */
    cycleId: text('cycle_id').notNull(),
    title: text('title').notNull(),
    kind: text('kind').$type<KrKind>().notNull().default('number'),
    startValue: real('start_value').notNull().default(0),
    targetValue: real('target_value').notNull(),
    currentValue: real('current_value').notNull().default(0),
    unit: text('unit'),
    direction: text('direction').$type<KrDirection>().notNull().default('up'),
    weight: real('weight').notNull().default(1),
    progressMode: text('progress_mode').$type<ProgressMode>().notNull().default('manual'),
    metricKey: text('metric_key'),
    metricAggregation: text('metric_aggregation').$type<MetricAggregation>(),
    /** Latest confidence (0–10) and check-in time, kept here so status needs no check-in scan. */
    confidence: integer('confidence'),
    lastCheckInAt: text('last_check_in_at'),
    position: integer('position').notNull().default(0),
    status: text('status').$type<'active' | 'dropped'>().notNull().default('active'),
    /** Carried into this cycle from an unfinished KR of the previous one (docs/review.md#carrying-unfinished-krs). */
    carriedFromId: text('carried_from_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /**
     * Clamped progress (0..1), computed by SQLite from the row (storage/repos/progress-sql.ts).
     * Virtual: never written, stored only in key_results_rollup, so the roll-up reads it there.
     */
    progress: real('progress').generatedAlwaysAs(krProgressSql(null), { mode: 'virtual' }),
  },
  (t) => [
    index('key_results_objective').on(t.objectiveId),
    index('key_results_carried_from').on(t.carriedFromId),
    index('key_results_cycle').on(t.cycleId),
    // Cycle-wide roll-ups (storage/repos/tree.ts) read a cycle's KRs grouped by objective from
    // this index alone: it holds every column they use, progress included, so no row is read
    // and the progress formula is not evaluated at query time.
    index('key_results_rollup').on(
      t.cycleId,
      t.objectiveId,
      t.status,
      t.orgId,
      t.progressMode,
      t.weight,
      t.progress,
      t.confidence,
      t.lastCheckInAt,
    ),
  ],
);

// Stored roll-ups (docs/okr-math.md "Stored roll-ups"): what GET /tree and GET /stats read instead
// of recomputing the org. Maintained by storage/repos/rollup-store.ts; triggers (migration
// 0016_rollup_dirty_triggers) only queue the objective ids whose roll-up a write may have changed.

/** Objectives whose roll-up a write may have changed; `n` counts marks, so a mark made while one is processed survives. */
export const rollupDirty = sqliteTable('rollup_dirty', {
  objectiveId: text('objective_id').primaryKey(),
  orgId: text('org_id').notNull(),
  n: integer('n').notNull().default(1),
});

/** One row per active objective: its rolled-up values and what it adds to its cycle's totals. */
export const objectiveRollups = sqliteTable(
  'objective_rollups',
  {
    objectiveId: text('objective_id').primaryKey(),
    orgId: text('org_id').notNull(),
    cycleId: text('cycle_id').notNull(),
    ownerType: text('owner_type').notNull(),
    /** Display order among siblings: company 0, team 1, person 2; then the objective's position. */
    ownerRank: integer('owner_rank').notNull().default(2),
    position: integer('position').notNull().default(0),
    parentKrId: text('parent_kr_id'),
    /** The objective owning parent_kr_id (any state), null when none or the KR is gone. */
    parentObjectiveId: text('parent_objective_id'),
    /** The 'children' KR this objective's progress feeds (null: none, or the edge closes a cycle). */
    rollupKrId: text('rollup_kr_id'),
    progress: real('progress').notNull(),
    minConfidence: real('min_confidence'),
    hasCheckIn: integer('has_check_in').notNull(),
    /** JSON: 'children' KR id → [progress, has check-in 0/1, aligned count]. */
    rolled: text('rolled').notNull().default('{}'),
    /** What children depend on: cycle, KR ids with mode and status. A change re-evaluates them. */
    sig: text('sig').notNull(),
    /** Contribution to rollup_totals (statuses at rollup_totals.expected). */
    eligible: integer('eligible').notNull(),
    aligned: integer('aligned').notNull(),
    status: text('status').notNull(),
    score10: integer('score10').notNull(),
    krCounts: text('kr_counts').notNull(),
  },
  (t) => [
    index('objective_rollups_feed').on(t.rollupKrId, t.objectiveId, t.progress, t.hasCheckIn),
    index('objective_rollups_parent').on(t.parentObjectiveId),
    // The tree's children of a level, in display order, from this index alone.
    index('objective_rollups_children').on(
      t.orgId,
      t.cycleId,
      t.parentObjectiveId,
      t.ownerRank,
      t.position,
      t.objectiveId,
      t.parentKrId,
    ),
  ],
);

/** A cycle's totals, as GET /stats shows them, at the pace `expected`. */
export const rollupTotals = sqliteTable(
  'rollup_totals',
  {
    orgId: text('org_id').notNull(),
    cycleId: text('cycle_id').notNull(),
    expected: real('expected').notNull(),
    /** JSON of RollupTotals (core/okr/stored.ts). */
    totals: text('totals').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.cycleId] })],
);

export type CheckInSource = 'chat' | 'card' | 'api' | 'metric';

export const checkIns = sqliteTable(
  'check_ins',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    keyResultId: text('key_result_id')
      .notNull()
      .references(() => keyResults.id, { onDelete: 'cascade' }),
    authorId: text('author_id'),
    value: real('value').notNull(),
    previousValue: real('previous_value'),
    confidence: integer('confidence'),
    note: text('note'),
    source: text('source').$type<CheckInSource>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('check_ins_kr_time').on(t.keyResultId, t.createdAt),
    index('check_ins_author_time').on(t.authorId, t.createdAt),
    index('check_ins_org_time').on(t.orgId, t.createdAt),
  ],
);

export type AdjustmentKind = 'target' | 'start' | 'title' | 'weight' | 'drop' | 'add' | 'new_objective';
export type AdjustmentStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'expired';

export const adjustments = sqliteTable(
  'adjustments',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    cycleId: text('cycle_id'),
    objectiveId: text('objective_id'),
    keyResultId: text('key_result_id'),
    requesterId: text('requester_id').notNull(),
    approverId: text('approver_id'),
    kind: text('kind').$type<AdjustmentKind>().notNull(),
    /** Values before the change, as the requester saw them. */
    current: text('current', { mode: 'json' }).$type<Record<string, unknown>>(),
    proposed: text('proposed', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    reason: text('reason'),
    status: text('status').$type<AdjustmentStatus>().notNull().default('pending'),
    decisionNote: text('decision_note'),
    decidedBy: text('decided_by'),
    decidedAt: text('decided_at'),
    remindedAt: text('reminded_at'),
    expiresAt: text('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('adjustments_org_status').on(t.orgId, t.status, t.createdAt),
    index('adjustments_approver').on(t.approverId, t.status),
  ],
);

export const delegations = sqliteTable(
  'delegations',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    fromPersonId: text('from_person_id').notNull(),
    toPersonId: text('to_person_id').notNull(),
    startsAt: text('starts_at').notNull(),
    endsAt: text('ends_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('delegations_from').on(t.fromPersonId, t.endsAt)],
);

/** Append-only: rows are inserted, never updated or deleted. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id'),
    actorType: text('actor_type').$type<'person' | 'admin' | 'system' | 'platform'>().notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('audit_org_time').on(t.orgId, t.createdAt), index('audit_entity').on(t.entityType, t.entityId)],
);

/** Multi-step chat flows (new objective, reject note, ...), keyed per platform user and chat. */
export const conversations = sqliteTable('conversations', {
  key: text('key').primaryKey(),
  orgId: text('org_id').notNull(),
  personId: text('person_id').notNull(),
  flow: text('flow').notNull(),
  step: text('step').notNull(),
  data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  expiresAt: text('expires_at').notNull(),
  updatedAt: updatedAt(),
});

/** Inbound platform events already handled: the deduplication ledger. */
export const processedEvents = sqliteTable(
  'processed_events',
  {
    platform: text('platform').notNull(),
    eventId: text('event_id').notNull(),
    receivedAt: text('received_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.platform, t.eventId] })],
);

/**
 * Inbound messages acknowledged to their platform but not yet handled. A push
 * is answered as soon as its verified event is stored here (well inside Lark's
 * 3 s, WeCom's 5 s and DingTalk's 1.5 s), and handled in the background; the
 * row is deleted in the same batch as the event's effects, so a crash in
 * between only delays it.
 */
export const inbox = sqliteTable(
  'inbox',
  {
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    eventId: text('event_id').notNull(),
    /** The normalised BotEvent (JSON). */
    event: text('event', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    receivedAt: text('received_at').notNull(),
    status: text('status').$type<'pending' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lockedUntil: text('locked_until'),
    lastError: text('last_error'),
  },
  (t) => [uniqueIndex('inbox_event').on(t.platform, t.eventId), index('inbox_due').on(t.status, t.id)],
);

/**
 * One-shot claims: inserting a key that exists fails the whole atomic batch.
 * Used for "exactly one decision", "one digest per period" and the like.
 */
export const claims = sqliteTable('claims', {
  key: text('key').primaryKey(),
  createdAt: createdAt(),
});

export type OutboxStatus = 'pending' | 'sent' | 'failed';
/** Where an outbox row goes: a chat platform, or an outbound webhook subscriber (docs/webhooks.md). */
export type OutboxChannel = Platform | 'webhook';

/**
 * Every outbound platform call is written here in the same atomic batch as the
 * change that caused it, then delivered by the outbox worker.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id'),
    /** The chat platform, or 'webhook' for a delivery to an outbound webhook subscriber. */
    platform: text('platform').$type<OutboxChannel>().notNull(),
    /** 'send' a new message, or 'update' a message sent earlier (see `target`). */
    operation: text('operation').$type<'send' | 'update'>().notNull(),
    /** Where to: an Address for 'send', a SentRef for 'update' (JSON). */
    target: text('target', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** A platform-neutral message: { text } or { card }. */
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** Stable key for the platform's own deduplication (Lark uuid and friends). */
    idempotencyKey: text('idempotency_key').notNull().unique(),
    /** What the message is about (e.g. `adjustment:<id>`), so later updates can find every copy. */
    subject: text('subject'),
    /** For rate limits per recipient. */
    recipientKey: text('recipient_key'),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull().default(now),
    lockedUntil: text('locked_until'),
    lastError: text('last_error'),
    /** The platform's reference to the delivered message (JSON SentRef). */
    sentRef: text('sent_ref', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    sentAt: text('sent_at'),
    /** When the current run of transient failures began: retries stop a retry window after it. */
    firstErrorAt: text('first_error_at'),
    /** When the row was given up (status 'failed'), for the daily notice to admins. */
    failedAt: text('failed_at'),
  },
  (t) => [
    // /healthz: the oldest pending message's age without a scan; the admin listing, by status, newest first.
    index('outbox_pending_age').on(t.status, t.createdAt),
    // What each platform's drain walks: its due rows in next_attempt_at order, no sort. Partial, like
    // outbox_failed: marking a row sent deletes its entry instead of moving it, and the commit writes
    // fewer index pages (one mark and its commit: 232 µs with these whole, 115 µs partial). Queries
    // say status = 'pending' (or 'failed') as a constant (storage/outbox-rows.ts OUTBOX_PENDING).
    index('outbox_platform_due').on(t.platform, t.nextAttemptAt).where(sql`status = 'pending'`),
    index('outbox_subject').on(t.subject),
    // The daily failure notice's per-org summary (src/outbox/admin.ts failureSummary): a covering
    // search of the org's failed rows. On failed_at alone no query used it.
    index('outbox_failed').on(t.orgId, t.platform, t.failedAt).where(sql`status = 'failed'`),
    // Outbound webhooks: a subscriber's pending deliveries in order (per-subscriber ordering).
    index('outbox_recipient_order').on(t.platform, t.recipientKey, t.status, t.createdAt),
  ],
);

export type WebhookSubscriptionStatus = 'active' | 'paused';

/**
 * Outbound webhook subscriptions (docs/webhooks.md): events of the org are POSTed to `url`,
 * signed with `secret`. Deliveries are outbox rows (platform 'webhook', recipient_key
 * `webhook:<id>`), written in the same batch as the event's cause.
 */
export const webhookSubscriptions = sqliteTable(
  'webhook_subscriptions',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    url: text('url').notNull(),
    /** JSON array of event types, e.g. ["checkin.created"]. */
    events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
    /** The HMAC-SHA256 key; needed in clear to sign, never returned by the API. */
    secret: text('secret').notNull(),
    status: text('status').$type<WebhookSubscriptionStatus>().notNull().default('active'),
    /** Failed attempts in a row (any delivery); reset by a success. Paused at PAUSE_AFTER_FAILURES. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    pausedAt: text('paused_at'),
    pausedReason: text('paused_reason'),
    lastSuccessAt: text('last_success_at'),
    lastFailureAt: text('last_failure_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_subscriptions_org').on(t.orgId)],
);

/**
 * Recent platform sends, the shared memory of the send rate limits: a slot is
 * taken by inserting a row here under a condition on the rows already here, in
 * one statement, so every process and isolate on this database sees the same
 * windows, and a restart keeps them. Rows older than the longest window are pruned.
 */
export const sendLog = sqliteTable(
  'send_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform').$type<Platform>().notNull(),
    recipient: text('recipient').notNull(),
    /** Epoch milliseconds of the reservation. */
    at: integer('at').notNull(),
    /** Platform messages this send counts as (WeCom markdown + buttons card: 2). */
    cost: integer('cost').notNull().default(1),
  },
  // Cost is in the indexes so every window sum is a covering index range, never a table lookup per send.
  (t) => [
    index('send_log_app').on(t.platform, t.at, t.cost),
    index('send_log_recipient').on(t.platform, t.recipient, t.at, t.cost),
  ],
);

/** A platform that answered "rate limited": nothing is sent to it until `until` (epoch ms). */
export const sendPauses = sqliteTable('send_pauses', {
  platform: text('platform').$type<Platform>().primaryKey(),
  until: integer('until').notNull(),
  /** Rate-limit answers in a row; each one lengthens the next pause. */
  strikes: integer('strikes').notNull().default(1),
  reason: text('reason'),
});

/** Job runs keyed by (job, org, period): the guard against double digests. */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    job: text('job').notNull(),
    orgId: text('org_id').notNull(),
    period: text('period').notNull(),
    status: text('status').$type<'running' | 'done' | 'failed'>().notNull(),
    cursor: text('cursor'),
    stats: text('stats', { mode: 'json' }).$type<Record<string, unknown>>(),
    startedAt: text('started_at').notNull().default(now),
    heartbeatAt: text('heartbeat_at'),
    /**
     * The claim holding a running run: `<instance id>/<claim nonce>`. A process that finds a run
     * owned by an instance it knows is gone (same host, dead pid) takes it over at once; null with
     * a null heartbeat means released by a graceful shutdown, taken over at once too.
     */
    owner: text('owner'),
    finishedAt: text('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.job, t.orgId, t.period] })],
);

export const metricPoints = sqliteTable(
  'metric_points',
  {
    orgId: text('org_id').notNull(),
    metric: text('metric').notNull(),
    /** A person's or team's external id, or "org". */
    subject: text('subject').notNull(),
    at: text('at').notNull(),
    value: real('value').notNull(),
    receivedAt: text('received_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.metric, t.subject, t.at] })],
);

export const rules = sqliteTable('rules', {
  id: text('id').primaryKey(),
  orgId: text('org_id')
    .notNull()
    .references(() => organizations.id),
  name: text('name').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  mode: text('mode').$type<'observe' | 'enforce'>().notNull().default('observe'),
  builtin: text('builtin'),
  definition: text('definition', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  /**
   * When the rule's baseline pass ran. Null: the next evaluation records its firings without
   * sending them (after the rule is created, and after every import into the org).
   */
  baselineAt: text('baseline_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const ruleFirings = sqliteTable(
  'rule_firings',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    ruleId: text('rule_id').notNull(),
    subject: text('subject').notNull(),
    period: text('period').notNull(),
    state: text('state').$type<'firing' | 'resolved'>().notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
    firedAt: text('fired_at').notNull().default(now),
    resolvedAt: text('resolved_at'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: text('acknowledged_at'),
    escalatedAt: text('escalated_at'),
    /**
     * Built-in KR alerts: `pending` until every recipient's daily alert card has named it,
     * then `sent`; `held` when recorded without sending (observe mode, a baseline pass).
     */
    notice: text('notice').$type<'pending' | 'sent' | 'held'>(),
  },
  (t) => [
    uniqueIndex('rule_firings_once').on(t.ruleId, t.subject, t.period),
    index('rule_firings_state').on(t.orgId, t.state),
    index('rule_firings_notice').on(t.orgId, t.notice),
    // Outbound webhooks: the firings one evaluation pass of a rule inserted (storage/webhook-events.ts).
    index('rule_firings_pass').on(t.ruleId, t.firedAt),
  ],
);

/**
 * Which daily alert card named which firing for whom. At most one card per person and local
 * day: the card's outbox row id is a hash of (org, person, day).
 */
export const alertNotices = sqliteTable(
  'alert_notices',
  {
    personId: text('person_id').notNull(),
    firingId: text('firing_id').notNull(),
    orgId: text('org_id').notNull(),
    /** The recipient's local date of the card. */
    day: text('day').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.personId, t.firingId] }),
    index('alert_notices_day').on(t.personId, t.day),
    index('alert_notices_firing').on(t.firingId),
  ],
);

export const personFlags = sqliteTable(
  'person_flags',
  {
    personId: text('person_id').notNull(),
    flag: text('flag').notNull(),
    orgId: text('org_id').notNull(),
    ruleId: text('rule_id'),
    observeOnly: integer('observe_only', { mode: 'boolean' }).notNull().default(false),
    setAt: text('set_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.personId, t.flag] })],
);

/**
 * Dashboard sign-in sessions. The cookie holds a random id; only its SHA-256 is stored,
 * so a copy of the database opens no session. Logging out deletes the row, which makes
 * every copy of that cookie worthless at once.
 */
export const dashboardSessions = sqliteTable(
  'dashboard_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    /** 'admin' for the admin token; else the signed-in person's id. */
    sub: text('sub').notNull(),
    orgId: text('org_id'),
    /** How the session was opened: 'token' or a platform name. */
    via: text('via').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('dashboard_sessions_expiry').on(t.expiresAt)],
);

/**
 * Single-use values seen in signed requests (DingTalk's robot `timestamp`+`sign`), kept
 * until the signature would be rejected as too old anyway: a replay inside the window hits
 * the primary key. Lives in the database so it holds across processes and on D1.
 */
export const usedNonces = sqliteTable(
  'used_nonces',
  {
    key: text('key').primaryKey(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('used_nonces_expiry').on(t.expiresAt)],
);

/**
 * Scheduled pulls of metric points from a source (docs/connectors.md): a platform's attendance
 * API, a Lark Bitable table, or any HTTP(S) JSON/CSV URL. `source` holds the kind's settings,
 * `mapping` which source fields give metric, subject, time and value. `secret` (an HTTP source's
 * auth header value) is never returned by the API or logged.
 */
export const connectors = sqliteTable(
  'connectors',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    kind: text('kind').$type<'attendance' | 'bitable' | 'http'>().notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** Cron expression in the org's time zone. */
    schedule: text('schedule').notNull(),
    source: text('source', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    mapping: text('mapping', { mode: 'json' }).$type<Record<string, unknown>>(),
    secret: text('secret'),
    /** The scheduled slot the last run served (ISO); a later slot of `schedule` makes it due. */
    lastSlotAt: text('last_slot_at'),
    lastRunAt: text('last_run_at'),
    lastStatus: text('last_status').$type<'ok' | 'partial' | 'failed'>(),
    lastError: text('last_error'),
    /** The last run's report: read, stored, unchanged, rejected (with reasons, capped). */
    lastResult: text('last_result', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** Failed runs in a row; the retry backs off with it. */
    failures: integer('failures').notNull().default(0),
    /** When a failed run is retried (before the next slot), else null. */
    retryAt: text('retry_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('connectors_org_name').on(t.orgId, t.name)],
);

export type AppealStatus = 'open' | 'upheld' | 'granted';

/**
 * One person's review in one cycle (src/review): created when the review starts, for every
 * active person owning an active objective in the cycle. Scores are 0..1 whatever scale the
 * org shows. `version` is bumped by every change, and each change claims `review:<id>:v<version>`
 * in its batch, so a double click or a repeated delivery applies once.
 */
export const reviews = sqliteTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    cycleId: text('cycle_id').notNull(),
    personId: text('person_id').notNull(),
    /** The manager and team when the review started: who calibrates, and the sheet's team column. */
    managerId: text('manager_id'),
    teamId: text('team_id'),
    computedScore: real('computed_score').notNull(),
    /** Weighted mean of the objective self scores, once every objective has one. */
    selfScore: real('self_score'),
    selfAt: text('self_at'),
    retrospective: text('retrospective'),
    calibratedScore: real('calibrated_score'),
    calibratedBy: text('calibrated_by'),
    calibrationReason: text('calibration_reason'),
    calibratedAt: text('calibrated_at'),
    appealReason: text('appeal_reason'),
    appealAt: text('appeal_at'),
    appealDeciderId: text('appeal_decider_id'),
    appealStatus: text('appeal_status').$type<AppealStatus>(),
    appealDecidedBy: text('appeal_decided_by'),
    appealDecidedAt: text('appeal_decided_at'),
    appealNote: text('appeal_note'),
    /** Set at close: the score the sheet pays from. */
    finalScore: real('final_score'),
    remindedAt: text('reminded_at'),
    /** When the manager's team card went out (once). */
    calibrationSentAt: text('calibration_sent_at'),
    version: integer('version').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('reviews_cycle_person').on(t.cycleId, t.personId),
    index('reviews_cycle_manager').on(t.cycleId, t.managerId),
    index('reviews_person').on(t.personId),
  ],
);

/** A reviewed person's objective: its number on the card (O1, O2, …), weight, computed and self score. */
export const reviewObjectives = sqliteTable(
  'review_objectives',
  {
    reviewId: text('review_id').notNull(),
    objectiveId: text('objective_id').notNull(),
    orgId: text('org_id').notNull(),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    /** The sum of the objective's active KR weights (1 when it has none): its weight in the final score. */
    weight: real('weight').notNull(),
    /** Mean KR progress at review start, as a 0..1 score in steps of 0.1. */
    progress: real('progress').notNull(),
    computedScore: real('computed_score').notNull(),
    selfScore: real('self_score'),
    note: text('note'),
    selfAt: text('self_at'),
  },
  (t) => [primaryKey({ columns: [t.reviewId, t.objectiveId] })],
);
