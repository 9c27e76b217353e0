// Short, URL-safe ids that sort in creation order: a type prefix, the time in
// base36, a per-millisecond sequence and random base32 characters. Generated
// in the app (not by SQLite) so that one atomic batch can insert rows that
// reference each other; sortable so that "oldest first" needs no extra column.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

let lastMs = 0;
let sequence = 0;

export function newId(prefix: string): string {
  const ms = Date.now();
  if (ms === lastMs) sequence++;
  else {
    lastMs = ms;
    sequence = 0;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b & 31];
  return `${prefix}_${ms.toString(36)}${sequence.toString(36).padStart(3, '0')}${rand}`;
}
