// /dashboard/connectors: every connector of the org with its last run (status, counts, the
// first rejection reasons), its next run and its last error, and the forms that create, edit,
// enable or disable, run and delete them (docs/connectors.md, "In the dashboard"). For
// administrators only (the admin token, or a person whose role is admin). Every change goes
// through the API's own functions (src/api/connectors.ts: the same zod schemas, URL check,
// sample fetch and mapping check, and audit entry); this file only turns form fields into the
// API's body and the API's refusals into the reader's language. Secrets are write-only: no page
// renders a stored or typed auth value. Times are shown in the org's zone. Names, errors and
// reasons come from admins and sources: JSX escapes them.
import { and, asc, eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { t, type Locale, type MessageKey } from '../../core/i18n';
import { connectors } from '../../storage/schema';
import {
  type ConnectorActor,
  createConnector,
  deleteConnector,
  load,
  presentConnector,
  runConnectorNow,
  sampleSource,
  updateConnector,
} from '../api/connectors';
import { ApiError } from '../api/errors';
import { type ConnectorKind, defaultSchedule } from '../connectors/definition';
import type { ConnectorRow, RunReport } from '../connectors/run';
import { orgTimeZoneOf } from '../rules/context';
import type { AppEnv } from '../services';
import { ConfirmDeletePage, LangToggle, Layout, MessagePage } from './pages';
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

/** Run now, edit, enable or disable, delete: each a link or a one-button form (no script needed). */
function RowActions({ L, c, orgQuery }: { L: Locale; c: Presented; orgQuery: string }) {
  const base = `/dashboard/connectors/${encodeURIComponent(c.id)}`;
  return (
    <div class="row-actions">
      <form method="post" action={`${base}/run${orgQuery}`}>
        <button type="submit" class="link">
          {t(L, 'dash.connectors.run')}
        </button>
      </form>
      <a href={`${base}/edit${orgQuery}`}>{t(L, 'dash.connectors.edit')}</a>
      <form method="post" action={`${base}/${c.enabled ? 'disable' : 'enable'}${orgQuery}`}>
        <button type="submit" class="link">
          {t(L, c.enabled ? 'dash.connectors.disable' : 'dash.connectors.enable')}
        </button>
      </form>
      <a href={`${base}/delete${orgQuery}`} class="danger">
        {t(L, 'dash.connectors.delete')}
      </a>
    </div>
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
          <p>
            <a class="button" id="new-connector" href={`/dashboard/connectors/new${p.orgQuery}`}>
              {t(L, 'dash.connectors.new')}
            </a>
          </p>
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
                        <RowActions L={L} c={c} orgQuery={p.orgQuery} />
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

type Ctx = Context<AppEnv>;

export interface ConnectorPageHelpers {
  viewerOr401(c: Ctx, kind: 'page' | 'data'): Promise<Viewer | Response>;
  localeFor(c: Ctx, viewer?: Viewer): Locale;
}

/** Connectors read company systems with the server's credentials: administrators only, not leaders. */
export function isConnectorAdmin(viewer: Viewer): boolean {
  return viewer.claims.sub === 'admin' || viewer.person?.role === 'admin';
}

function actorOf(viewer: Viewer): ConnectorActor {
  return viewer.person
    ? { type: 'person', id: viewer.person.id, via: 'dashboard' }
    : { type: 'admin', via: 'dashboard' };
}

const orgQueryOf = (viewer: Viewer) => (viewer.orgs.length > 1 ? `?org=${encodeURIComponent(viewer.org.slug)}` : '');

/** The form's fields, as strings (what was typed, or the stored connector). Never the secret. */
interface FormState {
  kind: ConnectorKind;
  name: string;
  schedule: string;
  enabled: boolean;
  platform: string;
  days: string;
  url: string;
  format: string;
  items_path: string;
  auth_header: string;
  app_token: string;
  table_id: string;
  view_id: string;
  metric_mode: 'fixed' | 'field';
  metric: string;
  metric_field: string;
  subject_field: string;
  at_field: string;
  value_field: string;
}

type Form = Record<string, string | File | (string | File)[]>;
const str = (form: Form, key: string): string => {
  const v = form[key];
  return typeof v === 'string' ? v : '';
};
const text = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

function kindOf(raw: string): ConnectorKind | undefined {
  return raw === 'http' || raw === 'bitable' || raw === 'attendance' ? raw : undefined;
}

function stateFromForm(kind: ConnectorKind, form: Form): FormState {
  return {
    kind,
    name: str(form, 'name'),
    schedule: str(form, 'schedule'),
    enabled: str(form, 'enabled') === 'on',
    platform: str(form, 'platform'),
    days: str(form, 'days'),
    url: str(form, 'url'),
    format: str(form, 'format'),
    items_path: str(form, 'items_path'),
    auth_header: str(form, 'auth_header'),
    app_token: str(form, 'app_token'),
    table_id: str(form, 'table_id'),
    view_id: str(form, 'view_id'),
    metric_mode: str(form, 'metric_mode') === 'field' ? 'field' : 'fixed',
    metric: str(form, 'metric'),
    metric_field: str(form, 'metric_field'),
    subject_field: str(form, 'subject_field'),
    at_field: str(form, 'at_field'),
    value_field: str(form, 'value_field'),
  };
}

function stateFromRow(row: ConnectorRow): FormState {
  const s = row.source;
  const m = (row.mapping ?? {}) as Record<string, unknown>;
  return {
    kind: row.kind,
    name: row.name,
    schedule: row.schedule,
    enabled: row.enabled,
    platform: text(s.platform),
    days: text(s.days),
    url: text(s.url),
    format: text(s.format),
    items_path: text(s.items_path),
    auth_header: text(s.auth_header),
    app_token: text(s.app_token),
    table_id: text(s.table_id),
    view_id: text(s.view_id),
    metric_mode: m.metric_field ? 'field' : 'fixed',
    metric: text(m.metric),
    metric_field: text(m.metric_field),
    subject_field: text(m.subject_field),
    at_field: text(m.at_field),
    value_field: text(m.value_field),
  };
}

function blankState(kind: ConnectorKind, platform: string): FormState {
  return {
    ...stateFromForm(kind, {}),
    enabled: true,
    platform: kind === 'attendance' ? platform : '',
    days: kind === 'attendance' ? '3' : '',
    format: kind === 'http' ? 'csv' : '',
  };
}

/** An optional field: empty means absent. */
const opt = (v: string) => (v.trim() === '' ? undefined : v);

/**
 * The API's `source` for the form. Only shape, no checks: the API's schema decides what is
 * valid (a day count that is not a number is passed on as typed, for the schema to refuse).
 */
function sourceOf(s: FormState): Record<string, unknown> {
  if (s.kind === 'http')
    return { url: s.url, format: s.format, items_path: opt(s.items_path), auth_header: opt(s.auth_header) };
  if (s.kind === 'bitable') return { app_token: s.app_token, table_id: s.table_id, view_id: opt(s.view_id) };
  return { platform: s.platform, days: /^\s*\d{1,3}\s*$/.test(s.days) ? Number(s.days) : s.days };
}

function mappingOf(s: FormState): Record<string, unknown> {
  return {
    ...(s.metric_mode === 'field' ? { metric_field: opt(s.metric_field) } : { metric: opt(s.metric) }),
    subject_field: opt(s.subject_field),
    at_field: opt(s.at_field),
    value_field: opt(s.value_field),
  };
}

function createBody(s: FormState, form: Form): Record<string, unknown> {
  return {
    name: s.name,
    kind: s.kind,
    enabled: s.enabled,
    schedule: opt(s.schedule),
    source: sourceOf(s),
    ...(s.kind === 'attendance' ? {} : { mapping: mappingOf(s) }),
    ...(s.kind === 'http' && opt(str(form, 'auth_value')) ? { auth_value: str(form, 'auth_value') } : {}),
  };
}

function patchBody(s: FormState, form: Form): Record<string, unknown> {
  const typed = opt(str(form, 'auth_value'));
  const removing = str(form, 'remove_auth') === 'on';
  return {
    name: s.name,
    schedule: opt(s.schedule) ?? defaultSchedule(s.kind),
    source: sourceOf(s),
    ...(s.kind === 'attendance' ? {} : { mapping: mappingOf(s) }),
    ...(s.kind === 'http' && (typed || removing) ? { auth_value: typed ?? null } : {}),
  };
}

const FIELD_LABELS: Record<string, MessageKey> = {
  name: 'dash.connectors.form.name',
  schedule: 'dash.connectors.form.schedule',
  platform: 'dash.connectors.form.platform',
  days: 'dash.connectors.form.days',
  url: 'dash.connectors.form.url',
  format: 'dash.connectors.form.format',
  items_path: 'dash.connectors.form.itemsPath',
  auth_header: 'dash.connectors.form.authHeader',
  auth_value: 'dash.connectors.form.authValue',
  app_token: 'dash.connectors.form.appToken',
  table_id: 'dash.connectors.form.tableId',
  view_id: 'dash.connectors.form.viewId',
  metric: 'dash.connectors.form.metricMode',
  metric_field: 'dash.connectors.form.metricField',
  subject_field: 'dash.connectors.form.subject',
  at_field: 'dash.connectors.form.at',
  value_field: 'dash.connectors.form.value',
};

/** The technical names the labels quote as they are typed (filled in, so the catalogues stay one language). */
const TECH = {
  cron: 'cron',
  schemes: 'http / https',
  json: 'JSON',
  formats: 'JSON / CSV',
  example: 'data.items',
  header: 'Authorization',
  appToken: 'app_token',
  base: '/base/',
  tableId: 'table_id',
  table: '?table=',
  viewId: 'view_id',
  org: 'org',
};

/** A form label (or hint) in the reader's language. */
const label = (L: Locale, key: MessageKey) => t(L, key, TECH);

/** `source.url` / `mapping.at_field` / `url` → the form's label for it, in the reader's language. */
function labelOf(L: Locale, path: string): string {
  const key = FIELD_LABELS[path.replace(/^(source|mapping)\./, '')];
  return key ? label(L, key) : path;
}

const ERROR_KEYS: Record<string, MessageKey> = {
  connector_source: 'dash.connectors.form.error.source',
  connector_url: 'dash.connectors.form.error.url',
  not_configured: 'dash.connectors.form.error.not_configured',
  conflict: 'dash.connectors.form.error.conflict',
};

/** The API's refusal in the reader's language; the API's English detail folded away where it adds something. */
function refusal(L: Locale, err: ApiError): { headline: string; items: string[]; detail?: string } {
  const details = err.details as unknown;
  if (err.code === 'connector_mapping') {
    const d = details as { missing?: { path: string; field: string }[]; fields?: string[] };
    const missing = (d.missing ?? []).map((m) => `${labelOf(L, m.path)}: “${m.field}”`).join(L === 'en' ? '; ' : '；');
    return {
      headline: t(L, 'dash.connectors.form.error.mapping', {
        missing,
        fields: (d.fields ?? []).join(L === 'en' ? ', ' : '、'),
      }),
      items: [],
    };
  }
  if (err.code === 'bad_request' && Array.isArray(details))
    return {
      headline: t(L, 'dash.connectors.form.error.invalid'),
      // The schema's own sentence is English; the reader gets the field's name in their language.
      items: [
        ...new Set(
          (details as { path: string }[]).map((d) => t(L, 'dash.form.err.invalid', { field: labelOf(L, d.path) })),
        ),
      ],
    };
  return {
    headline: t(L, ERROR_KEYS[err.code] ?? 'dash.connectors.form.error.other'),
    items: [],
    // The API's technical detail is English: shown to English readers only, so a reply never mixes.
    detail: L === 'en' ? err.message : undefined,
  };
}

function Refusal({ L, err, id }: { L: Locale; err: ApiError; id: string }) {
  const r = refusal(L, err);
  return (
    <div class="notice error" role="alert" id={id}>
      <p>
        {t(L, 'dash.connectors.form.notSaved')} {r.headline}
      </p>
      {r.items.length ? (
        <ul>
          {r.items.map((i) => (
            <li>{i}</li>
          ))}
        </ul>
      ) : null}
      {r.detail ? (
        <details>
          <summary>{t(L, 'dash.connectors.details')}</summary>
          <p lang="en">{r.detail}</p>
        </details>
      ) : null}
    </div>
  );
}

function Field(p: { id: string; label: string; hint?: string; children: unknown }) {
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.children as never}
      {p.hint ? <p class="muted hint">{p.hint}</p> : null}
    </div>
  );
}

function Picker(p: { name: string; label: string; value: string; fields?: string[]; L: Locale }) {
  const options = [...(p.fields ?? [])];
  if (p.value && !options.includes(p.value)) options.unshift(p.value);
  return (
    <Field id={`f-${p.name}`} label={p.label}>
      <select id={`f-${p.name}`} name={p.name} data-field-picker="">
        <option value="">{t(p.L, 'dash.connectors.form.pick')}</option>
        {options.map((f) => (
          <option value={f} selected={f === p.value}>
            {f}
          </option>
        ))}
      </select>
    </Field>
  );
}

function SampleTable({ fields, rows }: { fields: string[]; rows: Record<string, unknown>[] }) {
  const cell = (v: unknown) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return (
    <table class="list sample">
      <thead>
        <tr>
          {fields.map((f) => (
            <th scope="col">{f}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            {fields.map((f) => (
              <td>{cell(r[f])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface FormPageProps {
  L: Locale;
  viewer: Viewer;
  state: FormState;
  /** The connector being edited; absent when creating. */
  row?: ConnectorRow;
  error?: ApiError;
  sample?: { fields: string[]; rows: Record<string, unknown>[] };
  sampleError?: ApiError;
  /** An auth value was typed, and (without script) it is not rendered back. */
  retypeSecret?: boolean;
}

function ConnectorFormPage(p: FormPageProps) {
  const { L, state: s, row } = p;
  const q = orgQueryOf(p.viewer);
  const action = row ? `/dashboard/connectors/${encodeURIComponent(row.id)}${q}` : `/dashboard/connectors${q}`;
  const title = row
    ? t(L, 'dash.connectors.form.editTitle', { name: row.name })
    : t(L, 'dash.connectors.form.newTitle');
  const tabular = s.kind !== 'attendance';
  const kindText =
    s.kind === 'attendance'
      ? t(L, 'dash.connectors.kind.attendance', {
          platform: ['lark', 'wecom', 'dingtalk'].includes(s.platform)
            ? t(L, `dash.connectors.platform.${s.platform as 'lark'}`)
            : s.platform,
        })
      : t(L, s.kind === 'bitable' ? 'dash.connectors.kind.bitable' : 'dash.connectors.kind.http');
  const config = {
    pick: t(L, 'dash.connectors.form.pick'),
    loading: t(L, 'dash.connectors.form.loading'),
    loaded: t(L, 'dash.connectors.form.loaded', { count: '{count}' }),
    failed: t(L, 'dash.connectors.form.sampleFailed'),
  };
  const hasSecret = !!row?.secret;
  const langHref = (lang: Locale) => {
    const params = new URLSearchParams({ lang });
    if (!row) {
      params.set('kind', s.kind);
      if (s.kind === 'attendance') params.set('platform', s.platform);
    }
    if (p.viewer.orgs.length > 1) params.set('org', p.viewer.org.slug);
    return `/dashboard/connectors/${row ? `${encodeURIComponent(row.id)}/edit` : 'new'}?${params}`;
  };
  return (
    <Layout
      locale={L}
      title={`${title} · ${p.viewer.org.name}`}
      scripts={
        tabular ? (
          <>
            <script
              type="application/json"
              id="conn-config"
              dangerouslySetInnerHTML={{ __html: JSON.stringify(config).replace(/</g, '\\u003c') }}
            />
            <script src="/dashboard/assets/connectors.js" defer></script>
          </>
        ) : undefined
      }
    >
      <header class="top">
        <h1>
          {title} <span class="org">{p.viewer.org.name}</span>
        </h1>
        <nav class="pickers" aria-label={t(L, 'dash.title')}>
          <a href={`/dashboard/connectors${q}`}>{t(L, 'dash.connectors.form.back')}</a>
        </nav>
        <div class="who">
          <LangToggle locale={L} href={langHref} />
        </div>
      </header>
      <main id="main">
        <form method="post" action={action} id="connector-form" class="card conn-form" autocomplete="off">
          {p.error ? <Refusal L={L} err={p.error} id="form-error" /> : null}
          <input type="hidden" name="kind" value={s.kind} />
          {row ? <input type="hidden" name="id" value={row.id} /> : null}
          <p class="muted">
            {t(L, 'dash.connectors.kind')}: <strong>{kindText}</strong>
          </p>
          <Field id="f-name" label={t(L, 'dash.connectors.form.name')}>
            <input id="f-name" name="name" type="text" value={s.name} required maxlength={100} />
          </Field>
          <Field
            id="f-schedule"
            label={label(L, 'dash.connectors.form.schedule')}
            hint={t(L, 'dash.connectors.form.scheduleHint', { default: defaultSchedule(s.kind) })}
          >
            <input
              id="f-schedule"
              name="schedule"
              type="text"
              value={s.schedule}
              placeholder={defaultSchedule(s.kind)}
              maxlength={100}
              inputmode="text"
            />
          </Field>
          {row ? null : (
            <div class="field check">
              <label>
                <input type="checkbox" name="enabled" checked={s.enabled} /> {t(L, 'dash.connectors.form.enabled')}
              </label>
            </div>
          )}
          <fieldset>
            <legend>{t(L, 'dash.connectors.form.source')}</legend>
            {s.kind === 'attendance' ? (
              <>
                <Field id="f-platform" label={t(L, 'dash.connectors.form.platform')}>
                  <select id="f-platform" name="platform">
                    {(['lark', 'wecom', 'dingtalk'] as const).map((pl) => (
                      <option value={pl} selected={pl === s.platform}>
                        {t(L, `dash.connectors.platform.${pl}`)}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field id="f-days" label={t(L, 'dash.connectors.form.days')}>
                  <input id="f-days" name="days" type="number" min={1} max={7} value={s.days} />
                </Field>
              </>
            ) : s.kind === 'bitable' ? (
              <>
                <Field id="f-app_token" label={label(L, 'dash.connectors.form.appToken')}>
                  <input id="f-app_token" name="app_token" type="text" value={s.app_token} maxlength={100} />
                </Field>
                <Field id="f-table_id" label={label(L, 'dash.connectors.form.tableId')}>
                  <input id="f-table_id" name="table_id" type="text" value={s.table_id} maxlength={100} />
                </Field>
                <Field id="f-view_id" label={label(L, 'dash.connectors.form.viewId')}>
                  <input id="f-view_id" name="view_id" type="text" value={s.view_id} maxlength={100} />
                </Field>
              </>
            ) : (
              <>
                <Field id="f-url" label={label(L, 'dash.connectors.form.url')}>
                  <input id="f-url" name="url" type="url" value={s.url} maxlength={2000} inputmode="url" />
                </Field>
                <Field id="f-format" label={t(L, 'dash.connectors.form.format')}>
                  <select id="f-format" name="format">
                    {['csv', 'json'].map((f) => (
                      <option value={f} selected={f === s.format}>
                        {f.toUpperCase()}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field id="f-items_path" label={label(L, 'dash.connectors.form.itemsPath')}>
                  <input id="f-items_path" name="items_path" type="text" value={s.items_path} maxlength={200} />
                </Field>
                <Field id="f-auth_header" label={label(L, 'dash.connectors.form.authHeader')}>
                  <input
                    id="f-auth_header"
                    name="auth_header"
                    type="text"
                    value={s.auth_header}
                    placeholder="Authorization"
                    maxlength={100}
                  />
                </Field>
                <Field
                  id="f-auth_value"
                  label={t(L, 'dash.connectors.form.authValue')}
                  hint={
                    p.retypeSecret
                      ? t(L, 'dash.connectors.form.retypeSecret')
                      : row
                        ? t(L, hasSecret ? 'dash.connectors.form.authSet' : 'dash.connectors.form.authNone')
                        : undefined
                  }
                >
                  {/* Write-only: never given a value, whatever is stored or was typed. */}
                  <input
                    id="f-auth_value"
                    name="auth_value"
                    type="password"
                    autocomplete="new-password"
                    maxlength={4000}
                  />
                </Field>
                {hasSecret ? (
                  <div class="field check">
                    <label>
                      <input type="checkbox" name="remove_auth" /> {t(L, 'dash.connectors.form.authRemove')}
                    </label>
                  </div>
                ) : null}
              </>
            )}
          </fieldset>
          {tabular ? (
            <fieldset>
              <legend>{t(L, 'dash.connectors.form.mapping')}</legend>
              <p class="muted">{t(L, 'dash.connectors.form.mappingHint')}</p>
              <p>
                <button
                  type="submit"
                  id="load-fields"
                  class="secondary"
                  formaction={`/dashboard/connectors/sample${q}`}
                  formnovalidate
                >
                  {t(L, 'dash.connectors.form.loadFields')}
                </button>
              </p>
              {p.sampleError ? (
                <Refusal L={L} err={p.sampleError} id="sample-error" />
              ) : p.sample ? (
                <p class="notice" role="status" id="sample-status">
                  {t(L, 'dash.connectors.form.loaded', { count: p.sample.fields.length })}
                </p>
              ) : (
                <p class="notice" role="status" id="sample-status" hidden />
              )}
              <div class="scroll" id="sample-preview" hidden={!p.sample}>
                {p.sample ? <SampleTable fields={p.sample.fields} rows={p.sample.rows} /> : null}
              </div>
              <div class="field">
                <span class="label">{t(L, 'dash.connectors.form.metricMode')}</span>
                <label class="inline">
                  <input type="radio" name="metric_mode" value="fixed" checked={s.metric_mode === 'fixed'} />{' '}
                  {t(L, 'dash.connectors.form.metricFixed')}
                </label>
                <input
                  id="f-metric"
                  name="metric"
                  type="text"
                  value={s.metric}
                  maxlength={100}
                  aria-label={t(L, 'dash.connectors.form.metricFixed')}
                  placeholder="renewal_rate"
                />
                <label class="inline">
                  <input type="radio" name="metric_mode" value="field" checked={s.metric_mode === 'field'} />{' '}
                  {t(L, 'dash.connectors.form.metricFromField')}
                </label>
              </div>
              {(
                [
                  ['metric_field', t(L, 'dash.connectors.form.metricField')],
                  ['subject_field', label(L, 'dash.connectors.form.subject')],
                  ['at_field', t(L, 'dash.connectors.form.at')],
                  ['value_field', t(L, 'dash.connectors.form.value')],
                ] as const
              ).map(([name, text]) => (
                <Picker L={L} name={name} label={text} value={s[name]} fields={p.sample?.fields} />
              ))}
            </fieldset>
          ) : null}
          <p class="buttons">
            <button type="submit" id="save-connector">
              {t(L, 'dash.connectors.form.save')}
            </button>
          </p>
        </form>
      </main>
    </Layout>
  );
}

function KindChoicePage({ L, viewer }: { L: Locale; viewer: Viewer }) {
  const q = viewer.orgs.length > 1 ? `&org=${encodeURIComponent(viewer.org.slug)}` : '';
  const choices: { href: string; label: string; hint: string }[] = [
    ...(['lark', 'wecom', 'dingtalk'] as const).map((pl) => ({
      href: `/dashboard/connectors/new?kind=attendance&platform=${pl}${q}`,
      label: t(L, 'dash.connectors.kind.attendance', { platform: t(L, `dash.connectors.platform.${pl}`) }),
      hint: t(L, 'dash.connectors.form.kindHint.attendance'),
    })),
    {
      href: `/dashboard/connectors/new?kind=bitable${q}`,
      label: t(L, 'dash.connectors.kind.bitable'),
      hint: t(L, 'dash.connectors.form.kindHint.bitable'),
    },
    {
      href: `/dashboard/connectors/new?kind=http${q}`,
      label: t(L, 'dash.connectors.kind.http'),
      hint: label(L, 'dash.connectors.form.kindHint.http'),
    },
  ];
  return (
    <Layout locale={L} title={`${t(L, 'dash.connectors.form.newTitle')} · ${viewer.org.name}`}>
      <header class="top">
        <h1>{t(L, 'dash.connectors.form.newTitle')}</h1>
        <nav class="pickers" aria-label={t(L, 'dash.title')}>
          <a href={`/dashboard/connectors${orgQueryOf(viewer)}`}>{t(L, 'dash.connectors.form.back')}</a>
        </nav>
      </header>
      <main id="main">
        <section class="card">
          <h2>{t(L, 'dash.connectors.form.pickKind')}</h2>
          <ul class="kinds">
            {choices.map((ch) => (
              <li>
                <a href={ch.href}>{ch.label}</a>
                <p class="muted">{ch.hint}</p>
              </li>
            ))}
          </ul>
        </section>
      </main>
    </Layout>
  );
}

/** The list for a resolved viewer. */
export async function renderConnectorsPage(c: Ctx, viewer: Viewer, locale: Locale, notice?: string) {
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
      orgQuery={orgQueryOf(viewer)}
      notice={notice}
    />,
  );
}

const DONE = ['created', 'updated', 'enabled', 'disabled', 'deleted'] as const;
type Done = (typeof DONE)[number];

export function connectorPageRoutes(helpers: ConnectorPageHelpers) {
  const web = new Hono<AppEnv>();

  /** The signed-in administrator and their language, or the response that refuses everyone else. */
  async function admit(c: Ctx) {
    const viewer = await helpers.viewerOr401(c, 'page');
    if (viewer instanceof Response) return viewer;
    const L = helpers.localeFor(c, viewer);
    if (!isConnectorAdmin(viewer))
      return c.html(<MessagePage locale={L} text={t(L, 'dash.connectors.adminOnly')} back />, 403);
    return { viewer, L };
  }

  async function connectorOr404(c: Ctx, a: { viewer: Viewer; L: Locale }, id: string) {
    try {
      return await load(c, a.viewer.org.id, id.slice(0, 64));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        return c.html(<MessagePage locale={a.L} text={t(a.L, 'dash.connectors.notFound')} back />, 404);
      throw err;
    }
  }

  const form = async (c: Ctx): Promise<Form> => (await c.req.parseBody().catch(() => ({}))) as Form;

  const back = (viewer: Viewer, done: Done, id?: string) => {
    const params = new URLSearchParams({ done });
    if (id) params.set('id', id);
    if (viewer.orgs.length > 1) params.set('org', viewer.org.slug);
    return `/dashboard/connectors?${params}`;
  };

  web.get('/', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const done = c.req.query('done') as Done | undefined;
    let notice: string | undefined;
    if (done && DONE.includes(done)) {
      const id = (c.req.query('id') ?? '').slice(0, 64);
      const [row] = id
        ? await c
            .get('deps')
            .store.db.select({ name: connectors.name })
            .from(connectors)
            .where(and(eq(connectors.orgId, a.viewer.org.id), eq(connectors.id, id)))
        : [];
      if (done === 'deleted') notice = t(a.L, 'dash.connectors.done.deleted');
      else if (row) notice = t(a.L, `dash.connectors.done.${done}`, { name: row.name });
    }
    return renderConnectorsPage(c, a.viewer, a.L, notice);
  });

  web.get('/new', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const kind = kindOf(c.req.query('kind') ?? '');
    if (!kind) return c.html(<KindChoicePage L={a.L} viewer={a.viewer} />);
    const platform = ['lark', 'wecom', 'dingtalk'].includes(c.req.query('platform') ?? '')
      ? (c.req.query('platform') as string)
      : 'lark';
    return c.html(<ConnectorFormPage L={a.L} viewer={a.viewer} state={blankState(kind, platform)} />);
  });

  web.post('/', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const f = await form(c);
    const kind = kindOf(str(f, 'kind'));
    if (!kind) return c.html(<KindChoicePage L={a.L} viewer={a.viewer} />, 400);
    const state = stateFromForm(kind, f);
    try {
      const { row } = await createConnector(c, a.viewer.org, createBody(state, f), actorOf(a.viewer));
      return c.redirect(back(a.viewer, 'created', row.id), 303);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return c.html(
        <ConnectorFormPage
          L={a.L}
          viewer={a.viewer}
          state={state}
          error={err}
          retypeSecret={!!opt(str(f, 'auth_value'))}
        />,
        err.status as 400,
      );
    }
  });

  // The picker's fields: JSON for the page's script, the form re-rendered without script.
  web.post('/sample', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const f = await form(c);
    const id = str(f, 'id');
    const row = id ? await connectorOr404(c, a, id) : undefined;
    if (row instanceof Response) return row;
    const kind = row?.kind ?? kindOf(str(f, 'kind'));
    if (!kind) return c.html(<KindChoicePage L={a.L} viewer={a.viewer} />, 400);
    const state = stateFromForm(kind, f);
    const typed = opt(str(f, 'auth_value'));
    // Editing: an empty auth field means "the stored one", for the sample as for saving.
    const secret = typed ?? (row && str(f, 'remove_auth') !== 'on' ? row.secret : null);
    const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
    try {
      const sample = await sampleSource(c, {
        kind,
        source: sourceOf(state),
        ...(secret ? { auth_value: secret } : {}),
      });
      if (wantsJson) return c.json(sample);
      return c.html(
        <ConnectorFormPage L={a.L} viewer={a.viewer} state={state} row={row} sample={sample} retypeSecret={!!typed} />,
      );
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (wantsJson) {
        const r = refusal(a.L, err);
        const detail = [...r.items, ...(r.detail ? [r.detail] : [])].join(' · ');
        return c.json(
          {
            error: {
              code: err.code,
              message: `${t(a.L, 'dash.connectors.form.sampleFailed')} ${r.headline}`,
              ...(detail ? { detail } : {}),
            },
          },
          err.status as 400,
        );
      }
      return c.html(
        <ConnectorFormPage
          L={a.L}
          viewer={a.viewer}
          state={state}
          row={row}
          sampleError={err}
          retypeSecret={!!typed}
        />,
      );
    }
  });

  web.get('/:id/edit', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const row = await connectorOr404(c, a, c.req.param('id'));
    if (row instanceof Response) return row;
    return c.html(<ConnectorFormPage L={a.L} viewer={a.viewer} state={stateFromRow(row)} row={row} />);
  });

  web.post('/:id', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const row = await connectorOr404(c, a, c.req.param('id'));
    if (row instanceof Response) return row;
    const f = await form(c);
    const state = stateFromForm(row.kind, f);
    try {
      await updateConnector(c, a.viewer.org, row, patchBody(state, f), actorOf(a.viewer));
      return c.redirect(back(a.viewer, 'updated', row.id), 303);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return c.html(
        <ConnectorFormPage
          L={a.L}
          viewer={a.viewer}
          state={state}
          row={row}
          error={err}
          retypeSecret={!!opt(str(f, 'auth_value'))}
        />,
        err.status as 400,
      );
    }
  });

  for (const [path, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    web.post(`/:id/${path}`, async (c) => {
      const a = await admit(c);
      if (a instanceof Response) return a;
      const row = await connectorOr404(c, a, c.req.param('id'));
      if (row instanceof Response) return row;
      try {
        await updateConnector(c, a.viewer.org, row, { enabled }, actorOf(a.viewer));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        // Enabling re-checks the source (as the API does): a refusal is shown on the connector's form.
        return c.html(
          <ConnectorFormPage L={a.L} viewer={a.viewer} state={stateFromRow(row)} row={row} error={err} />,
          err.status as 400,
        );
      }
      return c.redirect(back(a.viewer, enabled ? 'enabled' : 'disabled', row.id), 303);
    });

  web.get('/:id/delete', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const row = await connectorOr404(c, a, c.req.param('id'));
    if (row instanceof Response) return row;
    const q = orgQueryOf(a.viewer);
    return c.html(
      <ConfirmDeletePage
        locale={a.L}
        title={t(a.L, 'dash.connectors.confirm.title', { name: row.name })}
        text={t(a.L, 'dash.connectors.confirm.text')}
        yes={t(a.L, 'dash.confirm.yes')}
        no={t(a.L, 'dash.confirm.no')}
        action={`/dashboard/connectors/${encodeURIComponent(row.id)}/delete${q}`}
        back={`/dashboard/connectors${q}`}
      />,
    );
  });

  web.post('/:id/delete', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const row = await connectorOr404(c, a, c.req.param('id'));
    if (row instanceof Response) return row;
    await deleteConnector(c, a.viewer.org, row, actorOf(a.viewer));
    return c.redirect(back(a.viewer, 'deleted'), 303);
  });

  /** "Run now": runs it as the API does (audited) and shows the list with the outcome and its counts. */
  web.post('/:id/run', async (c) => {
    const a = await admit(c);
    if (a instanceof Response) return a;
    const row = await connectorOr404(c, a, c.req.param('id'));
    if (row instanceof Response) return row;
    const report = await runConnectorNow(c, a.viewer.org, row, actorOf(a.viewer));
    const status = t(a.L, `dash.connectors.status.${report.status}`);
    const notice =
      report.status === 'failed'
        ? t(a.L, 'dash.connectors.ran', { name: row.name, status })
        : t(a.L, 'dash.connectors.ranCounts', {
            name: row.name,
            status,
            read: report.read,
            stored: report.stored,
            unchanged: report.unchanged,
            rejected: report.rejected,
          });
    return renderConnectorsPage(c, a.viewer, a.L, notice);
  });

  return web;
}
