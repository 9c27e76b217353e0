// /dashboard: the alignment dashboard. Pages are server-rendered (pages.tsx); the page's
// script (client.ts) calls the JSON endpoints under /dashboard/data/*, which take the
// same session cookie or `Authorization: Bearer <ADMIN_TOKEN>`.
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../services';
import { timingSafeEqualStrings } from '../api/auth';
import { type ExportFormat, exportResponse, okrExport, parseExportFormat } from '../api/export';
import { catalogues, toLocale, t, type Locale } from '../../core/i18n';
import { localDate } from '../../core/okr/pace';
import { resolveCycle, type Cycle } from '../../storage/repos/cycles';
import { loadRollup, type RollupQuery, UnknownObjectiveError } from '../../storage/repos/tree';
import { loadStats } from '../../storage/repos/stats';
import { DASHBOARD_CSS, DASHBOARD_JS } from './client';
import {
  HiddenError,
  listCycles,
  nodeDetail,
  pathTo,
  rulesWithHits,
  searchPeople,
  teamFigures,
  treePage,
} from './data';
import { echartsSource, echartsUrl } from './package-assets';
import { connectorPageRoutes } from './connectors';
import { CONNECTORS_JS } from './connector-client';
import { DashboardPage, KrPage, LoginPage, MessagePage, RuleHitsPage } from './pages';
import { decideOnDashboard, MAX_NOTE_CHARS, noteOf, pendingApprovals, type WebDecision } from './approvals';
import { KrNotFoundError, krDetail, ruleHitList } from './kr-detail';
import { getKeyResult } from '../../storage/repos/okrs';
import { cycles as cyclesTable } from '../../storage/schema';
import { and, eq } from 'drizzle-orm';
import { endSession, startSession } from './session';
import { contentSecurityPolicy, sameOriginRequest } from './headers';
import { ssoRoutes } from './sso';
import { reviewPageRoutes } from './review';
import { wecomH5Page } from './sso-wecom-h5';
import { claimsOf, NoOrgError, resolveViewer, type Viewer } from './viewer';
import { teamsPageRoutes } from './teams';
import { canEditRules, previewData, ruleBuilderRoutes, RULE_BUILDER_JS } from './rule-builder';
import { hitHistory } from './rule-builder-data';
import { getRule } from '../rules/repo';

type Ctx = Context<AppEnv>;
const LANG_COOKIE = 'polaris_lang';
/** The outcome of a form post (an approval decided on the page), shown once on the next page view. */
const FLASH_COOKIE = 'polaris_flash';

function setFlash(c: Ctx, flash: WebDecision) {
  // setCookie percent-encodes the value and getCookie decodes it.
  const value = JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, 300) });
  setCookie(c, FLASH_COOKIE, value, { path: '/dashboard', sameSite: 'Strict', httpOnly: true, maxAge: 60 });
}

function takeFlash(c: Ctx): WebDecision | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: '/dashboard' });
  try {
    const v = JSON.parse(raw) as Partial<WebDecision>;
    const kinds = ['success', 'info', 'warning', 'error'];
    if (typeof v.text !== 'string' || !kinds.includes(String(v.kind))) return undefined;
    return { kind: v.kind as WebDecision['kind'], text: v.text.slice(0, 300) };
  } catch {
    return undefined;
  }
}

const timeZoneOf = (c: Ctx, viewer: Viewer) => viewer.org.settings?.timezone ?? c.get('deps').config.defaultTimezone;

/** ?lang= (remembered in a cookie) → the cookie → the signed-in person's locale → Chinese. */
function localeFor(c: Ctx, viewer?: Viewer): Locale {
  const asked = c.req.query('lang');
  if (asked) {
    const locale = toLocale(asked);
    setCookie(c, LANG_COOKIE, locale, { path: '/dashboard', sameSite: 'Lax', maxAge: 365 * 86_400 });
    return locale;
  }
  const saved = getCookie(c, LANG_COOKIE);
  if (saved) return toLocale(saved);
  return toLocale(viewer?.person?.locale);
}

function dashMessages(locale: Locale): Record<string, string> {
  return Object.fromEntries(Object.entries(catalogues[locale]).filter(([k]) => k.startsWith('dash.')));
}

