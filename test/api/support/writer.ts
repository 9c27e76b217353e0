// A second Polaris process for the concurrency test: opens the same SQLite file
// and sends check-ins or an import through its own app instance, then prints
// the response statuses as JSON.
import { createApp } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { openSqlite } from '../../../storage/sqlite';

const [dbPath, token, mode, arg] = process.argv.slice(2);
const store = openSqlite(dbPath);
const app = createApp({ store, config: loadConfig({ ADMIN_TOKEN: token }) });
const call = (method: string, path: string, body: unknown) =>
  app.request(path, {
    method,
    body: JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', 'X-Polaris-Org': 'default' },
  });
const statuses: number[] = [];
if (mode === 'checkins') {
  for (let i = 0; i < 40; i++)
    statuses.push((await call('POST', `/api/v1/key-results/${arg}/check-ins`, { value: i })).status);
} else {
  const rows = Array.from({ length: 2000 }, (_, i) => ({
    external_id: `${arg}${i}`,
    name: `${arg}${i}`,
    team: `${arg}-team`,
  }));
  for (let i = 0; i < 3; i++) statuses.push((await call('POST', '/api/v1/people/import', rows)).status);
}
store.close();
console.log(JSON.stringify(statuses));
