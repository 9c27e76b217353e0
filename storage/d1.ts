// Workers: the same store on Cloudflare D1. Migrations are applied by
// `wrangler d1 migrations apply` from storage/migrations (see wrangler.toml).
import { drizzle } from 'drizzle-orm/d1';
import type { D1Database } from '@cloudflare/workers-types';
import { schema, type Db, type Store } from './db';

export function openD1(binding: D1Database): Store {
  const db = drizzle(binding as never, { schema });
  return {
    db: db as unknown as Db,
    kind: 'd1',
    async atomic(statements) {
      if (statements.length) await db.batch(statements as never);
    },
  };
}
