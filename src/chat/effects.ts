// What handling one event produces: writes, outbound messages and an inline
// answer. The dispatcher commits writes and messages in one atomic batch
// together with the event's deduplication claim, so an event's effects happen
// exactly once or not at all.
import type { EventResult } from '../../bots/types';
import type { Statement } from '../../storage/db';
import type { OutboundItem } from '../outbox/enqueue';

export interface Effects {
  statements: Statement[];
  messages: OutboundItem[];
  result?: EventResult;
  /**
   * When committing fails on a unique key inside `statements` (someone else
   * won a race, e.g. a second approver), what to do instead.
   */
  onConflict?: () => Promise<Effects>;
}

export const noEffects = (): Effects => ({ statements: [], messages: [] });

export function mergeEffects(...all: Effects[]): Effects {
  return {
    statements: all.flatMap((e) => e.statements),
    messages: all.flatMap((e) => e.messages),
    result: all.reduce<Effects['result']>((acc, e) => (e.result ? { ...acc, ...e.result } : acc), undefined),
  };
}
