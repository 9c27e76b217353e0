// Playground mode: with no platform credentials configured, the server runs
// the three platform emulators in-process, points the adapters at them with
// freshly generated secrets, loads the demo org into an empty database and
// serves /playground. Node-only (the WeCom emulator uses Node crypto); never
// active when any real platform credentials are set.
import { count } from 'drizzle-orm';
import type { Hono } from 'hono';
import type { Config } from '../config';
import type { Store } from '../../storage/db';
import { loadDemo } from '../../storage/seed/demo';
import { loadDemoRules } from '../rules/demo';
import { organizations } from '../../storage/schema';
import { playgroundConfig, playgroundSecrets, wantsPlayground, type PlaygroundSecrets } from './config';
import { createPlaygroundEmulators, emulatorRoutes, type PlaygroundEmulators } from './emulators';
import { playgroundRoutes } from './routes';
import { Transcript } from './transcript';

export { wantsPlayground } from './config';

export interface Playground {
  /** The server's config with the emulated platforms filled in. */
  config: Config;
  secrets: PlaygroundSecrets;
  emulators: PlaygroundEmulators;
  transcript: Transcript;
  /** Mounts /emulators/* and /playground on the app. Call before serving. */
  // biome-ignore lint/suspicious/noExplicitAny: mounts on the app whatever its env type
  mount(app: Hono<any>): void;
  /** Loads the demo org when the database has no organization yet; true if it did. */
  seed(now: Date): Promise<boolean>;
  close(): void;
}

/**
 * Returns the playground for a server that will listen on `config.port` (a real
 * port, not 0), or undefined when platform credentials are configured (or PLAYGROUND=off).
 */
export function preparePlayground(input: {
  config: Config;
  store: Store;
  env?: Record<string, string | undefined>;
}): Playground | undefined {
  if (!wantsPlayground(input.config, input.env) || !input.config.port) return undefined;
  const origin = `http://127.0.0.1:${input.config.port}`;
  const secrets = playgroundSecrets(origin);
  const emulators = createPlaygroundEmulators(secrets, origin);
  const transcript = new Transcript(emulators);
  const config = playgroundConfig(input.config, secrets);
  return {
    config,
    secrets,
    emulators,
    transcript,
    mount(app) {
      app.route(
        '/emulators',
        emulatorRoutes(emulators, (platform) => transcript.sync(platform)),
      );
      app.route(
        '/playground',
        playgroundRoutes({ store: input.store, adminToken: config.adminToken!, emulators, transcript }),
      );
      app.get('/', (c) => c.redirect('/playground'));
    },
    async seed(now) {
      const [{ n }] = await input.store.db.select({ n: count() }).from(organizations);
      if (n > 0) return false;
      const summary = await loadDemo(input.store, { now, timezone: input.config.defaultTimezone });
      // The same demo as `npm run seed:demo`: the org and its two example alert rules.
      if (summary.created) await loadDemoRules(input.store, summary.orgId, now);
      return summary.created;
    },
    close() {
      emulators.dingtalk.stream.stop();
    },
  };
}
