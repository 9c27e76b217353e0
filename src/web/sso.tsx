// GET /dashboard/sso/:platform?code=… — the workbench opens the dashboard with an OAuth
// code; we exchange it, find the person through `identities`, and open a session
// for them (scope decided per request by viewer.ts: own chain, team, or everything).
import { and, eq, inArray } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { toLocale, t } from '../i18n';
import { identities } from '../../storage/schema';
import { MessagePage } from './pages';
import { startSession } from './session';
import { exchangeCode, SsoError } from './sso-exchange';

const PLATFORMS = ['lark', 'wecom', 'dingtalk'] as const;

export const ssoRoutes = new Hono<AppEnv>();

ssoRoutes.get('/:platform', async (c) => {
  const { config, store, clock } = c.get('deps');
  const platform = c.req.param('platform');
  const locale = toLocale(c.req.query('lang'));
  const fail = (text: string, status: 400 | 401 | 403 | 404 | 502) => c.html(<MessagePage locale={locale} text={text} />, status);
  if (!(PLATFORMS as readonly string[]).includes(platform) || !config[platform as (typeof PLATFORMS)[number]]) {
    return fail(t(locale, 'dash.sso.notConfigured', { platform }), 404);
  }
  if (!config.adminToken) return fail(t(locale, 'dash.login.disabled'), 401);
  const code = (c.req.query('code') ?? c.req.query('authCode') ?? '').trim();
  if (!code || code.length > 512) return fail(t(locale, 'dash.sso.missingCode'), 400);
  let userIds: string[];
  try {
    userIds = (await exchangeCode(config, platform, code)).userIds;
  } catch (err) {
    if (!(err instanceof SsoError) && !(err instanceof TypeError)) throw err;
    return fail(t(locale, 'dash.sso.failed', { reason: err.message }), 502);
  }
  const [identity] = await store.db.select().from(identities)
    .where(and(eq(identities.platform, platform as (typeof PLATFORMS)[number]), inArray(identities.platformUserId, userIds))).limit(1);
  if (!identity) return fail(t(locale, 'dash.sso.unknown'), 403);
  await startSession(c, config.adminToken, { sub: identity.personId, org: identity.orgId, via: platform }, clock.now());
  // Not a 302: a redirect inside a navigation that started on the platform's site is still
  // cross-site, so the browser would withhold our SameSite=Strict cookie. A same-origin
  // page that moves on by itself makes the next request same-site.
  return c.html(<html lang={locale}><head><meta charset="utf-8" /><meta http-equiv="refresh" content="0;url=/dashboard" /><title>Polaris</title></head>
    <body><a href="/dashboard">{t(locale, 'dash.title')}</a></body></html>);
});
