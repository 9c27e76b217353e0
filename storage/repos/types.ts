// Row types of the tables the repositories hand around. Inferred from the
// schema so they can never drift from the columns.
import type {
  adjustments,
  auditLog,
  checkIns,
  cycles,
  identities,
  keyResults,
  objectives,
  organizations,
  people,
  teams,
} from '../schema';

export type Organization = typeof organizations.$inferSelect;
export type Person = typeof people.$inferSelect;
export type NewPerson = typeof people.$inferInsert;
export type Identity = typeof identities.$inferSelect;
export type Team = typeof teams.$inferSelect;
export type Cycle = typeof cycles.$inferSelect;
export type Objective = typeof objectives.$inferSelect;
export type NewObjective = typeof objectives.$inferInsert;
export type KeyResult = typeof keyResults.$inferSelect;
export type NewKeyResult = typeof keyResults.$inferInsert;
export type CheckIn = typeof checkIns.$inferSelect;
export type Adjustment = typeof adjustments.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
