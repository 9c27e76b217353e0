// Outages on command, for tests of what a bot does when its platform misbehaves: every emulator
// can answer its API calls with server errors, with its platform's rate-limit answer, or not at
// all (a hang), until a time on the emulator's clock or until cleared. Not part of any platform's API.

export type FaultMode = 'server_error' | 'rate_limit' | 'hang';

export interface Fault {
  mode: FaultMode;
  /** The fault ends at this time on the emulator's clock (epoch ms); without it, when cleared. */
  untilMs?: number;
  /** rate_limit: the reset time the answer announces (Lark `x-ogw-ratelimit-reset`), seconds. */
  resetSeconds?: number;
}

export function createFaults(now: () => Date) {
  let fault: Fault | undefined;
  let answered = 0;
  const hung = new Set<() => void>();
  const release = () => {
    for (const resolve of hung) resolve();
    hung.clear();
  };
  return {
    set(next: Fault) {
      fault = next;
    },
    /** Ends the fault; hung calls are answered (with a server error) now. */
    clear() {
      fault = undefined;
      release();
    },
    /** The fault in force now, if any (each call that returns one counts as a faulty answer). */
    active(): Fault | undefined {
      if (fault?.untilMs !== undefined && now().getTime() >= fault.untilMs) {
        fault = undefined;
        release();
      }
      if (fault) answered++;
      return fault;
    },
    /** API calls answered with a fault so far. */
    get answered() {
      return answered;
    },
    /** Holds a call until the fault is cleared or the caller gives up. */
    hang(signal?: AbortSignal): Promise<void> {
      return new Promise<void>((resolve) => {
        hung.add(resolve);
        signal?.addEventListener('abort', () => {
          hung.delete(resolve);
          resolve();
        });
      });
    },
    /** Calls held by a hang right now. */
    get hanging() {
      return hung.size;
    },
  };
}

export type Faults = ReturnType<typeof createFaults>;
