// The app's shared shapes: what createPolaris takes (AppDeps), what every route and
// job is handed (Services), and Hono's env for them. Kept apart from app.ts so that
// routes can name these types without importing the module that imports them.
import type { DirectoryChanges } from './directory/changes';
import type { Context } from 'hono';
import type { Platform, PlatformAdapter } from '../bots/types';
import type { AuthThrottle, PeerAddress } from './auth-throttle';
import type { Clock } from '../core/clock';
import type { SourceFetchOptions } from '../core/connectors';
import type { Instance } from '../core/instance';
import type { SharedRuns } from '../core/shared-runs';
import type { Store } from '../storage/db';
import type { ChatHandlers } from './chat/context';
import type { Config } from './config';
import type { Dispatch } from './inbound/dispatch';
import type { Inbox } from './inbound/inbox';
import type { OutboxDeliverer } from './outbox/deliver';
import type { WebhookDeliverer } from './outbound-webhooks/deliver';

export interface AppDeps {
  store: Store;
  config: Config;
  clock?: Clock;
  /** Keep work running after a response: Workers' waitUntil, or a tracked promise on Node. */
  defer?: (work: Promise<unknown>) => void;
  /** Defaults to the adapters for every platform configured in `config`. */
  adapters?: PlatformAdapter[];
  /** The HTTP client those default adapters call the platforms with (Node: node:http; default fetch). */
  platformFetch?: typeof fetch;
  handlers?: ChatHandlers;
  /** Deliver the outbox right after each event (default true; tests of crash recovery turn it off). */
  deliverImmediately?: boolean;
  /** This process, as job runs record it (src/node/instance.ts on Node; a random id by default). */
  instance?: Instance;
  /**
   * Platforms jobs and rules may address messages to (default: the configured adapters). The CLI
   * without platform credentials names every platform: it enqueues, and the server delivers.
   */
  addressablePlatforms?: readonly Platform[];
  /** Wrong-credential counts to share with other app instances of this process (see src/worker.ts). */
  authThrottle?: AuthThrottle;
  /** The connecting peer's address (default: the Node socket, or Cloudflare's CF-Connecting-IP). */
  peerAddress?: PeerAddress;
  /** Connector source I/O: fetch, the wait between retries, attempts, timeout (tests shorten them). */
  connectorSource?: SourceFetchOptions;
  /**
   * Inbox and outbox drains to share with the other apps on this store (src/worker.ts: one per
   * isolate, as apps are built per request); default: this app's own.
   */
  runs?: SharedRuns;
}

export interface Services {
  store: Store;
  config: Config;
  clock: Clock;
  defer: (work: Promise<unknown>) => void;
  adapters: ReadonlyMap<string, PlatformAdapter>;
  /** Where jobs and rules may address messages (see AppDeps.addressablePlatforms). */
  addressable: ReadonlySet<string>;
  outbox: OutboxDeliverer;
  /** Outbound webhook deliveries (also drained by `outbox.drain()`). */
  webhooks: WebhookDeliverer;
  /** Messages acknowledged to their platform, handled in the background. */
  inbox: Inbox;
  dispatch: Dispatch;
  instance: Instance;
  /** Wrong admin/ingest tokens per client address (429 past the limit). */
  authThrottle: AuthThrottle;
  /** The client's address for throttling (X-Forwarded-For only from TRUSTED_PROXIES). */
  clientOf(c: Context): string;
  /** Connector source I/O overrides (src/connectors/run.ts). */
  source?: SourceFetchOptions;
  /** Directory change events → background re-syncs of the org (src/directory/changes.ts). */
  directoryChanges?: DirectoryChanges;
}

export interface AppEnv {
  Variables: { deps: Services };
}
