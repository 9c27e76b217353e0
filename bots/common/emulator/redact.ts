// What an emulator records about the calls it served is shown to people (the playground,
// test failure output), so secrets never go into it: the value of every field whose name
// says it holds a secret (app_secret, corpsecret, appSecret, clientSecret, access tokens,
// refresh tokens, tickets, passwords) is replaced, at any depth, in bodies, queries and answers.

const SECRET_FIELD = /secret|token|ticket|password/i;
export const REDACTED = '[redacted]';

export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>))
    out[key] = SECRET_FIELD.test(key) && v !== undefined && v !== null ? REDACTED : redactSecrets(v, depth + 1);
  return out as T;
}
