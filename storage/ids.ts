// Short, sortable-enough, URL-safe ids: a type prefix, a base36 time part and
// 10 random base32 characters. Generated in the app (not by SQLite) so that one
// atomic batch can insert rows that reference each other.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b & 31];
  return `${prefix}_${Date.now().toString(36)}${rand}`;
}
