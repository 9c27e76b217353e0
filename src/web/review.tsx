// /dashboard/review: HR's view of a cycle's performance review (docs/review.md): completion by
// team, overdue people, open appeals, "remind everyone overdue", and the performance sheet
// downloads (the dashboard session authenticates them; the API needs the admin token).
// Server-rendered, no script needed. For administrators only (the viewer's scope is the org).
// The dashboard hands in its session helpers (src/web/index.tsx), so nothing here imports it.
import { and, eq, inArray } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { t, type Locale, type MessageKey } from '../../core/i18n';
import { localDate } from '../../core/okr/pace';
import { resolveCycle, type Cycle } from '../../storage/repos/cycles';
import { people, reviews } from '../../storage/schema';
import { remindOverdue } from '../review/remind';
import { closeCycle, ReviewStateError, reviewProgress, sendFinalMessages, startReview } from '../review/service';
import { performanceCsv, performanceRows, performanceXlsx } from '../review/sheet';
import type { AppEnv } from '../services';
import type { Viewer } from './viewer';

type Ctx = Context<AppEnv>;

export interface ReviewPageHelpers {
  viewerOr401(c: Ctx, kind: 'page' | 'data'): Promise<Viewer | Response>;
  localeFor(c: Ctx, viewer?: Viewer): Locale;
  message(c: Ctx, locale: Locale, text: string, status: 403 | 404 | 409): Response | Promise<Response>;
}

async function cycleFor(c: Ctx, viewer: Viewer): Promise<Cycle | undefined> {
  const { store, clock, config } = c.get('deps');
  const tz = viewer.org.settings?.timezone ?? config.defaultTimezone;
  const ref = (c.req.query('cycle') ?? '').slice(0, 200) || undefined;
  return resolveCycle(store, viewer.org.id, ref, localDate(clock.now(), tz));
}

type Progress = Awaited<ReturnType<typeof reviewProgress>>;