async function queryFor(c: Ctx, viewer: Viewer): Promise<(RollupQuery & { cycle: Cycle }) | undefined> {
  const { store, clock, config } = c.get('deps');
  const timeZone = viewer.org.settings?.timezone ?? config.defaultTimezone;
  const now = clock.now();
  const cycle = await resolveCycle(store, viewer.org.id, c.req.query('cycle') || undefined, localDate(now, timeZone));
  return cycle ? { orgId: viewer.org.id, cycle, now, timeZone } : undefined;
}

/** The viewer, or a 401 (login page for pages, JSON for data). */
async function viewerOr401(c: Ctx, kind: 'page' | 'data'): Promise<Viewer | Response> {
  const { config } = c.get('deps');
  // A wrong `Authorization: Bearer` counts against the address like a wrong login (claimsOf records it); a blocked
  // address is refused before its token is even looked at.
  const { authThrottle, clientOf } = c.get('deps');
  const wait = c.req.header('authorization') ? authThrottle.retryAfterSeconds(clientOf(c)) : 0;
  if (wait) {
    c.header('Retry-After', String(wait));
    if (kind === 'data')
      return c.json({ error: { code: 'too_many_attempts', message: t('en', 'dash.login.throttled') } }, 429);
    return c.html(<LoginPage locale={localeFor(c)} message="dash.login.throttled" />, 429);
  }
  const claims = await claimsOf(c);
  let viewer: Viewer | undefined;
  try {
    viewer = claims ? await resolveViewer(c, claims) : undefined;
  } catch (err) {
    if (!(err instanceof NoOrgError)) throw err;
    return kind === 'page'
      ? c.html(<MessagePage locale={localeFor(c)} text={t(localeFor(c), 'dash.noOrg')} />, 404)
      : c.json({ error: { code: 'not_found', message: err.message } }, 404);
  }
  if (viewer) return viewer;
  const message = !config.adminToken ? 'dash.login.disabled' : 'dash.login.required';
  if (kind === 'data') return c.json({ error: { code: 'unauthorized', message: t('en', message) } }, 401);
  return c.html(<LoginPage locale={localeFor(c)} message={message} disabled={!config.adminToken} />, 401);
}

function dataError(c: Ctx, err: unknown): Response {
  if (err instanceof HiddenError)
    return c.json({ error: { code: 'forbidden', message: 'You may not see this objective.' } }, 403);
  if (err instanceof UnknownObjectiveError) return c.json({ error: { code: 'not_found', message: err.message } }, 404);
  throw err;
}

const TreeParams = z.object({
  root: z.string().min(1).max(200).optional(),
  depth: z.coerce.number().int().min(0).max(10).default(1),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});

