// The three platform emulators, in this process, each pushing signed (and
// encrypted) events to this server's own /webhooks/<platform>, exactly as the
// real platform would. The server reaches their APIs over HTTP at
// /emulators/<platform>/..., so outbound calls take the real path too.
import { Hono } from 'hono';
import { createDingtalkEmulator, type DingtalkEmulator } from '../../bots/dingtalk/emulator';
import { createLarkEmulator, type LarkEmulator } from '../../bots/lark/emulator';
import { createWecomEmulator, type WecomEmulator } from '../../bots/wecom/emulator';
import type { Platform } from '../../bots/types';
import { emulatorBase, type PlaygroundSecrets } from './config';

export interface PlaygroundEmulators {
  lark: LarkEmulator;
  wecom: WecomEmulator;
  dingtalk: DingtalkEmulator;
}

/** May the emulated sign-in page of `platform` sign in this platform user id? */
export type PlaygroundSignIn = (platform: Platform, userId: string) => Promise<boolean>;

export function createPlaygroundEmulators(
  secrets: PlaygroundSecrets,
  origin: string,
  signInAllowed: PlaygroundSignIn,
): PlaygroundEmulators {
  const webhook = (platform: Platform) => `${origin}/webhooks/${platform}`;
  // A person in the browser is waiting: retry quickly instead of the platforms' minutes.
  const lark = createLarkEmulator({
    ...secrets.lark,
    webhookUrl: webhook('lark'),
    retryDelaysMs: [200, 1000],
    signInAllowed: (user) => signInAllowed('lark', user),
  });
  const wecom = createWecomEmulator({
    ...secrets.wecom,
    webhookUrl: webhook('wecom'),
    retries: 1,
    retryDelayMs: 200,
    signInAllowed: (user) => signInAllowed('wecom', user),
  });
  const dingtalk = createDingtalkEmulator({
    ...secrets.dingtalk,
    signInAllowed: (user) => signInAllowed('dingtalk', user),
    webhookUrl: webhook('dingtalk'),
    eventsUrl: `${webhook('dingtalk')}/events`,
    baseUrl: emulatorBase(origin, 'dingtalk'),
  });
  return { lark, wecom, dingtalk };
}

/**
 * The emulators' own controls (`/_emulator/deliver`, `/click`, `/messages`, `/calls`, …) push
 * signed events as anyone and show everything; the playground drives the emulators in-process,
 * so over HTTP only the sign-in page is left (restricted to the demo org's people).
 */
const OPEN_CONTROLS = new Set(['/_emulator/oauth/authorize']);

/**
 * Routes /emulators/<platform>/* to that emulator's own app with the prefix
 * removed, so each emulator sees the paths its platform serves. `after` runs
 * once an emulator call has been answered (the transcript picks up new messages).
 */
export function emulatorRoutes(emulators: PlaygroundEmulators, after: (platform: Platform) => void) {
  const routes = new Hono();
  routes.all('/:platform/*', async (c) => {
    const platform = c.req.param('platform') as Platform;
    const emulator = (emulators as unknown as Record<string, { app: Hono } | undefined>)[platform];
    if (!emulator || !['lark', 'wecom', 'dingtalk'].includes(platform))
      return c.json({ error: { code: 'not_found', message: `No emulator for ${platform}` } }, 404);
    const url = new URL(c.req.url);
    const prefix = `/emulators/${platform}`;
    url.pathname = url.pathname.slice(url.pathname.indexOf(prefix) + prefix.length) || '/';
    if (url.pathname.startsWith('/_emulator/') && !OPEN_CONTROLS.has(url.pathname))
      return c.json({ error: { code: 'not_found', message: `No emulator route ${url.pathname}` } }, 404);
    const method = c.req.method;
    const body = method === 'GET' || method === 'HEAD' ? undefined : await c.req.raw.arrayBuffer();
    const request = new Request(url, { method, headers: c.req.raw.headers, body });
    const response = await emulator.app.fetch(request);
    after(platform);
    return response;
  });
  return routes;
}