function ReviewPage(props: {
  locale: Locale;
  viewer: Viewer;
  cycle: Cycle;
  progress: Progress;
  names: Map<string, string>;
  appeals: { name: string; reason: string; decider: string }[];
  notice?: string;
  hours: number | null;
}) {
  const L = props.locale;
  const p = props.progress;
  const q = `?org=${encodeURIComponent(props.viewer.org.slug)}&cycle=${encodeURIComponent(props.cycle.id)}`;
  const title = `${t(L, 'dash.review.title')} · ${props.cycle.name}`;
  return (
    <html lang={L}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
      </head>
      <body>
        <header class="top">
          <h1>
            {title} <span class="org">{props.viewer.org.name}</span>
          </h1>
          <a href={`/dashboard${q}`}>{t(L, 'dash.review.back')}</a>
        </header>
        <main id="main">
          {props.notice && (
            <p class="notice" role="status">
              {props.notice}
            </p>
          )}
          {!props.cycle.reviewStartedAt ? (
            <>
              <p class="notice">{t(L, 'dash.review.notStarted')}</p>
              {props.cycle.status !== 'closed' && (
                <form method="post" action={`/dashboard/review/start${q}`}>
                  <button type="submit" id="start-review">
                    {t(L, 'dash.review.start')}
                  </button>
                </form>
              )}
            </>
          ) : (
            <>
              <section class="card" aria-labelledby="review-summary-h">
                <h2 id="review-summary-h">{t(L, 'dash.review.title')}</h2>
                <p id="review-summary">
                  {t(L, 'dash.review.summary', {
                    people: p.people,
                    self: p.self_assessed,
                    calibrated: p.calibrated,
                    appealed: p.appealed,
                    open: p.open_appeals,
                    overdue: p.overdue,
                  })}
                </p>
                <p class="muted">
                  {t(L, 'dash.review.dues', {
                    self: p.self_due ?? '—',
                    calibration: p.calibration_due ?? '—',
                    status: t(L, `dash.review.status.${p.status}` as MessageKey),
                  })}
                </p>
                {props.hours != null && <p class="muted">{t(L, 'dash.review.hours', { hours: props.hours })}</p>}
                <p>
                  <a id="download-csv" href={`/dashboard/review/performance.csv${q}`} download>
                    {t(L, 'dash.review.download')} (CSV)
                  </a>{' '}
                  ·{' '}
                  <a id="download-xlsx" href={`/dashboard/review/performance.xlsx${q}`} download>
                    {t(L, 'dash.review.download')} (xlsx)
                  </a>
                </p>
                {p.status === 'reviewing' && (
                  <form method="post" action={`/dashboard/review/remind${q}`}>
                    <button type="submit" id="remind-overdue" disabled={p.overdue === 0}>
                      {t(L, 'dash.review.remind')} ({p.overdue})
                    </button>
                  </form>
                )}
                {p.status === 'reviewing' && (
                  <form method="post" action={`/dashboard/review/close${q}`}>
                    <p class="muted">{t(L, 'dash.review.closeHint')}</p>
                    <button type="submit" id="close-cycle">
                      {t(L, 'dash.review.close')}
                    </button>
                  </form>
                )}
              </section>
              <section class="card" aria-labelledby="review-teams-h">
                <h2 id="review-teams-h">{t(L, 'dash.review.byTeam')}</h2>
                <table id="review-teams">
                  <thead>
                    <tr>
                      <th scope="col">{t(L, 'dash.review.team')}</th>
                      <th scope="col">{t(L, 'dash.review.people')}</th>
                      <th scope="col">{t(L, 'dash.review.selfAssessed')}</th>
                      <th scope="col">{t(L, 'dash.review.calibrated')}</th>
                      <th scope="col">{t(L, 'dash.review.appealed')}</th>
                      <th scope="col">{t(L, 'dash.review.overdue')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.teams.map((team) => (
                      <tr>
                        <th scope="row">{team.team ?? t(L, 'dash.review.noTeam')}</th>
                        <td>{team.people}</td>
                        <td>
                          {team.self_assessed} ({Math.round((team.self_assessed / Math.max(1, team.people)) * 100)}%)
                        </td>
                        <td>{team.calibrated}</td>
                        <td>{team.appealed}</td>
                        <td>{team.overdue}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section class="card" aria-labelledby="review-overdue-h">
                <h2 id="review-overdue-h">{t(L, 'dash.review.overdueTitle')}</h2>
                {p.overdue_people.length ? (
                  <table id="review-overdue">
                    <thead>
                      <tr>
                        <th scope="col">{t(L, 'dash.review.name')}</th>
                        <th scope="col">{t(L, 'dash.review.stage')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.overdue_people.slice(0, 500).map((o) => (
                        <tr>
                          <td>{props.names.get(o.person_id) ?? '—'}</td>
                          <td>
                            {t(L, o.stage === 'self' ? 'dash.review.stage.self' : 'dash.review.stage.calibration')}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p class="muted">{t(L, 'dash.review.none')}</p>
                )}
              </section>
              <section class="card" aria-labelledby="review-appeals-h">
                <h2 id="review-appeals-h">{t(L, 'dash.review.appealsTitle')}</h2>
                {props.appeals.length ? (
                  <table id="review-appeals">
                    <thead>
                      <tr>
                        <th scope="col">{t(L, 'dash.review.name')}</th>
                        <th scope="col">{t(L, 'dash.review.reason')}</th>
                        <th scope="col">{t(L, 'dash.review.decider')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {props.appeals.map((a) => (
                        <tr>
                          <td>{a.name}</td>
                          <td>{a.reason}</td>
                          <td>{a.decider}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p class="muted">{t(L, 'dash.review.none')}</p>
                )}
              </section>
            </>
          )}
        </main>
      </body>
    </html>
  );
}

const backQuery = (a: { viewer: Viewer; cycle: Cycle }) =>
  `org=${encodeURIComponent(a.viewer.org.slug)}&cycle=${encodeURIComponent(a.cycle.id)}`;

export function reviewPageRoutes(helpers: ReviewPageHelpers) {
  const web = new Hono<AppEnv>();

  /** The admin viewer and the cycle, or the response to send instead. */
  async function admit(c: Ctx, kind: 'page' | 'data') {
    const viewer = await helpers.viewerOr401(c, kind);
    if (viewer instanceof Response) return viewer;
    const locale = helpers.localeFor(c, viewer);
    if (viewer.scope.kind !== 'all') return helpers.message(c, locale, t(locale, 'dash.review.forbidden'), 403);
    const cycle = await cycleFor(c, viewer);
    if (!cycle) return helpers.message(c, locale, t(locale, 'dash.noCycle'), 404);
    return { viewer, locale, cycle };
  }

  web.get('/', async (c) => {
    const a = await admit(c, 'page');
    if (a instanceof Response) return a;
    const deps = c.get('deps');
    const progress = await reviewProgress(deps, a.viewer.org, a.cycle);
    const ids = progress.overdue_people.slice(0, 500).map((o) => o.person_id);
    const open = await deps.store.db
      .select()
      .from(reviews)
      .where(and(eq(reviews.cycleId, a.cycle.id), eq(reviews.appealStatus, 'open')))
      .limit(200);
    const wanted = [...new Set([...ids, ...open.flatMap((r) => [r.personId, r.appealDeciderId ?? ''])])].filter(
      Boolean,
    );
    const names = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += 90) {
      const rows = await deps.store.db
        .select({ id: people.id, name: people.name })
        .from(people)
        .where(inArray(people.id, wanted.slice(i, i + 90)));
      for (const r of rows) names.set(r.id, r.name);
    }
    const reminded = c.req.query('reminded');
    const capped = c.req.query('capped');
    const notice =
      reminded !== undefined && /^\d{1,6}$/.test(reminded) && /^\d{1,6}$/.test(capped ?? '')
        ? t(a.locale, 'dash.review.reminded', { reminded, capped: capped ?? '0' })
        : undefined;
    const hours =
      a.cycle.reviewStartedAt && a.cycle.closedAt
        ? Math.round(((Date.parse(a.cycle.closedAt) - Date.parse(a.cycle.reviewStartedAt)) / 3_600_000) * 10) / 10
        : null;
    return c.html(
      <ReviewPage
        locale={a.locale}
        viewer={a.viewer}
        cycle={a.cycle}
        progress={progress}
        names={names}
        appeals={open.map((r) => ({
          name: names.get(r.personId) ?? '—',
          reason: r.appealReason ?? '',
          decider: r.appealDeciderId ? (names.get(r.appealDeciderId) ?? '—') : '—',
        }))}
        notice={notice}
        hours={hours}
      />,
    );
  });

  web.post('/remind', async (c) => {
    const a = await admit(c, 'page');
    if (a instanceof Response) return a;
    const result = await remindOverdue(c.get('deps'), a.viewer.org, a.cycle, {
      type: a.viewer.person ? 'person' : 'admin',
      id: a.viewer.person?.id ?? null,
    });
    return c.redirect(`/dashboard/review?${backQuery(a)}&reminded=${result.reminded}&capped=${result.capped}`, 303);
  });

  // HR starts and closes from the page as the API does (docs/review.md); both are idempotent.
  web.post('/start', async (c) => {
    const a = await admit(c, 'page');
    if (a instanceof Response) return a;
    const deps = c.get('deps');
    const actor = { type: a.viewer.person ? ('person' as const) : ('admin' as const), id: a.viewer.person?.id ?? null };
    try {
      const result = await startReview(deps, a.viewer.org, a.cycle, {}, actor);
      if (result.cards) deps.defer(deps.outbox.drain());
    } catch (err) {
      if (err instanceof ReviewStateError) return helpers.message(c, a.locale, err.message, 409);
      throw err;
    }
    return c.redirect(`/dashboard/review?${backQuery(a)}`, 303);
  });

  web.post('/close', async (c) => {
    const a = await admit(c, 'page');
    if (a instanceof Response) return a;
    const actor = { type: a.viewer.person ? ('person' as const) : ('admin' as const), id: a.viewer.person?.id ?? null };
    const deps = c.get('deps');
    const closed = await closeCycle(deps, a.viewer.org, a.cycle, actor);
    // Each person's final score follows the close (idempotent: a second close sends nothing twice).
    deps.defer(sendFinalMessages(deps, a.viewer.org, closed.cycle).then((n) => (n ? deps.outbox.drain() : undefined)));
    return c.redirect(`/dashboard/review?${backQuery(a)}`, 303);
  });

  web.get('/performance.csv', async (c) => {
    const a = await admit(c, 'data');
    if (a instanceof Response) return a;
    const csv = performanceCsv(await performanceRows(c.get('deps').store, a.viewer.org, a.cycle));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="performance-${a.cycle.id}.csv"`,
    });
  });

  web.get('/performance.xlsx', async (c) => {
    const a = await admit(c, 'data');
    if (a instanceof Response) return a;
    const rows = await performanceRows(c.get('deps').store, a.viewer.org, a.cycle);
    const bytes = await performanceXlsx(rows, a.cycle.name);
    return c.body(bytes.buffer as ArrayBuffer, 200, {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="performance-${a.cycle.id}.xlsx"`,
    });
  });
  return web;
}
