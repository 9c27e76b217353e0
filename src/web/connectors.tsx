// /dashboard/connectors: every connector of the org with its last run (status, counts, the
// first rejection reasons), its next run and its last error, for administrators. Read-only:
// connectors are configured through /api/v1/connectors (docs/connectors.md). Times are shown
// in the org's zone. Names, errors and reasons come from admins and sources: JSX escapes them.
import { and, asc, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { t, type Locale } from '../../core/i18n';
import { connectors } from '../../storage/schema';
import { presentConnector } from '../api/connectors';
import { runConnector, type RunReport } from '../connectors/run';
import { auditStatement } from '../../storage/repos/audit';
import { orgTimeZoneOf } from '../rules/context';
import type { AppEnv } from '../services';
import { LangToggle, Layout, MessagePage } from './pages';
import type { Viewer } from './viewer';

type Presented = ReturnType<typeof presentConnector>;

/** `2026-11-27 10:05` in the org's zone. */
export function localTime(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function kindLabel(L: Locale, c: Presented): string {
  if (c.kind === 'attendance') {
    const platform = String(c.source.platform) as 'lark' | 'wecom' | 'dingtalk';
    return t(L, 'dash.connectors.kind.attendance', { platform: t(L, `dash.connectors.platform.${platform}`) });
  }
  return t(L, c.kind === 'bitable' ? 'dash.connectors.kind.bitable' : 'dash.connectors.kind.http');
}

function LastRun({ L, c, tz }: { L: Locale; c: Presented; tz: string }) {
  if (!c.last_run_at) return <span class="muted">{t(L, 'dash.connectors.never')}</span>;
  return (
    <>
      <time datetime={c.last_run_at}>{localTime(c.last_run_at, tz)}</time>{' '}
      <span class={`status status-${c.last_status}`}>{t(L, `dash.connectors.status.${c.last_status ?? 'ok'}`)}</span>
    </>
  );
}

function Result({ L, report }: { L: Locale; report: RunReport | null }) {
  if (!report || report.status === 'failed') return <span class="muted">{t(L, 'dash.connectors.none')}</span>;
  return (
    <>
      <span class="counts">
        {t(L, 'dash.connectors.counts', {
          read: report.read,
          stored: report.stored,
          unchanged: report.unchanged,
          rejected: report.rejected,
        })}
      </span>
      {report.reasons?.length ? (
        <details>
          <summary>{t(L, 'dash.connectors.reasons')}</summary>
          <ul class="reasons" lang="en">
            {report.reasons.map((r) => (
              <li>
                {r.row !== undefined ? `${t(L, 'dash.connectors.row', { row: r.row + 1 })} · ` : ''}
                {r.field ? `${r.field}: ` : ''}
                {r.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

export function ConnectorsPage(p: {
  locale: Locale;
  viewer: Viewer;
  items: Presented[];
  timeZone: string;
  orgQuery: string;
  notice?: string;
}) {
  const L = p.locale;
  const orgParam = p.viewer.orgs.length > 1 ? `&org=${encodeURIComponent(p.viewer.org.slug)}` : '';
  return (
    <Layout locale={L} title={`${t(L, 'dash.connectors.title')} · ${p.viewer.org.name}`}>
      <header class="top">
        <h1>
          {t(L, 'dash.connectors.title')} <span class="org">{p.viewer.org.name}</span>
        </h1>
        <nav class="pickers" aria-label={t(L, 'dash.title')}>
          <a href={`/dashboard?${orgParam.slice(1)}`}>{t(L, 'dash.nav.back')}</a>
        </nav>
        <div class="who">
          <LangToggle locale={L} href={(lang) => `/dashboard/connectors?lang=${lang}${orgParam}`} />
        </div>
      </header>
      <main id="main">
        <section class="card" aria-labelledby="connectors-h">
          <h2 id="connectors-h">{t(L, 'dash.connectors.title')}</h2>
          <p class="muted">{t(L, 'dash.connectors.intro')}</p>
          {p.notice ? (
            <p class="notice" role="status">
              {p.notice}
            </p>
          ) : null}
          {p.items.length === 0 ? (
            <p class="empty">{t(L, 'dash.connectors.empty')}</p>
          ) : (
            <div class="scroll">
              <table class="list" id="connectors">
                <thead>
                  <tr>
                    <th scope="col">{t(L, 'dash.connectors.name')}</th>
                    <th scope="col">{t(L, 'dash.connectors.kind')}</th>
                    <th scope="col">{t(L, 'dash.connectors.schedule')}</th>
                    <th scope="col">{t(L, 'dash.connectors.lastRun')}</th>
                    <th scope="col">{t(L, 'dash.connectors.result')}</th>
                    <th scope="col">{t(L, 'dash.connectors.nextRun')}</th>
                    <th scope="col">{t(L, 'dash.connectors.lastError')}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((c) => (
                    <tr data-connector={c.id}>
                      <th scope="row">
                        <span class="name">{c.name}</span>
                        <form
                          method="post"
                          action={`/dashboard/connectors/${encodeURIComponent(c.id)}/run${p.orgQuery}`}
                        >
                          <button type="submit" class="link">
                            {t(L, 'dash.connectors.run')}
                          </button>
                        </form>
                      </th>
                      <td>{kindLabel(L, c)}</td>
                      <td>
                        <code>{c.schedule}</code>
                      </td>
                      <td class="last-run">
                        <LastRun L={L} c={c} tz={p.timeZone} />
                      </td>
                      <td class="result">
                        <Result L={L} report={c.last_result as RunReport | null} />
                      </td>
                      <td class="next-run">
                        {c.next_run_at ? (
                          <time datetime={c.next_run_at}>{localTime(c.next_run_at, p.timeZone)}</time>
                        ) : (
                          t(L, 'dash.connectors.disabled')
                        )}
                      </td>
                      <td class="last-error">
                        {c.last_error ? (
                          <>
                            <span class="error-text">
                              {t(
                                L,
                                `dash.connectors.error.${(c.last_result as RunReport | null)?.error_kind ?? 'other'}`,
                              )}
                            </span>
                            <details>
                              <summary>{t(L, 'dash.connectors.details')}</summary>
                              <p class="reasons" lang="en">
                                {c.last_error}
                              </p>
                            </details>
                            {c.retry_at ? (
                              <p class="muted">
                                {t(L, 'dash.connectors.retry', {
                                  failures: c.failures,
                                  at: localTime(c.retry_at, p.timeZone),
                                })}
                              </p>
                            ) : null}
                          </>
                        ) : (
                          t(L, 'dash.connectors.none')
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </main>
    </Layout>
  );
}

/** The page for a resolved viewer (index.tsx checks the session first). */
export async function renderConnectorsPage(c: Context<AppEnv>, viewer: Viewer, locale: Locale, notice?: string) {
  if (viewer.scope.kind !== 'all')
    return c.html(<MessagePage locale={locale} text={t(locale, 'dash.connectors.adminOnly')} />, 403);
  const { store, config, clock } = c.get('deps');
  const tz = orgTimeZoneOf(viewer.org, config);
  const rows = await store.db
    .select()
    .from(connectors)
    .where(eq(connectors.orgId, viewer.org.id))
    .orderBy(asc(connectors.name));
  const now = clock.now();
  return c.html(
    <ConnectorsPage
      locale={locale}
      viewer={viewer}
      items={rows.map((r) => presentConnector(r, tz, now))}
      timeZone={tz}
      orgQuery={viewer.orgs.length > 1 ? `?org=${encodeURIComponent(viewer.org.slug)}` : ''}
      notice={notice}
    />,
  );
}

/** "Run now" from the page: an admin's POST (same-origin checked by index.tsx), audited like the API's. */
export async function runFromPage(c: Context<AppEnv>, viewer: Viewer, locale: Locale) {
  if (viewer.scope.kind !== 'all')
    return c.html(<MessagePage locale={locale} text={t(locale, 'dash.connectors.adminOnly')} />, 403);
  const services = c.get('deps');
  const id = c.req.param('id') ?? '';
  const [row] = await services.store.db
    .select()
    .from(connectors)
    .where(and(eq(connectors.orgId, viewer.org.id), eq(connectors.id, id)));
  if (!row) return c.html(<MessagePage locale={locale} text={t(locale, 'dash.connectors.empty')} />, 404);
  const report = await runConnector(services, viewer.org, row, orgTimeZoneOf(viewer.org, services.config));
  await services.store.atomic([
    auditStatement(services.store, {
      orgId: viewer.org.id,
      actorType: viewer.person ? 'person' : 'admin',
      actorId: viewer.person?.id ?? null,
      action: 'connector.run',
      entityType: 'connector',
      entityId: row.id,
      data: {
        status: report.status,
        read: report.read,
        stored: report.stored,
        rejected: report.rejected,
        via: 'dashboard',
      },
      now: services.clock.now(),
    }),
  ]);
  const notice = t(locale, 'dash.connectors.ran', {
    name: row.name,
    status: t(locale, `dash.connectors.status.${report.status}`),
  });
  return renderConnectorsPage(c, viewer, locale, notice);
}
