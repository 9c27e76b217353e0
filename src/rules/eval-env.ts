// What one evaluation pass hands every rule evaluator (metric rules, KR alerts,
// escalations), and what each returns: kept in its own file so evaluators can share
// it without importing each other.
import type { PlatformAdapter } from '../../bots/types';
import type { IdentityIndex } from '../../jobs/recipients';
import type { Store } from '../../storage/db';
import type { AggregateCache } from './metric-eval';
import type { OrgDirectory } from './scope';
import type { WriteGroup } from './write-groups';

export interface EvalEnv {
  store: Store;
  adapters: ReadonlyMap<string, PlatformAdapter>;
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