export function dashboardRoutes() {
  const web = new Hono<AppEnv>();

  // Security headers for every dashboard response: a CSP that runs only our own scripts (and
  // the operator's ECHARTS_URL / WECOM_JSSDK_URL), no framing (the platforms' workbenches open
  // the page as a top-level H5 view, not a frame), no sniffing.
  web.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', contentSecurityPolicy(c.env));
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.res.headers.get('cache-control')) c.header('Cache-Control', 'no-store');
  });
  // State-changing requests must come from our own pages (login CSRF, forced logout).
  web.use('*', async (c, next) => {
    if (!sameOriginRequest(c, c.get('deps').config.publicUrl)) {
      const locale = localeFor(c);
      return c.html(<MessagePage locale={locale} text={t(locale, 'dash.crossOrigin')} />, 403);
    }
    await next();
  });

  // The dashboard's small scripts, each served from a string built into the bundle.
  const scripts: Record<string, string> = {
    'dashboard.js': DASHBOARD_JS,
    'connectors.js': CONNECTORS_JS,
    'rule-builder.js': RULE_BUILDER_JS,
  };
  for (const [name, source] of Object.entries(scripts))
    web.get(`/assets/${name}`, (c) =>
      c.body(source, 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=300',
      }),
    );
  web.get('/assets/dashboard.css', (c) =>
    c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }),
  );
  web.get('/assets/echarts.min.js', async (c) => {
    const source = await echartsSource();
    if (!source)
      return c.text('ECharts is not bundled in this runtime; set ECHARTS_URL (see src/web/package-assets.ts).', 404);
    return c.body(source, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400',
    });
  });

  web.get('/login', (c) =>
    c.html(
      <LoginPage
        locale={localeFor(c)}
        disabled={!c.get('deps').config.adminToken}
        message={c.get('deps').config.adminToken ? undefined : 'dash.login.disabled'}
      />,
    ),
  );
  web.post('/login', async (c) => {
    const { config, clock } = c.get('deps');
    const locale = localeFor(c);
    if (!config.adminToken) return c.html(<LoginPage locale={locale} message="dash.login.disabled" disabled />, 401);
    const { authThrottle, clientOf } = c.get('deps');
    const wait = authThrottle.retryAfterSeconds(clientOf(c));
    if (wait) {
      c.header('Retry-After', String(wait));
      return c.html(<LoginPage locale={locale} message="dash.login.throttled" />, 429);
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (!token || !timingSafeEqualStrings(token, config.adminToken)) {
      if (token) authThrottle.fail(clientOf(c));
      return c.html(<LoginPage locale={locale} message="dash.login.invalid" />, 401);
    }
    await startSession(
      c,
      { store: c.get('deps').store, adminToken: config.adminToken, publicUrl: config.publicUrl },
      { sub: 'admin', via: 'token' },
      clock.now(),
    );
    return c.redirect('/dashboard', 303);
  });
  web.post('/logout', async (c) => {
    const { store, config } = c.get('deps');
    await endSession(c, { store, adminToken: config.adminToken });
    return c.redirect('/dashboard/login', 303);
  });
  web.route('/sso', ssoRoutes);
  web.route('/teams', teamsPageRoutes);
  web.route(
    '/review',
    reviewPageRoutes({
      viewerOr401,
      localeFor,
      message: (c, locale, text, status) => c.html(<MessagePage locale={locale} text={text} />, status),
    }),
  );

  web.use('/', wecomH5Page);
  web.get('/', async (c) => {
    const viewer = await viewerOr401(c, 'page');
    if (viewer instanceof Response) return viewer;
    const { store } = c.get('deps');
    const locale = localeFor(c, viewer);
    const q = await queryFor(c, viewer);
    const admin = viewer.scope.kind === 'all';
    let stats: (Awaited<ReturnType<typeof loadStats>> & { scoreTenths: number[] }) | undefined;
    if (q && admin) {
      const rollup = await loadRollup(store, q, { krStatus: true });
      stats = { ...(await loadStats(store, q, rollup)), scoreTenths: rollup.scoreTenths };
    }
    const { clock } = c.get('deps');
    const team = q && viewer.scope.kind === 'team' ? await teamFigures(store, q, viewer.scope) : undefined;
    const [cycleList, approvals, rules] = await Promise.all([
      listCycles(store, viewer.org.id),
      pendingApprovals(store, {
        orgId: viewer.org.id,
        scope: viewer.scope,
        viewerId: viewer.person?.id,
        locale,
        timeZone: timeZoneOf(c, viewer),
        now: clock.now(),
      }),
      admin ? rulesWithHits(store, viewer.org.id) : Promise.resolve(undefined),
    ]);
    return c.html(
      <DashboardPage
        locale={locale}
        viewer={viewer}
        cycles={cycleList}
        cycleId={q?.cycle.id}
        stats={stats}
        team={team}
        approvals={approvals}
        rules={rules}
        canEditRules={canEditRules(viewer)}
        flash={takeFlash(c)}
        echartsUrl={echartsUrl(c.env)}
        messages={dashMessages(locale)}
      />,
    );
  });

  web.route('/connectors', connectorPageRoutes({ viewerOr401, localeFor }));

  // Approve or reject from the dashboard: a plain form post (works without JavaScript), same-origin checked
  // above, then back to the page with the outcome. The decision is the card's (src/web/approvals.ts).
  web.post('/approvals/:id', async (c) => {
    const viewer = await viewerOr401(c, 'page');
    if (viewer instanceof Response) return viewer;
    const locale = localeFor(c, viewer);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const decision = form.decision;
    const note = noteOf(form.note);
    let outcome: WebDecision;
    if (decision !== 'approve' && decision !== 'reject')
      outcome = { kind: 'error', text: t(locale, 'dash.approvals.badDecision') };
    else if (note === undefined)
      outcome = { kind: 'error', text: t(locale, 'dash.approvals.noteTooLong', { max: MAX_NOTE_CHARS }) };
    else
      outcome = await decideOnDashboard(c.get('deps'), viewer, locale, {
        id: c.req.param('id'),
        decision,
        note: decision === 'reject' ? note : null,
      });
    setFlash(c, outcome);
    const back = new URLSearchParams();
    const cycle = typeof form.cycle === 'string' ? form.cycle.slice(0, 64) : '';
    if (cycle) back.set('cycle', cycle);
    if (viewer.orgs.length > 1) back.set('org', viewer.org.slug);
    const query = back.toString();
    return c.redirect(`/dashboard${query ? `?${query}` : ''}#approvals-h`, 303);
  });

  // A KR's page: values, history and chart, pending adjustment, alerts. Its cycle is the KR's own.
  web.get('/kr/:id', async (c) => {
    const viewer = await viewerOr401(c, 'page');
    if (viewer instanceof Response) return viewer;
    const locale = localeFor(c, viewer);
    const { store, clock } = c.get('deps');
    const id = c.req.param('id');
    const kr = id.length <= 64 ? await getKeyResult(store, viewer.org.id, id) : undefined;
    const [cycle] = kr
      ? await store.db
          .select()
          .from(cyclesTable)
          .where(and(eq(cyclesTable.orgId, viewer.org.id), eq(cyclesTable.id, kr.cycleId)))
          .limit(1)
      : [];
    if (!kr || !cycle) return c.html(<MessagePage locale={locale} text={t(locale, 'dash.kr.notFound')} back />, 404);
    try {
      const timeZone = timeZoneOf(c, viewer);
      const detail = await krDetail(store, {
        orgId: viewer.org.id,
        scope: viewer.scope,
        id,
        locale,
        timeZone,
        now: clock.now(),
        cycle,
      });
      return c.html(<KrPage locale={locale} viewer={viewer} detail={detail} timeZone={timeZone} />);
    } catch (err) {
      if (err instanceof HiddenError)
        return c.html(<MessagePage locale={locale} text={t(locale, 'dash.forbidden')} back />, 403);
      if (err instanceof KrNotFoundError)
        return c.html(<MessagePage locale={locale} text={t(locale, 'dash.kr.notFound')} back />, 404);
      throw err;
    }
  });

  // The rule builder (admins): /rules/new, /rules/:id/edit, /rules/:id/mode. Before /rules/:id, which would take "new".
  const builderHelpers = {
    viewerOr401,
    localeFor,
    message: (c: Ctx, locale: Locale, text: string, status: 403 | 404) =>
      c.html(<MessagePage locale={locale} text={text} back />, status),
    flash: setFlash,
  };
  web.route('/rules', ruleBuilderRoutes(builderHelpers));

  // Who a rule hits, with their values, and its hits per period: for whole-org viewers, like the rule counts.
  // Administrators also get the observe ⇄ enforce switch and the edit link.
  web.get('/rules/:id', async (c) => {
    const viewer = await viewerOr401(c, 'page');
    if (viewer instanceof Response) return viewer;
    const locale = localeFor(c, viewer);
    if (viewer.scope.kind !== 'all')
      return c.html(<MessagePage locale={locale} text={t(locale, 'dash.rules.forWhole')} back />, 403);
    const timeZone = timeZoneOf(c, viewer);
    const list = await ruleHitList(c.get('deps').store, {
      orgId: viewer.org.id,
      ruleId: c.req.param('id'),
      timeZone,
      locale,
      now: c.get('deps').clock.now(),
    });
    if (!list) return c.html(<MessagePage locale={locale} text={t(locale, 'dash.rules.notFound')} back />, 404);
    const { store } = c.get('deps');
    const [row, history] = await Promise.all([
      getRule(store, viewer.org.id, list.rule.id),
      hitHistory(store, viewer.org.id, list.rule.id),
    ]);
    const notice = c.req.query('saved')
      ? t(locale, 'dash.builder.saved')
      : c.req.query('mode') === 'enforce' || c.req.query('mode') === 'observe'
        ? t(locale, 'dash.builder.modeChanged', {
            mode: t(locale, c.req.query('mode') === 'enforce' ? 'dash.rules.enforce' : 'dash.rules.observe'),
          })
        : undefined;
    return c.html(
      <RuleHitsPage
        locale={locale}
        viewer={viewer}
        list={list}
        timeZone={timeZone}
        rule={row ? { id: row.id, mode: row.mode, enabled: row.enabled, builtin: row.builtin } : undefined}
        history={history}
        canEdit={canEditRules(viewer)}
        notice={notice}
      />,
    );
  });

  // JSON for the page's script.
  const data = new Hono<AppEnv>();
  const withQuery = async (c: Ctx, run: (viewer: Viewer, q: RollupQuery & { cycle: Cycle }) => Promise<Response>) => {
    const viewer = await viewerOr401(c, 'data');
    if (viewer instanceof Response) return viewer;
    const q = await queryFor(c, viewer);
    if (!q) return c.json({ error: { code: 'not_found', message: 'No cycle matches.' } }, 404);
    try {
      return await run(viewer, q);
    } catch (err) {
      return dataError(c, err);
    }
  };
  data.get('/tree', (c) =>
    withQuery(c, async (viewer, q) => {
      const parsed = TreeParams.safeParse({
        root: c.req.query('root') || undefined,
        depth: c.req.query('depth') || undefined,
        limit: c.req.query('limit') || undefined,
      });
      if (!parsed.success)
        return c.json(
          { error: { code: 'bad_request', message: 'Invalid tree query', details: parsed.error.issues } },
          400,
        );
      const page = await treePage(c.get('deps').store, q, viewer.scope, {
        rootId: parsed.data.root,
        depth: parsed.data.depth,
        maxNodes: parsed.data.limit,
      });
      return c.json({ cycleId: q.cycle.id, scope: viewer.scope.kind, ...page });
    }),
  );
  data.get('/node/:id', (c) =>
    withQuery(c, async (viewer, q) =>
      c.json(await nodeDetail(c.get('deps').store, q, viewer.scope, c.req.param('id'))),
    ),
  );
  data.get('/path/:id', (c) =>
    withQuery(c, async (viewer, q) =>
      c.json({ path: await pathTo(c.get('deps').store, q, viewer.scope, c.req.param('id')) }),
    ),
  );
  data.get('/search', (c) =>
    withQuery(c, async (viewer, q) => {
      const text = (c.req.query('q') ?? '').trim().slice(0, 100);
      if (!text) return c.json({ people: [] });
      return c.json({ people: await searchPeople(c.get('deps').store, q, viewer.scope, text) });
    }),
  );
  data.get('/cycles', async (c) => {
    const viewer = await viewerOr401(c, 'data');
    if (viewer instanceof Response) return viewer;
    return c.json({ cycles: await listCycles(c.get('deps').store, viewer.org.id) });
  });
  data.get('/stats', (c) =>
    withQuery(c, async (viewer, q) => {
      if (viewer.scope.kind !== 'all')
        return c.json({ error: { code: 'forbidden', message: 'Organisation figures are for administrators.' } }, 403);
      const store = c.get('deps').store;
      const rollup = await loadRollup(store, q, { krStatus: true });
      return c.json({ ...(await loadStats(store, q, rollup)), scoreTenths: rollup.scoreTenths });
    }),
  );
  data.get('/approvals', async (c) => {
    const viewer = await viewerOr401(c, 'data');
    if (viewer instanceof Response) return viewer;
    return c.json({
      approvals: await pendingApprovals(c.get('deps').store, {
        orgId: viewer.org.id,
        scope: viewer.scope,
        viewerId: viewer.person?.id,
        locale: localeFor(c, viewer),
        timeZone: timeZoneOf(c, viewer),
        now: c.get('deps').clock.now(),
      }),
    });
  });
  data.get('/rules', async (c) => {
    const viewer = await viewerOr401(c, 'data');
    if (viewer instanceof Response) return viewer;
    if (viewer.scope.kind !== 'all')
      return c.json({ error: { code: 'forbidden', message: 'Rules are for administrators.' } }, 403);
    return c.json({ rules: await rulesWithHits(c.get('deps').store, viewer.org.id) });
  });
  // The rule builder's live preview: the form's rule through the API's checks and previewRule (src/web/rule-builder.tsx).
  data.post('/rules/preview', (c) => previewData(c, { viewerOr401, localeFor }));
  // The cycle's objectives and KRs as a file (src/api/export.ts), for administrators as the API is.
  data.get('/export', (c) =>
    withQuery(c, async (viewer, q) => {
      if (viewer.scope.kind !== 'all')
        return c.json({ error: { code: 'forbidden', message: 'Exports are for administrators.' } }, 403);
      let format: ExportFormat;
      try {
        format = parseExportFormat(c.req.query('format'));
      } catch (err) {
        return c.json({ error: { code: 'bad_request', message: (err as Error).message } }, 400);
      }
      const locale = localeFor(c, viewer);
      const data = await okrExport(c.get('deps').store, {
        org: viewer.org,
        cycle: q.cycle,
        now: q.now,
        timeZone: q.timeZone ?? c.get('deps').config.defaultTimezone,
        locale,
      });
      return exportResponse(c, format, q.cycle, data, locale);
    }),
  );
  web.route('/data', data);
  return web;
}
