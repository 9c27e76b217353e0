// Server-rendered dashboard pages (hono/jsx). Everything readable works without
// JavaScript (figures, approvals and rules are tables); the client script adds the
// interactive tree, the side panel and the ECharts charts.
import type { Child } from 'hono/jsx';
import { t, type Locale, type MessageKey } from '../../core/i18n';
import type { OrgStats } from '../../storage/repos/stats';
import type { PendingApproval, RuleHits } from './data';
import type { Viewer } from './viewer';

const STATUSES = ['done', 'on_track', 'at_risk', 'off_track', 'not_started'] as const;

/** JSON inside <script type="application/json">: `<` escaped so no `</script>` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function Layout(props: { locale: Locale; title: string; children: Child; scripts?: Child }) {
  return (
    <html lang={props.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          {t(props.locale, 'dash.skip')}
        </a>
        {props.children}
        {props.scripts}
      </body>
    </html>
  );
}

function LangToggle(props: { locale: Locale; href: (lang: Locale) => string }) {
  const other: Locale = props.locale === 'en' ? 'zh-CN' : 'en';
  return (
    <a
      class="lang"
      href={props.href(other)}
      lang={other}
      hreflang={other}
      aria-label={t(props.locale, 'dash.lang.label')}
    >
      {other === 'en' ? 'English' : '中文'}
    </a>
  );
}

export function LoginPage(props: { locale: Locale; message?: MessageKey; disabled?: boolean }) {
  const L = props.locale;
  return (
    <Layout locale={L} title={t(L, 'dash.login.title')}>
      <main id="main" class="login">
        <h1>{t(L, 'dash.login.title')}</h1>
        <LangToggle locale={L} href={(lang) => `/dashboard/login?lang=${lang}`} />
        {props.message && (
          <p class="notice" role="alert">
            {t(L, props.message)}
          </p>
        )}
        {props.disabled ? null : (
          <form method="post" action="/dashboard/login">
            <label for="token">{t(L, 'dash.login.token')}</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required />
            <button type="submit">{t(L, 'dash.login.submit')}</button>
          </form>
        )}
        <p class="hint">{t(L, 'dash.login.hint')}</p>
      </main>
    </Layout>
  );
}

export function MessagePage(props: { locale: Locale; text: string }) {
  return (
    <Layout locale={props.locale} title={t(props.locale, 'dash.title')}>
      <main id="main" class="login">
        <h1>{t(props.locale, 'dash.title')}</h1>
        <p class="notice" role="alert">
          {props.text}
        </p>
        <p>
          <a href="/dashboard/login">{t(props.locale, 'dash.login.submit')}</a>
        </p>
      </main>
    </Layout>
  );
}

export interface DashboardProps {
  locale: Locale;
  viewer: Viewer;
  cycles: { id: string; name: string }[];
  cycleId?: string;
  stats?: OrgStats & { scoreTenths: number[] };
  approvals: PendingApproval[];
  rules?: RuleHits[];
  echartsUrl: string;
  /** Client messages: every dash.* key in the page's language. */
  messages: Record<string, string>;
}

