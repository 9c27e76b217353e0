// What one evaluation pass hands every rule evaluator (metric rules, KR alerts,
// escalations), and what each returns: kept in its own file so evaluators can share
// it without importing each other.
import type { Platform } from '../../bots/types';
import type { Addressable, IdentityIndex } from '../../jobs/recipients';
import type { RuleRow } from './repo';
import type { Store } from '../../storage/db';
import type { AggregateCache } from './metric-eval';
import type { OrgDirectory } from './scope';
import type { WriteGroup } from './write-groups';

export interface EvalEnv {
  store: Store;
  /** Platforms messages may be addressed to (each person gets them on their primary one). */
  addressable: Addressable;
  /** The org's default platform for people who never wrote to the bot. */
  orgDefault?: Platform | null;
  /**
   * True when a rule's new firings must be recorded without sending anything: the org's alert
   * sending is off (observe), the rule is in observe mode, or this is the rule's baseline pass.
   */
  quiet(row: RuleRow): boolean;
  orgId: string;
  now: Date;
  offsetMs: number;
  dir: OrgDirectory;
  identities(personIds: string[]): Promise<IdentityIndex>;
  /** Shared per pass: rules on the same metric and period read the points once. */
  aggregates?: AggregateCache;
}

export interface RuleOutcome {
  ruleId: string;
  fired: { firingId: string; subject: string; period: string }[];
  resolved: { firingId: string; subject: string }[];
  groups: WriteGroup[];
}
