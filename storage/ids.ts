// Short, URL-safe ids that sort in creation order: a type prefix, the time in
// base36, a per-millisecond sequence and random base32 characters. Generated
// in the app (not by SQLite) so that one atomic batch can insert rows that
// reference each other; sortable so that "oldest first" needs no extra column.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

let lastMs = 0;
let sequence = 0;

// Random bytes are drawn 4 KiB at a time: one getRandomValues call per id cost about 10 µs on Node
// (the webcrypto wrapper around randomFillSync), several ids per handled event. Each byte is still
// used once. Filled on first use, as Workers allow no random values at module load.
const pool = new Uint8Array(4096);
let poolAt = pool.length;

export function newId(prefix: string): string {
  const ms = Date.now();
  if (ms === lastMs) sequence++;
  else {
    lastMs = ms;
    sequence = 0;
  }
  if (poolAt + 8 > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  let rand = '';
  for (let i = 0; i < 8; i++) rand += ALPHABET[pool[poolAt + i] & 31];
  poolAt += 8;
  return `${prefix}_${ms.toString(36)}${sequence.toString(36).padStart(3, '0')}${rand}`;
}
