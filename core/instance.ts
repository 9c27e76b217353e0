// Which process is this? Job runs record their owner so that a process that
// starts after a crash can tell a run abandoned by a dead process (take it over
// at once) from one another live process is still working on (leave it alone
// until its heartbeat goes stale). Runtime-neutral; src/node/instance.ts adds
// the host and pid that make "gone" decidable on Node.
export interface Instance {
  /** Unique per process (per isolate on Workers). Contains no '/'. */
  id: string;
  /**
   * True when the instance `otherId` certainly no longer runs (e.g. same host, its pid is dead);
   * false when it may still run. Without this, only a stale heartbeat frees its runs.
   */
  isGone?(otherId: string): boolean;
}

export function randomInstance(prefix = 'isolate'): Instance {
  return { id: `${prefix}:${crypto.randomUUID()}` };
}
