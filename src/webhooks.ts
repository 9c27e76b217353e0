// /webhooks/<platform>[/<sub>]: hands each request to its platform adapter,
// which verifies, parses and calls back into the dispatcher.
import { Hono, type Context } from 'hono';
import type { PlatformAdapter, WebhookContext } from '../bots/types';
import type { AppEnv } from './services';
import type { Dispatch } from './inbound/dispatch';
import type { Inbox } from './inbound/inbox';
import { firstUse } from '../storage/repos/nonces';

const SETUP_HINT: Record<string, string> = {
  lark: 'LARK_APP_ID, LARK_APP_SECRET, LARK_VERIFICATION_TOKEN and LARK_ENCRYPT_KEY',
  wecom: 'WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN and WECOM_ENCODING_AES_KEY',
  dingtalk: 'DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET',
};

export function webhookRoutes(adapters: ReadonlyMap<string, PlatformAdapter>, dispatch: Dispatch, inbox: Inbox) {
  const routes = new Hono<AppEnv>();
  const handle = (subPath: string) => async (c: Context<AppEnv>) => {
    const platform = c.req.param('platform') ?? '';
    const adapter = adapters.get(platform);
    if (!adapter) {
      const hint = SETUP_HINT[platform];
      return c.json(
        {
          error: {
            code: 'not_configured',
            message: hint
              ? `${platform} is not configured on this server: set ${hint}.`
              : `Unknown platform ${platform}`,
          },
        },
        404,
      );
    }
    if (!adapter.webhookPaths.includes(subPath))
      return c.json({ error: { code: 'not_found', message: `No webhook at ${c.req.path}` } }, 404);
    const { clock, defer, store, directoryChanges } = c.get('deps');
    const ctx: WebhookContext = {
      now: () => clock.now(),
      storesMessages: true,
      // Messages are acknowledged once stored and handled in the background; a card
      // action's answer is the updated card, so it is handled before answering.
      dispatch: async (event) => {
        if (event.type !== 'message') return dispatch(event);
        await inbox.accept(event);
        defer(inbox.drain());
        return {};
      },
      defer,
      firstUse: (key, expiresAt) => firstUse(store, key, expiresAt, clock.now()),
      directoryChanged: directoryChanges ? (change) => directoryChanges.changed(change) : undefined,
    };
    return adapter.handleWebhook(c.req.raw, ctx, subPath);
  };
  routes.all('/:platform', handle(''));
  routes.all('/:platform/:sub', (c) => handle(`/${c.req.param('sub')}`)(c));
  return routes;
}