function FiguresSection({ L, stats }: { L: Locale; stats: NonNullable<DashboardProps['stats']> }) {
  const kpis = [
    { id: 'kpi-alignment', key: 'dash.figures.alignment' as const, value: pct(stats.alignmentRate) },
    { id: 'kpi-checkin', key: 'dash.figures.checkIn' as const, value: pct(stats.checkInRate) },
    { id: 'kpi-adjustment', key: 'dash.figures.adjustment' as const, value: String(stats.adjustmentRatePer100) },
  ];
  return (
    <section class="card figures" aria-labelledby="figures-h">
      <h2 id="figures-h">{t(L, 'dash.figures.title')}</h2>
      <p class="muted">
        {t(L, 'dash.figures.summary', {
          people: stats.people,
          objectives: stats.objectives,
          average: stats.scoreDistribution.average,
        })}
      </p>
      <div class="kpis">
        {kpis.map((k) => (
          <figure class="kpi">
            <div class="chart gauge" id={`${k.id}-chart`} role="img" aria-label={`${t(L, k.key)}: ${k.value}`}></div>
            <figcaption>
              <span class="kpi-value" id={k.id}>
                {k.value}
              </span>{' '}
              <span>{t(L, k.key)}</span>
            </figcaption>
          </figure>
        ))}
      </div>
      <div class="charts">
        <figure>
          <figcaption>{t(L, 'dash.figures.byStatus')}</figcaption>
          <div
            class="chart"
            id="status-chart"
            role="img"
            aria-label={STATUSES.map((s) => `${t(L, `dash.status.${s}`)} ${stats.byStatus.objectives[s]}`).join(', ')}
          ></div>
          <table class="data">
            <thead>
              <tr>
                {STATUSES.map((s) => (
                  <th scope="col">{t(L, `dash.status.${s}`)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                {STATUSES.map((s) => (
                  <td>{stats.byStatus.objectives[s]}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </figure>
        <figure>
          <figcaption>{t(L, 'dash.figures.scores')}</figcaption>
          <div
            class="chart"
            id="score-chart"
            role="img"
            aria-label={stats.scoreTenths.map((n, i) => `${(i / 10).toFixed(1)}: ${n}`).join(', ')}
          ></div>
          <table class="data">
            <thead>
              <tr>
                {stats.scoreTenths.map((_, i) => (
                  <th scope="col">{(i / 10).toFixed(1)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                {stats.scoreTenths.map((n) => (
                  <td>{n}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </figure>
      </div>
      <p class="muted nocharts" hidden>
        {t(L, 'dash.figures.noCharts')}
      </p>
    </section>
  );
}

function change(a: PendingApproval): string {
  const fmt = (o: Record<string, unknown> | null) =>
    o
      ? Object.values(o)
          .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)))
          .join(', ')
      : '';
  const from = fmt(a.current);
  const to = fmt(a.proposed);
  return from ? `${from} → ${to}` : to;
}

function ApprovalsSection({ L, approvals }: { L: Locale; approvals: PendingApproval[] }) {
  return (
    <section class="card" aria-labelledby="approvals-h">
      <h2 id="approvals-h">
        {t(L, 'dash.approvals.title')} <span class="count">{approvals.length}</span>
      </h2>
      {approvals.length === 0 ? (
        <p class="empty">{t(L, 'dash.approvals.empty')}</p>
      ) : (
        <table class="list" id="approvals">
          <thead>
            <tr>
              <th scope="col">{t(L, 'dash.approvals.requester')}</th>
              <th scope="col">{t(L, 'dash.approvals.change')}</th>
              <th scope="col">{t(L, 'dash.approvals.approver')}</th>
              <th scope="col">{t(L, 'dash.approvals.since')}</th>
            </tr>
          </thead>
          <tbody>
            {approvals.map((a) => (
              <tr>
                <td>{a.requester}</td>
                <td>
                  <strong>{t(L, `dash.kind.${a.kind}` as MessageKey)}</strong>
                  {a.krTitle ? ` · ${a.krTitle}` : ''}
                  <br />
                  <span class="muted">
                    {change(a)}
                    {a.reason ? ` — ${a.reason}` : ''}
                  </span>
                </td>
                <td>{a.approver ?? '—'}</td>
                <td>
                  <time datetime={a.createdAt}>{a.createdAt.slice(0, 16).replace('T', ' ')}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RulesSection({ L, rules }: { L: Locale; rules: RuleHits[] }) {
  return (
    <section class="card" aria-labelledby="rules-h">
      <h2 id="rules-h">{t(L, 'dash.rules.title')}</h2>
      {rules.length === 0 ? (
        <p class="empty">{t(L, 'dash.rules.empty')}</p>
      ) : (
        <table class="list" id="rules">
          <thead>
            <tr>
              <th scope="col">{t(L, 'dash.rules.name')}</th>
              <th scope="col">{t(L, 'dash.rules.mode')}</th>
              <th scope="col">{t(L, 'dash.rules.firing')}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr>
                <td>{r.name}</td>
                <td>
                  {r.enabled
                    ? t(L, r.mode === 'enforce' ? 'dash.rules.enforce' : 'dash.rules.observe')
                    : t(L, 'dash.rules.disabled')}
                </td>
                <td>
                  <span class={r.firing ? 'hits firing' : 'hits'}>{r.firing}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function DashboardPage(p: DashboardProps) {
  const L = p.locale;
  const { viewer } = p;
  const orgParam = viewer.orgs.length > 1 ? `&org=${encodeURIComponent(viewer.org.slug)}` : '';
  const cycleParam = p.cycleId ? `&cycle=${encodeURIComponent(p.cycleId)}` : '';
  const config = {
    cycle: p.cycleId ?? null,
    org: viewer.orgs.length > 1 ? viewer.org.slug : null,
    locale: L,
    scope: viewer.scope.kind,
    messages: p.messages,
    stats: p.stats
      ? {
          alignmentRate: p.stats.alignmentRate,
          checkInRate: p.stats.checkInRate,
          adjustmentRatePer100: p.stats.adjustmentRatePer100,
          byStatus: p.stats.byStatus.objectives,
          scoreTenths: p.stats.scoreTenths,
        }
      : null,
  };
  return (
    <Layout
      locale={L}
      title={`${t(L, 'dash.title')} · ${viewer.org.name}`}
      scripts={
        <>
          <script id="dash-config" type="application/json" dangerouslySetInnerHTML={{ __html: scriptJson(config) }} />
          {p.stats && <script src={p.echartsUrl} defer></script>}
          <script src="/dashboard/assets/dashboard.js" defer></script>
        </>
      }
    >
      <header class="top">
        <h1>
          {t(L, 'dash.title')} <span class="org">{viewer.org.name}</span>
        </h1>
        <form method="get" action="/dashboard" class="pickers">
          {viewer.orgs.length > 1 && (
            <>
              <label for="org-select">{t(L, 'dash.org')}</label>
              <select id="org-select" name="org">
                {viewer.orgs.map((o) => (
                  <option value={o.slug} selected={o.id === viewer.org.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </>
          )}
          <label for="cycle-select">{t(L, 'dash.cycle')}</label>
          <select id="cycle-select" name="cycle">
            {p.cycles.map((c) => (
              <option value={c.id} selected={c.id === p.cycleId}>
                {c.name}
              </option>
            ))}
          </select>
          <button type="submit">{t(L, 'dash.apply')}</button>
        </form>
        <div class="who">
          {viewer.scope.kind === 'all' && (
            <a href={`/dashboard/review?org=${encodeURIComponent(viewer.org.slug)}${cycleParam}`} id="review-link">
              {t(L, 'dash.review.link')}
            </a>
          )}
          <span>{t(L, 'dash.signedInAs', { name: viewer.person?.name ?? t(L, 'dash.admin') })}</span>
          <LangToggle locale={L} href={(lang) => `/dashboard?lang=${lang}${orgParam}${cycleParam}`} />
          <form method="post" action="/dashboard/logout">
            <button type="submit" class="link">
              {t(L, 'dash.logout')}
            </button>
          </form>
        </div>
      </header>
      <main id="main">
        {!p.cycleId ? (
          <p class="notice" role="alert">
            {t(L, 'dash.noCycle')}
          </p>
        ) : (
          <div class="layout">
            <section class="card tree-card" aria-labelledby="tree-h">
              <h2 id="tree-h">{t(L, 'dash.tree.title')}</h2>
              <p class="muted">{t(L, `dash.scope.${viewer.scope.kind}`)}</p>
              <form id="search" role="search" class="search">
                <label for="search-input">{t(L, 'dash.tree.search')}</label>
                <input
                  id="search-input"
                  name="q"
                  type="search"
                  placeholder={t(L, 'dash.tree.searchPlaceholder')}
                  autocomplete="off"
                />
                <button type="submit">{t(L, 'dash.tree.searchButton')}</button>
              </form>
              <div id="search-results" aria-live="polite"></div>
              <div id="tree" role="tree" aria-labelledby="tree-h" aria-busy="true">
                <p class="muted">{t(L, 'dash.tree.loading')}</p>
              </div>
              <p id="tree-status" class="muted" aria-live="polite"></p>
            </section>
            <aside id="panel" class="card panel" aria-labelledby="panel-h" tabindex={-1}>
              <h2 id="panel-h">{t(L, 'dash.panel.title')}</h2>
              <div id="panel-body">
                <p class="muted">{t(L, 'dash.panel.hint')}</p>
              </div>
              <p class="footnote" id="contribution-footnote">
                {t(L, 'dash.panel.footnote')}
              </p>
            </aside>
          </div>
        )}
        {p.stats ? <FiguresSection L={L} stats={p.stats} /> : null}
        <div class="two">
          <ApprovalsSection L={L} approvals={p.approvals} />
          {p.rules && <RulesSection L={L} rules={p.rules} />}
        </div>
      </main>
    </Layout>
  );
}
