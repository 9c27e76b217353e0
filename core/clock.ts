/** Injectable time source: tests pass a fixed clock, production uses the system one. */
export interface Clock {
  now(): Date;
  /** Waits `ms` of this clock's time (a fixed clock moves itself forward instead of waiting). */
  sleep?(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/** Waits `ms` on `clock`: real time for the system clock, the clock's own for a test clock. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  if (clock.sleep) return clock.sleep(ms);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function fixedClock(start: Date | string): Clock & { set(d: Date | string): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    async sleep(ms) {
      current = new Date(current.getTime() + Math.max(0, ms));
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
    set(d) {
      current = new Date(d);
    },
    advance(ms) {
      current = new Date(current.getTime() + ms);
    },
  };
}
