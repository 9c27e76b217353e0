// Single sign-on from the platforms' workbenches (H5 apps), platform-neutral: the
// adapters know each platform's OAuth (PlatformAdapter.loginUrl / exchangeLoginCode);
// this file only knows "send the person to sign in" and "a code came back".
//   GET /dashboard/sso/:platform/start  → 302 to the platform's sign-in page (state cookie set)
//   GET /dashboard/sso/:platform?code=… → exchange, find the person through `identities`,
//       open a session (scope decided per request by viewer.ts: own chain, team, everything)
//   GET /dashboard/sso/:platform        → (no code yet) same as /start, so the workbench's
//       home URL can be this one address
import { Hono, type Context } from 'hono';
import { LoginCodeError, PLATFORMS, type Platform, type PlatformAdapter } from '../../bots/types';
import type { AppEnv } from '../services';
import { toLocale, t } from '../../core/i18n';
import { resolvePlatformUser } from '../inbound/identity';
import { MessagePage } from './pages';
import { startSession } from './session';
import { beginSsoState, checkSsoState, ssoCallbackUrl } from './sso-state';
import { wecomH5Routes } from './sso-wecom-h5';

export const ssoRoutes = new Hono<AppEnv>();
type Ctx = Context<AppEnv>;

ssoRoutes.route('/wecom', wecomH5Routes);

function fail(c: Ctx, text: string, status: 400 | 401 | 403 | 404 | 502): Response | Promise<Response> {
  return c.html(<MessagePage locale={toLocale(c.req.query('lang'))} text={text} />, status);
}

/** The adapter of a configured platform that can sign people in, or the page saying why not. */
type Found = { response: Response | Promise<Response> } | { platform: Platform; adapter: PlatformAdapter };

function loginAdapter(c: Ctx): Found {
  const platform = c.req.param('platform') ?? '';
  const adapter = (PLATFORMS as readonly string[]).includes(platform)
    ? c.get('deps').adapters.get(platform)
    : undefined;
  if (!adapter?.exchangeLoginCode || !adapter.loginUrl) {
    return { response: fail(c, t(toLocale(c.req.query('lang')), 'dash.sso.notConfigured', { platform }), 404) };
  }
  return { platform: platform as Platform, adapter };
}

function start(c: Ctx): Response | Promise<Response> {
  const found = loginAdapter(c);
  if ('response' in found) return found.response;
  if (!c.get('deps').config.adminToken) return fail(c, t(toLocale(c.req.query('lang')), 'dash.login.disabled'), 401);
  const state = beginSsoState(c, c.get('deps').config.publicUrl);
  return c.redirect(
    found.adapter.loginUrl!(ssoCallbackUrl(c, c.get('deps').config.publicUrl, found.platform), state),
    302,
  );
}

ssoRoutes.get('/:platform/start', start);

ssoRoutes.get('/:platform', async (c) => {
  const { config, store, clock } = c.get('deps');
  const locale = toLocale(c.req.query('lang'));
  const found = loginAdapter(c);
  if ('response' in found) return found.response;
  if (!config.adminToken) return fail(c, t(locale, 'dash.login.disabled'), 401);
  const code = (c.req.query('code') ?? c.req.query('authCode') ?? '').trim();
  // Opened from the workbench without a code yet: go and get one. Coming back without
  // one (state present, or an error) means the person declined: say so, do not loop.
  if (!code && c.req.query('state') === undefined && c.req.query('error') === undefined) return start(c);
  if (!code || code.length > 512) return fail(c, t(locale, 'dash.sso.missingCode'), 400);
  if (!checkSsoState(c, c.req.query('state'))) {
    return fail(
      c,
      t(locale, 'dash.sso.failed', { reason: 'state mismatch; open the dashboard again from the workbench' }),
      400,
    );
  }
  let who: { platformUserId: string; tenantKey?: string };
  try {
    who = await found.adapter.exchangeLoginCode!(
      code,
      ssoCallbackUrl(c, c.get('deps').config.publicUrl, found.platform),
    );
  } catch (err) {
    if (err instanceof LoginCodeError) return fail(c, t(locale, 'dash.sso.failed', { reason: err.message }), 401);
    console.error(`[polaris] ${found.platform} sign-in failed`, err);
    return fail(c, t(locale, 'dash.sso.failed', { reason: err instanceof Error ? err.message : String(err) }), 502);
  }
  // The person is looked up in the org their tenant acts in (tenant bindings), never by the
  // platform user id alone: the same id in another org must not sign in there.
  const identity = await resolvePlatformUser(store, found.platform, who.tenantKey, who.platformUserId);
  if (!identity) return fail(c, t(locale, 'dash.sso.unknown'), 403);
  await startSession(
    c,
    { store, adminToken: config.adminToken, publicUrl: config.publicUrl },
    { sub: identity.person.id, org: identity.org.id, via: found.platform },
    clock.now(),
  );
  // Not a 302: a redirect inside a navigation that started on the platform's site is still
  // cross-site, so the browser would withhold our SameSite=Strict cookie. A same-origin
  // page that moves on by itself makes the next request same-site.
  const next = found.platform === 'wecom' ? '/dashboard?platform=wecom' : '/dashboard';
  return c.html(
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content={`0;url=${next}`} />
        <title>Polaris</title>
      </head>
      <body>
        <a href={next}>{t(locale, 'dash.title')}</a>
      </body>
    </html>,
  );
});
