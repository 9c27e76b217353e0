// Shared set-up for the job tests: a real SQLite file, a fixed clock, a
// recording Lark adapter registered through createPolaris, and small seeding helpers.
import { mapCardText, plainCardText } from '../../cards/model';
import type { Address, OutboundMessage, PlatformAdapter, SentRef } from '../../bots/types';
import { createPolaris } from '../../src/app';
import { fixedClock } from '../../core/clock';
import { loadConfig } from '../../src/config';
import { newId } from '../../storage/ids';
import {
  adjustments,
  checkIns,
  cycles,
  identities,
  keyResults,
  objectives,
  organizations,
  people,
  teams,
  type OrgSettings,
  type ProgressMode,
} from '../../storage/schema';
import { openSqlite } from '../../storage/sqlite';
import { tempDbPath } from '../helpers/app';

export interface Sent {
  to: Address;
  message: OutboundMessage;
  idempotencyKey: string;
}

export function recordingAdapter(platform: 'lark' | 'wecom' | 'dingtalk' = 'lark') {
  const sent: Sent[] = [];
  const adapter: PlatformAdapter = {
    platform,
    webhookPaths: [''],
    inlineCardUpdates: true,
    async handleWebhook() {
      return new Response('not used', { status: 404 });
    },
    async send(to, message, options): Promise<SentRef> {
      sent.push({ to, message, idempotencyKey: options.idempotencyKey });
      return { platform, messageId: `m${sent.length}` };
    },
    async update() {},
    limits: { perSecond: 10_000 },
  };
  return { adapter, sent };
}

export function jobsHarness(options: { now: string; path?: string } = { now: '2026-11-27T02:00:00Z' }) {
  const db = options.path ? { path: options.path, cleanup() {} } : tempDbPath();
  const store = openSqlite(db.path);
  const clock = fixedClock(options.now);
  const recorder = recordingAdapter();
  const { services } = createPolaris({
    store,
    clock,
    config: loadConfig({ TZ_DEFAULT: 'Asia/Shanghai' }),
    adapters: [recorder.adapter],
    deliverImmediately: false,
  });
  return {
    store,
    clock,
    services,
    sent: recorder.sent,
    path: db.path,
    close() {
      store.close();
      db.cleanup();
    },
  };
}

type Harness = ReturnType<typeof jobsHarness>;

export async function seedOrg(h: Harness, settings: OrgSettings = {}) {
  const orgId = newId('org');
  await h.store.db.insert(organizations).values({ id: orgId, name: 'Acme', slug: `acme-${orgId.slice(-4)}`, settings });
  const cycleId = newId('cyc');
  await h.store.db
    .insert(cycles)
    .values({ id: cycleId, orgId, name: '2026 Q4', startsOn: '2026-10-01', endsOn: '2026-12-31' });
  return { orgId, cycleId };
}

export async function addTeam(h: Harness, orgId: string, name: string, extra: Partial<typeof teams.$inferInsert> = {}) {
  const id = newId('team');
  await h.store.db.insert(teams).values({ id, orgId, name, ...extra });
  return id;
}

export async function addPerson(
  h: Harness,
  orgId: string,
  name: string,
  extra: Partial<typeof people.$inferInsert> = {},
  openId: string | null = `ou_${name}`,
) {
  const id = newId('p');
  await h.store.db.insert(people).values({ id, orgId, externalId: `${name}-${id}`, name, ...extra });
  if (openId)
    await h.store.db.insert(identities).values({ orgId, personId: id, platform: 'lark', platformUserId: openId });
  return id;
}

export async function addObjective(
  h: Harness,
  orgId: string,
  cycleId: string,
  title: string,
  owner: { personId?: string; teamId?: string },
  parentKrId?: string,
) {
  const id = newId('obj');
  await h.store.db.insert(objectives).values({
    id,
    orgId,
    cycleId,
    title,
    ownerType: owner.teamId ? 'team' : 'person',
    ownerPersonId: owner.personId ?? null,
    ownerTeamId: owner.teamId ?? null,
    parentKrId: parentKrId ?? null,
  });
  return id;
}

export async function addKr(
  h: Harness,
  orgId: string,
  cycleId: string,
  objectiveId: string,
  title: string,
  values: {
    start?: number;
    target?: number;
    current?: number;
    mode?: ProgressMode;
    lastCheckInAt?: string | null;
    position?: number;
  } = {},
) {
  const id = newId('kr');
  await h.store.db.insert(keyResults).values({
    id,
    orgId,
    cycleId,
    objectiveId,
    title,
    startValue: values.start ?? 0,
    targetValue: values.target ?? 100,
    currentValue: values.current ?? values.start ?? 0,
    progressMode: values.mode ?? 'manual',
    lastCheckInAt: values.lastCheckInAt ?? null,
    position: values.position ?? 0,
  });
  return id;
}

export async function addCheckIn(
  h: Harness,
  orgId: string,
  krId: string,
  authorId: string | null,
  from: number,
  to: number,
  at: string,
) {
  await h.store.db.insert(checkIns).values({
    id: newId('ci'),
    orgId,
    keyResultId: krId,
    authorId,
    value: to,
    previousValue: from,
    source: 'chat',
    createdAt: at,
  });
}

export async function addAdjustment(h: Harness, orgId: string, requesterId: string, reason: string) {
  await h.store.db
    .insert(adjustments)
    .values({ id: newId('adj'), orgId, requesterId, kind: 'target', proposed: { targetValue: 80 }, reason });
}

/** Plain text of a sent card, for content assertions. */
export function cardText(message: OutboundMessage): string {
  if (!message.card) return message.text ?? '';
  const { header, blocks } = mapCardText(message.card, plainCardText);
  return [
    header.title,
    header.subtitle ?? '',
    ...blocks.map((b) => {
      switch (b.type) {
        case 'markdown':
        case 'note':
          return b.text;
        case 'progress':
          return `${b.label} ${b.percent}% ${b.detail ?? ''}`;
        case 'fields':
          return b.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
        case 'actions':
          return b.buttons.map((x) => `[${x.text}]`).join(' ');
        default:
          return '';
      }
    }),
  ].join('\n');
}
