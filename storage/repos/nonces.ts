// Single-use values of signed requests (see `usedNonces` in schema.ts). The insert is the
// check: a second use of the key hits the primary key, in one process or many, on D1 too.
import { lt } from 'drizzle-orm';
import { isUniqueViolation, type Store } from '../db';
import { usedNonces } from '../schema';

/** True the first time `key` is seen before it expires; false for a replay. */
export async function firstUse(store: Store, key: string, expiresAt: Date, now: Date): Promise<boolean> {
  try {
    await store.atomic([
      // Expired keys can no longer be replayed (the signature check refuses them), so they go.
      store.db.delete(usedNonces).where(lt(usedNonces.expiresAt, now.toISOString())),
      store.db.insert(usedNonces).values({ key, expiresAt: expiresAt.toISOString() }),
    ]);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
