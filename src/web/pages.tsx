// Server-rendered dashboard pages (hono/jsx). Everything readable works without
// JavaScript (figures, approvals and rules are tables); the client script adds the
// interactive tree, the side panel and the ECharts charts.
import type { Child } from 'hono/jsx';
import { t, type Locale, type MessageKey } from '../../core/i18n';
import type { OrgStats } from '../../storage/repos/stats';
import type { RuleHits, TeamFigures } from './data';
import type { PendingApproval, WebDecision } from './approvals';
import type { KrDetail, RuleHit } from './kr-detail';
import type { Viewer } from './viewer';

const STATUSES = ['done', 'on_track', 'at_risk', 'off_track', 'not_started'] as const;

/** The objectives per status as a small table: the readable twin of a status chart. */
function StatusCounts({ L, counts }: { L: Locale; counts: Record<(typeof STATUSES)[number], number> }) {
  return (
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
            <td>{counts[s]}</td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}

/** JSON inside <script type="application/json">: `<` escaped so no `</script>` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

export function Layout(props: { locale: Locale; title: string; children: Child; scripts?: Child }) {
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

export function LangToggle(props: { locale: Locale; href: (lang: Locale) => string }) {
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

export function MessagePage(props: { locale: Locale; text: string; back?: boolean }) {
  return (
    <Layout locale={props.locale} title={t(props.locale, 'dash.title')}>
      <main id="main" class="login">
        <h1>{t(props.locale, 'dash.title')}</h1>
        <p class="notice" role="alert">
          {props.text}
        </p>
        <p>
          {props.back ? (
            <a href="/dashboard">{t(props.locale, 'dash.kr.back')}</a>
          ) : (
            <a href="/dashboard/login">{t(props.locale, 'dash.login.submit')}</a>
          )}
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
  /** A team lead's own figures (their people and subtree). */
  team?: TeamFigures;
  approvals: PendingApproval[];
  rules?: RuleHits[];
  /** Administrators get the rule builder's links (new rule, edit). */
  canEditRules?: boolean;
  /** The outcome of the last form post (an approval decided here). */
  flash?: WebDecision;
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
          <StatusCounts L={L} counts={stats.byStatus.objectives} />
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

function TeamFiguresSection({ L, team }: { L: Locale; team: TeamFigures }) {
  const total = Math.max(1, team.objectives);
  return (
    <section class="card figures" aria-labelledby="team-figures-h" id="team-figures">
      <h2 id="team-figures-h">{t(L, 'dash.figures.teamTitle')}</h2>
      <p class="muted">
        {t(L, 'dash.figures.teamSummary', {
          people: team.people,
          checkedIn: team.checkedIn,
          objectives: team.objectives,
          average: pct(team.averageProgress),
        })}
      </p>
      <div
        class="stack"
        role="img"
        aria-label={STATUSES.map((s) => `${t(L, `dash.status.${s}`)} ${team.byStatus[s]}`).join(', ')}
      >
        {STATUSES.filter((s) => team.byStatus[s] > 0).map((s) => (
          <span class={`seg s-${s}`} style={`width:${(team.byStatus[s] / total) * 100}%`}></span>
        ))}
      </div>
      <StatusCounts L={L} counts={team.byStatus} />
    </section>
  );
}

function ApprovalsSection({ L, approvals, cycleId }: { L: Locale; approvals: PendingApproval[]; cycleId?: string }) {
  return (
    <section class="card" aria-labelledby="approvals-h">
      <h2 id="approvals-h">
        {t(L, 'dash.approvals.title')} <span class="count">{approvals.length}</span>
      </h2>
      {approvals.length === 0 ? (
        <p class="empty">{t(L, 'dash.approvals.empty')}</p>
      ) : (
        <ul class="approvals" id="approvals">
          {approvals.map((a) => (
            <li class="approval" data-id={a.id}>
              <div class="approval-head">
                <span class="name">{a.requester}</span>
                <span class="kind">{t(L, `dash.kind.${a.kind}` as MessageKey)}</span>
                <time class="muted small" datetime={a.createdAt}>
                  {a.createdLocal}
                </time>
              </div>
              {a.objectiveTitle && (
                <div class="muted small">
                  {t(L, 'dash.approvals.objective', { title: a.objectiveTitle })}
                  {a.krLabel ? ` · ${a.krLabel}` : ''}
                </div>
              )}
              <div class="change">{a.change}</div>
              {a.changedMeanwhile && (
                <div class="muted small">{t(L, 'dash.approvals.changedMeanwhile', { value: a.changedMeanwhile })}</div>
              )}
              {a.reason && <div class="reason">“{a.reason}”</div>}
              {a.canDecide ? (
                <form method="post" action={`/dashboard/approvals/${encodeURIComponent(a.id)}`} class="decide">
                  {cycleId && <input type="hidden" name="cycle" value={cycleId} />}
                  <label for={`note-${a.id}`} class="small muted">
                    {t(L, 'approval.rejectReasonPrompt')}
                  </label>
                  <textarea id={`note-${a.id}`} name="note" rows={1} maxlength={500}></textarea>
                  <div class="buttons">
                    <button type="submit" name="decision" value="approve" class="approve">
                      {t(L, 'approval.approve')}
                    </button>
                    <button type="submit" name="decision" value="reject" class="reject">
                      {t(L, 'approval.reject')}
                    </button>
                  </div>
                </form>
              ) : (
                <div class="muted small">{t(L, 'dash.approvals.notYours', { name: a.approver ?? '—' })}</div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RulesSection({ L, rules, canEdit, q }: { L: Locale; rules: RuleHits[]; canEdit?: boolean; q: string }) {
  return (
    <section class="card" aria-labelledby="rules-h">
      <h2 id="rules-h">{t(L, 'dash.rules.title')}</h2>
      {canEdit ? (
        <p>
          <a id="new-rule" class="button-link" href={`/dashboard/rules/new${q}`}>
            + {t(L, 'dash.builder.newRule')}
          </a>
        </p>
      ) : null}
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
              <tr data-rule={r.id}>
                <td>
                  <a href={`/dashboard/rules/${encodeURIComponent(r.id)}${q}`}>{r.name}</a>
                  {canEdit ? (
                    <>
                      {' · '}
                      <a class="small" href={`/dashboard/rules/${encodeURIComponent(r.id)}/edit${q}`}>
                        {t(L, 'dash.builder.edit')}
                      </a>
                    </>
                  ) : null}
                </td>
                <td>
                  {r.enabled
                    ? t(L, r.mode === 'enforce' ? 'dash.rules.enforce' : 'dash.rules.observe')
                    : t(L, 'dash.rules.disabled')}
                </td>
                <td>
                  {r.firing ? (
                    <a
                      class="hits firing"
                      href={`/dashboard/rules/${encodeURIComponent(r.id)}`}
                      aria-label={t(L, 'dash.rules.open', { n: r.firing })}
                    >
                      {r.firing}
                    </a>
                  ) : (
                    <span class="hits">0</span>
                  )}
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
        {/* Connectors are for administrators only (src/web/connectors.tsx), not every whole-org viewer. */}
        {(viewer.claims.sub === 'admin' || viewer.person?.role === 'admin') && (
          <nav class="pickers" aria-label={t(L, 'dash.title')}>
            <a href={`/dashboard/connectors${orgParam ? `?${orgParam.slice(1)}` : ''}`}>
              {t(L, 'dash.nav.connectors')}
            </a>
          </nav>
        )}
        <div class="who">
          {viewer.scope.kind === 'all' && (
            <a href={`/dashboard/review?org=${encodeURIComponent(viewer.org.slug)}${cycleParam}`} id="review-link">
              {t(L, 'dash.review.link')}
            </a>
          )}
          <span>{t(L, 'dash.signedInAs', { name: viewer.person?.name ?? t(L, 'dash.admin') })}</span>
          <LangToggle locale={L} href={(lang) => `/dashboard?lang=${lang}${orgParam}${cycleParam}`} />
          {(viewer.claims.sub === 'admin' || viewer.person?.role === 'admin') && (
            <a href={`/dashboard/teams${orgParam.replace('&', '?')}`}>{t(L, 'teamsPage.nav')}</a>
          )}
          <form method="post" action="/dashboard/logout">
            <button type="submit" class="link">
              {t(L, 'dash.logout')}
            </button>
          </form>
        </div>
      </header>
      <main id="main">
        {p.flash && (
          <p class={`notice flash f-${p.flash.kind}`} role="status" id="flash">
            {p.flash.text}
          </p>
        )}
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
        {p.team ? <TeamFiguresSection L={L} team={p.team} /> : null}
        {p.stats && p.cycleId ? (
          <section class="card export" aria-labelledby="export-h">
            <h2 id="export-h">{t(L, 'dash.export.title')}</h2>
            <p>
              <a
                id="export-csv"
                href={`/dashboard/data/export?format=csv&cycle=${encodeURIComponent(p.cycleId)}${orgParam}`}
              >
                {t(L, 'dash.export.csv')}
              </a>
              {' · '}
              <a
                id="export-xlsx"
                href={`/dashboard/data/export?format=xlsx&cycle=${encodeURIComponent(p.cycleId)}${orgParam}`}
              >
                {t(L, 'dash.export.xlsx')}
              </a>
            </p>
          </section>
        ) : null}
        <div class="two">
          <ApprovalsSection L={L} approvals={p.approvals} cycleId={p.cycleId} />
          {p.rules && (
            <RulesSection
              L={L}
              rules={p.rules}
              canEdit={p.canEditRules}
              q={p.viewer.orgs.length > 1 ? `?org=${encodeURIComponent(p.viewer.org.slug)}` : ''}
            />
          )}
        </div>
      </main>
    </Layout>
  );
}

/** A small inline SVG of a KR's check-ins: value (solid, against start and target) and confidence (dashed, 0–10). */
function HistoryChart({ L, d }: { L: Locale; d: KrDetail }) {
  const points = d.history;
  if (points.length === 0) return null;
  const W = 320;
  const H = 140;
  const pad = { l: 8, r: 8, t: 10, b: 18 };
  const times = points.map((p) => new Date(p.at).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const values = [d.kr.startValue, d.kr.targetValue, ...points.map((p) => p.value)];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const x = (ms: number) =>
    pad.l + (t1 === t0 ? (W - pad.l - pad.r) / 2 : ((ms - t0) / (t1 - t0)) * (W - pad.l - pad.r));
  const y = (v: number) => pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  const yc = (c: number) => pad.t + (1 - c / 10) * (H - pad.t - pad.b);
  const r = (n: number) => Math.round(n * 10) / 10;
  const valueLine = points.map((p, i) => `${r(x(times[i]))},${r(y(p.value))}`).join(' ');
  const conf = points.map((p, i) => (p.confidence == null ? null : `${r(x(times[i]))},${r(yc(p.confidence))}`));
  const confLine = conf.filter((c): c is string => c !== null).join(' ');
  const label = t(L, 'dash.kr.chart', {
    points: points.length,
    from: points[0].valueText,
    to: points[points.length - 1].valueText,
  });
  return (
    <figure class="kr-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} id="kr-chart" preserveAspectRatio="none">
        <title>{label}</title>
        <line x1={pad.l} x2={W - pad.r} y1={r(y(d.kr.targetValue))} y2={r(y(d.kr.targetValue))} class="target" />
        <line x1={pad.l} x2={W - pad.r} y1={r(y(d.kr.startValue))} y2={r(y(d.kr.startValue))} class="start" />
        {confLine && <polyline points={confLine} class="confidence" />}
        <polyline points={valueLine} class="value" />
        {points.map((p, i) => (
          <circle cx={r(x(times[i]))} cy={r(y(p.value))} r="3" class="point">
            <title>
              {`${p.atLocal} · ${p.valueText}${p.confidence == null ? '' : ` · ${t(L, 'dash.kr.confidence')} ${p.confidence}`}${p.note ? ` · ${p.note}` : ''}`}
            </title>
          </circle>
        ))}
        <text x={W - pad.r} y={Math.max(9, r(y(d.kr.targetValue)) - 2)} text-anchor="end" class="axis">
          {d.targetText}
        </text>
        <text x={pad.l} y={H - 4} class="axis">
          {points[0].atLocal.slice(5, 10)}
        </text>
        <text x={W - pad.r} y={H - 4} text-anchor="end" class="axis">
          {points[points.length - 1].atLocal.slice(5, 10)}
        </text>
      </svg>
      <figcaption class="muted small">{t(L, 'dash.kr.chartLegend')}</figcaption>
    </figure>
  );
}

function PageHeader({ L, viewer, title }: { L: Locale; viewer: Viewer; title: string }) {
  return (
    <header class="top">
      <h1>
        {title} <span class="org">{viewer.org.name}</span>
      </h1>
      <a href="/dashboard" class="back">
        ← {t(L, 'dash.kr.back')}
      </a>
    </header>
  );
}

export function KrPage({
  locale: L,
  viewer,
  detail: d,
  timeZone,
}: {
  locale: Locale;
  viewer: Viewer;
  detail: KrDetail;
  timeZone: string;
}) {
  return (
    <Layout locale={L} title={`${d.kr.title} · ${t(L, 'dash.kr.title')}`}>
      <PageHeader L={L} viewer={viewer} title={t(L, 'dash.kr.title')} />
      <main id="main" class="kr-page">
        <section class="card" aria-labelledby="kr-h">
          <h2 id="kr-h">{d.kr.title}</h2>
          <p class="muted">
            {t(L, 'dash.kr.objective', { title: d.objective.title })} · {d.objective.owner}
          </p>
          <p>
            <span class={`status s-${d.status}`}>{t(L, `dash.status.${d.status}` as MessageKey)}</span>{' '}
            <span
              class="progress"
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(d.progress * 100)}
              aria-label={t(L, 'dash.progress')}
            >
              <span class="bar">
                <span class="fill" style={`width:${Math.min(100, Math.round(d.progress * 100))}%`}></span>
              </span>
              <span class="pct">{Math.round(d.progress * 100)}%</span>
            </span>
          </p>
          <dl class="kr-values" id="kr-values">
            <div>
              <dt>{t(L, 'dash.kr.start')}</dt>
              <dd>{d.startText}</dd>
            </div>
            <div>
              <dt>{t(L, 'dash.kr.current')}</dt>
              <dd>{d.currentText}</dd>
            </div>
            <div>
              <dt>{t(L, 'dash.kr.target')}</dt>
              <dd>{d.targetText}</dd>
            </div>
            <div>
              <dt>{t(L, 'dash.kr.confidence')}</dt>
              <dd>{d.kr.confidence == null ? t(L, 'dash.kr.noConfidence') : `${d.kr.confidence}/10`}</dd>
            </div>
          </dl>
          {d.rolledCount > 0 && <p class="muted small">{t(L, 'dash.kr.rolled', { n: d.rolledCount })}</p>}
        </section>
        <section class="card" aria-labelledby="history-h">
          <h2 id="history-h">{t(L, 'dash.kr.history')}</h2>
          {d.history.length === 0 ? (
            <p class="empty">{t(L, 'dash.kr.noHistory')}</p>
          ) : (
            <>
              <HistoryChart L={L} d={d} />
              <table class="list" id="kr-history">
                <thead>
                  <tr>
                    <th scope="col">{t(L, 'dash.kr.when')}</th>
                    <th scope="col">{t(L, 'dash.kr.value')}</th>
                    <th scope="col">{t(L, 'dash.kr.confidence')}</th>
                    <th scope="col">{t(L, 'dash.kr.note')}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...d.history].reverse().map((h) => (
                    <tr>
                      <td class="nowrap">
                        <time datetime={h.at}>{h.atLocal}</time>
                      </td>
                      <td class="nowrap">{h.valueText}</td>
                      <td>{h.confidence ?? '—'}</td>
                      <td>
                        {h.note ?? ''}
                        {h.by ? <span class="muted small">{h.note ? ` · ${h.by}` : h.by}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p class="muted small">{t(L, 'dash.kr.timeZone', { tz: timeZone })}</p>
            </>
          )}
        </section>
        <section class="card" aria-labelledby="pending-h">
          <h2 id="pending-h">{t(L, 'dash.kr.pending')}</h2>
          {d.pending.length === 0 ? (
            <p class="empty">{t(L, 'dash.kr.noPending')}</p>
          ) : (
            <ul id="kr-pending">
              {d.pending.map((a) => (
                <li>
                  <strong>{a.change}</strong> · {a.requester} · <span class="muted small">{a.atLocal}</span>
                  {a.reason ? <div class="reason">“{a.reason}”</div> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="alerts-h">
          <h2 id="alerts-h">{t(L, 'dash.kr.alerts')}</h2>
          {d.alerts.length === 0 ? (
            <p class="empty">{t(L, 'dash.kr.noAlerts')}</p>
          ) : (
            <ul id="kr-alerts">
              {d.alerts.map((a) => (
                <li>
                  <strong>{a.rule}</strong> · <span class="muted small">{a.sinceLocal}</span>
                  {a.facts ? <div class="small">{a.facts}</div> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </main>
    </Layout>
  );
}

export function RuleHitsPage({
  locale: L,
  viewer,
  list,
  timeZone,
  rule,
  history = [],
  canEdit,
  notice,
}: {
  locale: Locale;
  viewer: Viewer;
  list: { rule: { name: string }; hits: RuleHit[]; total: number };
  timeZone: string;
  rule?: { id: string; mode: 'observe' | 'enforce'; enabled: boolean; builtin: string | null };
  history?: { period: string; hits: number }[];
  canEdit?: boolean;
  notice?: string;
}) {
  const q = viewer.orgs.length > 1 ? `?org=${encodeURIComponent(viewer.org.slug)}` : '';
  return (
    <Layout locale={L} title={t(L, 'dash.rules.hitsTitle', { rule: list.rule.name })}>
      <PageHeader L={L} viewer={viewer} title={t(L, 'dash.rules.title')} />
      <main id="main">
        {notice ? (
          <p class="notice flash f-success" role="status" id="rule-notice">
            {notice}
          </p>
        ) : null}
        {rule ? (
          <section class="card" aria-labelledby="mode-h" id="rule-mode" data-mode={rule.mode}>
            <h2 id="mode-h">
              {t(L, 'dash.builder.modeTitle')}:{' '}
              <span class={`mode mode-${rule.mode}`}>
                {t(L, rule.mode === 'enforce' ? 'dash.rules.enforce' : 'dash.rules.observe')}
              </span>
              {rule.enabled ? null : <span class="kind">{t(L, 'dash.rules.disabled')}</span>}
            </h2>
            <p class="muted">
              {t(L, rule.mode === 'enforce' ? 'dash.builder.modeEnforce' : 'dash.builder.modeObserve')}
            </p>
            {canEdit ? (
              <div class="buttons">
                <form method="post" action={`/dashboard/rules/${encodeURIComponent(rule.id)}/mode${q}`}>
                  <input type="hidden" name="mode" value={rule.mode === 'enforce' ? 'observe' : 'enforce'} />
                  <button type="submit" id="mode-switch" class={rule.mode === 'enforce' ? 'secondary' : ''}>
                    {t(L, rule.mode === 'enforce' ? 'dash.builder.toObserve' : 'dash.builder.toEnforce')}
                  </button>
                </form>
                <a id="edit-rule" href={`/dashboard/rules/${encodeURIComponent(rule.id)}/edit${q}`}>
                  {t(L, 'dash.builder.edit')}
                </a>
                {rule.builtin ? null : (
                  <a id="delete-rule" href={`/dashboard/rules/${encodeURIComponent(rule.id)}/delete${q}`}>
                    {t(L, 'dash.builder.delete')}
                  </a>
                )}
              </div>
            ) : null}
          </section>
        ) : null}
        <section class="card" aria-labelledby="history-h">
          <h2 id="history-h">{t(L, 'dash.builder.historyTitle')}</h2>
          <HitHistoryChart L={L} history={history} />
        </section>
        <section class="card" aria-labelledby="hits-h">
          <h2 id="hits-h">
            {t(L, 'dash.rules.hitsTitle', { rule: list.rule.name })} <span class="count">{list.total}</span>
          </h2>
          {list.hits.length === 0 ? (
            <p class="empty">{t(L, 'dash.rules.hitsEmpty')}</p>
          ) : (
            <table class="list" id="rule-hits">
              <thead>
                <tr>
                  <th scope="col">{t(L, 'dash.rules.person')}</th>
                  <th scope="col">{t(L, 'dash.rules.values')}</th>
                  <th scope="col">{t(L, 'dash.rules.since')}</th>
                </tr>
              </thead>
              <tbody>
                {list.hits.map((h) => (
                  <tr>
                    <td>
                      <span class="name">{h.name}</span>
                      <div class="muted small">{[h.title, h.team].filter(Boolean).join(' · ')}</div>
                    </td>
                    <td>
                      {h.krId ? (
                        <a href={`/dashboard/kr/${encodeURIComponent(h.krId)}`}>{h.values || '—'}</a>
                      ) : (
                        h.values
                      )}
                    </td>
                    <td class="nowrap">{h.sinceLocal}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="muted small">{t(L, 'dash.kr.timeZone', { tz: timeZone })}</p>
        </section>
      </main>
    </Layout>
  );
}

/**
 * A rule's hits per period as a bar chart drawn on the server (SVG, like the KR history chart: no script,
 * no CSP exception), with the same numbers as a table for screen readers and copying.
 */
function HitHistoryChart({ L, history }: { L: Locale; history: { period: string; hits: number }[] }) {
  if (!history.length) return <p class="empty">{t(L, 'dash.builder.historyEmpty')}</p>;
  const W = 600;
  const H = 130;
  const top = Math.max(1, ...history.map((h) => h.hits));
  const step = W / history.length;
  const bar = Math.max(4, Math.min(40, step * 0.6));
  const label = `${t(L, 'dash.builder.historyTitle')}: ${history.map((h) => `${h.period} ${h.hits}`).join(', ')}`;
  return (
    <>
      <figure class="hit-chart" id="hit-history-chart" data-bars={String(history.length)}>
        <svg viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-label={label}>
          <title>{label}</title>
          <line class="base" x1="0" y1={String(H)} x2={String(W)} y2={String(H)} />
          {history.map((h, i) => {
            const height = Math.max(1, (h.hits / top) * (H - 14));
            const x = i * step + (step - bar) / 2;
            return (
              <g>
                <rect
                  class="hit-bar"
                  x={x.toFixed(1)}
                  y={(H - height).toFixed(1)}
                  width={bar.toFixed(1)}
                  height={height.toFixed(1)}
                />
                <text class="axis" x={(x + bar / 2).toFixed(1)} y={(H - height - 3).toFixed(1)} text-anchor="middle">
                  {String(h.hits)}
                </text>
                <text class="axis" x={(x + bar / 2).toFixed(1)} y={String(H + 14)} text-anchor="middle">
                  {h.period.length > 7 ? h.period.slice(5) : h.period}
                </text>
              </g>
            );
          })}
        </svg>
      </figure>
      <details>
        <summary class="small">{t(L, 'dash.builder.historyTitle')}</summary>
        <table class="list data" id="hit-history">
          <thead>
            <tr>
              <th scope="col">{t(L, 'dash.builder.historyPeriod')}</th>
              <th scope="col">{t(L, 'dash.builder.historyHits')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h) => (
              <tr>
                <td>{h.period}</td>
                <td>{h.hits}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

/**
 * "Delete X?" asked on its own page before a destructive form post (no script needed): the
 * connectors and the rule builder both use it.
 */
export function ConfirmDeletePage(p: {
  locale: Locale;
  title: string;
  text: string;
  yes: string;
  no: string;
  action: string;
  back: string;
}) {
  return (
    <Layout locale={p.locale} title={p.title}>
      <main id="main" class="login">
        <h1>{p.title}</h1>
        <p>{p.text}</p>
        <form method="post" action={p.action}>
          <button type="submit" id="confirm-delete" class="danger">
            {p.yes}
          </button>
        </form>
        <p>
          <a href={p.back}>{p.no}</a>
        </p>
      </main>
    </Layout>
  );
}
