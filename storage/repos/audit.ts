// The audit log is append-only: one insert statement per change, executed in
// the same atomic batch as the change itself so the log never disagrees with the data.
import type { Statement, Store } from '../db';
import { newId } from '../ids';
import { preparedWrite } from '../prepared';
import { auditLog } from '../schema';

export type ActorType = 'person' | 'admin' | 'system' | 'platform';

export interface AuditInput {
  orgId: string | null;
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  data?: Record<string, unknown> | null;
  now: Date;
}

type AuditRow = typeof auditLog.$inferInsert & { id: string; createdAt: string };

// Nearly every change writes one: prepared once per database (storage/prepared.ts).
const insertAudit = preparedWrite<Required<AuditRow>>((db, value) =>
  db.insert(auditLog).values({
    id: value('id'),
    orgId: value('orgId'),
    actorType: value('actorType'),
    actorId: value('actorId'),
    action: value('action'),
    entityType: value('entityType'),
    entityId: value('entityId'),
    data: value('data'),
    createdAt: value('createdAt'),
  }),
);

export function auditStatement(store: Store, input: AuditInput): Statement {
  return insertAudit(store, {
    id: newId('aud'),
    orgId: input.orgId,
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    action: input.action,
    entityType: input.entityType ?? null,
    entityId: input.entityId ?? null,
    data: input.data ?? null,
    createdAt: input.now.toISOString(),
  });
}
