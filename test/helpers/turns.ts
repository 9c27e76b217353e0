// Counts turns of the event loop while some work runs: a probe that re-arms itself with
// setImmediate runs once per turn, so work that never yields (a loop of awaits on
// better-sqlite3, which resolve as microtasks) lets it run at most once.

/** Runs `work` and answers its result with the number of loop turns that happened meanwhile. */
export async function countTurns<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const probe = () => {
    turns++;
    if (running) setImmediate(probe);
  };
  setImmediate(probe);
  try {
    return { result: await work(), turns };
  } finally {
    running = false;
  }
}
