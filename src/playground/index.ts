// Playground mode: with no platform credentials configured, the server runs
// the three platform emulators in-process, points the adapters at them with
// freshly generated secrets, loads the demo org into an empty database and
// serves /playground. Node-only (the WeCom emulator uses Node crypto); never
// active when any real platform credentials are set.
//
// Closed by default (SECURITY.md): anyone who reaches it can chat as any demo person,
// so it listens on loopback only unless HOST says otherwise *and* PLAYGROUND=on; its
// emulated sign-in and every view reach the demo org only; and once a real org exists
// beside the demo it refuses to start, and closes if one appears, unless PLAYGROUND=on.
import { count, eq } from 'drizzle-orm';
import type { Context, Hono, Next } from 'hono';
import type { Config } from '../config';
import type { Store } from '../../storage/db';
import { DEMO_SLUG, loadDemo } from '../../storage/seed/demo';
import { loadDemoRules } from '../rules/demo';
import { DEMO_CRM_PATH, loadDemoConnectors } from '../connectors/demo';
import { populateDemoSources } from './demo-sources';
import { organizations } from '../../storage/schema';
import { playgroundConfig, playgroundSecrets, wantsPlayground, type PlaygroundSecrets } from './config';
import { createPlaygroundEmulators, emulatorRoutes, type PlaygroundEmulators } from './emulators';
import { isDemoUser, realOrgCount } from './people';
import { fillEmulatorDirectories } from './directory';
import { playgroundRoutes } from './routes';
import { Transcript } from './transcript';

export { wantsPlayground } from './config';

/** PLAYGROUND=on: the operator asked for the playground on purpose (beside real orgs, or off loopback). */
export function playgroundForced(env: Record<string, string | undefined> = {}): boolean {
  return /^(1|on|true|yes)$/i.test(env.PLAYGROUND?.trim() ?? '');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The playground listens here unless HOST says otherwise. */
export const PLAYGROUND_DEFAULT_HOST = '127.0.0.1';

/**
 * Why the playground must not start, one line each (empty: it may): listening beyond loopback,
 * or real orgs in the database, without PLAYGROUND=on.
 */
export async function playgroundRefusals(input: {
  store: Store;
  host: string;
  env?: Record<string, string | undefined>;
}): Promise<string[]> {
  if (playgroundForced(input.env)) return [];
  const problems: string[] = [];
  if (!isLoopback(input.host))
    problems.push(
      `HOST=${input.host} would open the playground to the network: anyone reaching it could chat as any demo person. Set PLAYGROUND=on to do that on purpose, or leave HOST unset (127.0.0.1).`,
    );
  const real = await realOrgCount(input.store);
  if (real > 0)
    problems.push(
      `The database holds ${real} organisation(s) besides the demo, and no platform credentials are set, so this would start the playground next to real data. Set the platform credentials (README, Configuration), or PLAYGROUND=off to run without the playground, or PLAYGROUND=on to run it anyway (it only ever shows the demo org).`,
    );
  return problems;
}

const CLOSED = {
  zh: '演练场已关闭：数据库中已有演示组织以外的真实组织。请配置平台凭据，或设置 PLAYGROUND=on 后重启。',
  en: 'The playground is closed: the database now holds an organisation besides the demo. Configure the platform credentials, or restart with PLAYGROUND=on.',
};

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
  /** What the playground makes reachable, for the startup log. */
  exposure(url: string): string[];
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
  const host = input.config.host ?? PLAYGROUND_DEFAULT_HOST;
  // The emulators push to this same server: through loopback unless it listens on one address only.
  const wildcard = host === '0.0.0.0' || host === '::' || isLoopback(host);
  const origin = `http://${wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${input.config.port}`;
  const secrets = playgroundSecrets(origin);
  const forced = playgroundForced(input.env);
  const emulators = createPlaygroundEmulators(secrets, origin, (platform, user) =>
    isDemoUser(input.store, platform, user),
  );
  const transcript = new Transcript(emulators);
  let crmCsv: string | undefined;
  const config = { ...playgroundConfig(input.config, secrets), host };
  return {
    config,
    secrets,
    emulators,
    transcript,
    mount(app) {
      // A real org appearing while the playground runs (through the API) closes it at once.
      const gate = async (c: Context, next: Next) => {
        if (!forced && (await realOrgCount(input.store)) > 0)
          return c.json(
            { error: { code: 'playground_closed', message: c.req.query('lang') === 'en' ? CLOSED.en : CLOSED.zh } },
            403,
          );
        await next();
      };
      app.use('/playground', gate);
      app.use('/playground/*', gate);
      app.use('/emulators/*', gate);
      app.route(
        '/emulators',
        emulatorRoutes(emulators, (platform) => transcript.sync(platform)),
      );
      // The demo CRM export the demo's HTTP connector reads (src/playground/demo-sources.ts).
      app.get(DEMO_CRM_PATH, (c) =>
        crmCsv ? c.body(crmCsv, 200, { 'content-type': 'text/csv; charset=utf-8' }) : c.notFound(),
      );
      app.route(
        '/playground',
        playgroundRoutes({ store: input.store, adminToken: config.adminToken!, emulators, transcript }),
      );
      app.get('/', (c) => c.redirect('/playground'));
    },
    async seed(now) {
      const [{ n }] = await input.store.db.select({ n: count() }).from(organizations);
      let created = false;
      if (n === 0) {
        const summary = await loadDemo(input.store, { now, timezone: input.config.defaultTimezone });
        // The same demo as `npm run seed:demo`: the org, its two example alert rules, and one
        // connector of each kind, enabled here because the playground serves their sources.
        if (summary.created) {
          await loadDemoRules(input.store, summary.orgId, now);
          await loadDemoConnectors(input.store, summary.orgId, now, {
            enabled: true,
            crmUrl: `${origin}${DEMO_CRM_PATH}`,
          });
        }
        created = summary.created;
      }
      const [demo] = await input.store.db
        .select()
        .from(organizations)
        .where(eq(organizations.slug, DEMO_SLUG))
        .limit(1);
      if (demo)
        crmCsv = await populateDemoSources(
          input.store,
          emulators,
          demo.id,
          demo.settings?.timezone ?? input.config.defaultTimezone,
          now,
        );
      // The demo org lives in the emulated directories too, so a directory sync finds it there.
      await fillEmulatorDirectories(input.store, emulators);
      return created;
    },
    exposure(url) {
      const where = isLoopback(host)
        ? `only to this machine (${host}); HOST and PLAYGROUND=on would open it to the network`
        : `to everyone who can reach ${host} (HOST with PLAYGROUND=on)`;
      return [
        `playground: open ${url}/playground (no platform credentials set, so Lark, WeCom and DingTalk are emulated in this process)`,
        `playground: exposed ${where}: chatting as any person of the demo org, their bot messages, dashboard sign-in as any of them, and the emulated platform APIs under /emulators/* (secrets made for this run, never shown)`,
        forced
          ? 'playground: PLAYGROUND=on: it runs even beside real orgs, but only ever shows and signs in to the demo org'
          : 'playground: closes as soon as an org other than the demo exists (set the platform credentials, or PLAYGROUND=on)',
      ];
    },
    close() {
      emulators.dingtalk.stream.stop();
    },
  };
}
