// An in-memory WebhookContext.firstUse for adapter unit tests that run without a database.
// The server uses the database-backed one (storage/repos/nonces.ts), which holds across
// processes; this one does not, so it must not be used outside tests.
export function inMemoryFirstUse(): (key: string, expiresAt: Date) => Promise<boolean> {
  const seen = new Set<string>();
  return async (key) => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
}
