// /dashboard/rules/new and /dashboard/rules/:id/edit: the no-code rule builder (issue 17), for
// administrators (the admin token, or a person whose role is admin). A server-rendered form that
// works without script: metric picker with the latest values, scope picker (org, teams from the
// tree, titles, people), period, aggregation, comparison, threshold, consecutive periods, actions
// with their message text. "Preview" answers whom the rule would hit now and what its cards say;
// the page's small script (RULE_BUILDER_JS) asks /dashboard/data/rules/preview for the same answer
// as the form changes. Saving goes through createRule/updateRule of src/api/rules.ts (the API's
// zod schemas, definition checks and audit rows); new rules are saved in observe mode, and the
// rule's page switches it to enforce and back (POST /dashboard/rules/:id/mode).
// The same form edits the built-in KR alerts' parameters. Everything typed is escaped by JSX.
import { Hono, type Context } from 'hono';
import { t, type Locale, type MessageKey } from '../../core/i18n';
import {
  AGGREGATIONS,
  OPERATORS,
  PERIODS,
  suggestionFor,
  type MetricRule,
  type Period,
  type RuleDefinition,
} from '../../core/rules/definition';
import { valuesText, type ConditionFacts } from '../../core/rules/describe';
import { buildEscalationCard } from '../../cards/escalation';
import { buildCheckInTaskCard, buildSuggestionCard } from '../../cards/suggestion';
import { cardToText } from '../../cards/text';
import { checkBuiltin, checkMetricRule, createRule, deleteRule, updateRule, type RuleActor } from '../api/rules';
import { ApiError } from '../api/errors';
import { previewRule } from '../rules/preview';
import { getRule, parseDefinition, type RuleRow } from '../rules/repo';
import type { AppEnv } from '../services';
import { ConfirmDeletePage, LangToggle, Layout } from './pages';
import { metricChoices, scopeChoices, type MetricChoice, type ScopeChoices } from './rule-builder-data';
import {
  ACTION_TYPES_IN_FORM,
  definitionToForm,
  type FieldError,
  type FormFields,
  formToBuiltinDefinition,
  formToMetricDefinition,
  formToRuleInput,
  localizeRuleErrors,
} from './rule-builder-form';
import type { Viewer } from './viewer';
import { inArray, and, eq } from 'drizzle-orm';
import { people, teams } from '../../storage/schema';

type Ctx = Context<AppEnv>;

export interface RuleBuilderHelpers {
  viewerOr401(c: Ctx, kind: 'page' | 'data'): Promise<Viewer | Response>;
  localeFor(c: Ctx, viewer?: Viewer): Locale;
  message(c: Ctx, locale: Locale, text: string, status: 403 | 404): Response | Promise<Response>;
  /** A one-time notice on the next dashboard page (the cookie flash the approvals use). */
  flash(c: Ctx, notice: { kind: 'success'; text: string }): void;
}

/** Rules change what happens to people: the admin token, or a person with the admin role (not every whole-org viewer). */
export function canEditRules(viewer: Viewer): boolean {
  return viewer.claims.sub === 'admin' || viewer.person?.role === 'admin';
}

function actorOf(viewer: Viewer): RuleActor {
  return viewer.person
    ? { type: 'person', id: viewer.person.id, via: 'dashboard' }
    : { type: 'admin', id: null, via: 'dashboard' };
}

const orgQuery = (viewer: Viewer) => (viewer.orgs.length > 1 ? `?org=${encodeURIComponent(viewer.org.slug)}` : '');

/** A bounded form body: every value a string (files are dropped), lists kept as lists. */
async function readForm(c: Ctx): Promise<FormFields> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > 128 * 1024) return {};
  const raw = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const out: FormFields = {};
  for (const [k, v] of Object.entries(raw).slice(0, 100)) {
    const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    out[k.replace(/\[\]$/, '')] = Array.isArray(v) ? list : (list[0] ?? '');
  }
  return out;
}

export interface PreviewView {
  total: number;
  hits: { name: string; detail: string; values: string; already: boolean }[];
  cards: { action: string; text: string }[];
  evaluatedAt: string;
}

const SHOWN_HITS = 200;

/**
 * Whom the form's rule hits now (previewRule, as POST /api/v1/rules/preview) and its cards, drawn by
 * the same builders the engine sends, for the first hit (or a sample person when nobody is hit).
 * The definition passes the API's checks first; a refusal is thrown as the API's ApiError.
 */
async function previewForm(c: Ctx, viewer: Viewer, L: Locale, form: FormFields, row?: RuleRow): Promise<PreviewView> {
  const deps = c.get('deps');
  const now = deps.clock.now();
  let definition: RuleDefinition;
  if (row?.builtin) definition = checkBuiltin(row, formToBuiltinDefinition(form, row.builtin));
  else definition = await checkMetricRule(deps.store, viewer.org.id, formToMetricDefinition(form));
  const result = await previewRule(deps, viewer.org, definition, now, row?.id);
  const hits = result.hits.slice(0, SHOWN_HITS);
  const ids = hits.filter((h) => h.subject.type === 'person').map((h) => h.subject.id);
  const details = new Map<string, string>();
  const titles = new Map<string, string | null>();
  if (ids.length) {
    const rows = await deps.store.db
      .select({ id: people.id, title: people.title, team: teams.name })
      .from(people)
      .leftJoin(teams, eq(teams.id, people.teamId))
      .where(and(eq(people.orgId, viewer.org.id), inArray(people.id, ids)));
    for (const r of rows) {
      details.set(r.id, [r.title, r.team].filter(Boolean).join(' · '));
      titles.set(r.id, r.title);
    }
  }
  const period: Period = definition.kind === 'metric' ? definition.period : 'day';
  const view: PreviewView = {
    total: result.hits.length,
    evaluatedAt: result.evaluated_at,
    hits: hits.map((h) => ({
      name: h.subject.name,
      detail: details.get(h.subject.id) ?? (h.subject.type === 'key_result' ? t(L, 'dash.builder.krHit') : ''),
      values: h.values ? valuesText(L, period, h.values) : '',
      already: h.already_firing,
    })),
    cards: [],
  };
  if (definition.kind === 'metric') {
    const first = result.hits[0];
    view.cards = cardPreviews(L, form, definition, {
      name: first?.subject.name ?? t(L, 'dash.builder.samplePerson'),
      title: first ? (titles.get(first.subject.id) ?? null) : null,
      values: first?.values ?? [{ period: '—', value: definition.condition.threshold }],
    });
  }
  return view;
}

function cardPreviews(
  L: Locale,
  form: FormFields,
  rule: MetricRule,
  person: { name: string; title: string | null; values: { period: string; value: number }[] },
): PreviewView['cards'] {
  const ruleName = String(form.name ?? '').trim() || t(L, 'dash.builder.untitled');
  const condition: ConditionFacts = {
    metric: rule.metric,
    period: rule.period,
    consecutive: rule.consecutive,
    op: rule.condition.op,
    threshold: rule.condition.threshold,
  };
  const text = (card: Parameters<typeof cardToText>[0]) => cardToText(card, { locale: L, userText: (s) => s });
  const out: PreviewView['cards'] = [];
  for (const a of rule.actions) {
    if (a.type === 'notify_subject')
      out.push({
        action: a.type,
        text: text(
          buildSuggestionCard({
            locale: L,
            personName: person.name,
            ruleName,
            condition,
            values: person.values,
            suggestion: suggestionFor(rule, L),
          }),
        ),
      });
    else if (a.type === 'open_check_in')
      out.push({
        action: a.type,
        text: text(buildCheckInTaskCard({ locale: L, personName: person.name, ruleName, condition })),
      });
    else if (a.type === 'escalate_coach' || a.type === 'notify_manager')
      out.push({
        action: a.type,
        text: text(
          buildEscalationCard({
            locale: L,
            firingId: 'preview',
            personName: person.name,
            personTitle: person.title,
            ruleName,
            condition,
            trend: person.values,
          }),
        ),
      });
    else if (a.type === 'set_flag') out.push({ action: a.type, text: t(L, 'dash.builder.flagText', { flag: a.flag }) });
  }
  return out;
}

// ---- the page ------------------------------------------------------------------------

const fmt = (n: number | null) => (n === null ? '—' : String(Math.round(n * 100) / 100));

function metricLabel(L: Locale, m: MetricChoice): string {
  if (!m.subjects) return `${m.metric} — ${t(L, 'dash.builder.metricNoPoints')}`;
  const latest =
    m.subjects === 1
      ? t(L, 'dash.builder.metricLatestOne', { value: fmt(m.avg) })
      : t(L, 'dash.builder.metricLatest', {
          avg: fmt(m.avg),
          min: fmt(m.min),
          max: fmt(m.max),
          n: m.subjects,
        });
  return `${m.metric} — ${latest} (${(m.lastAt ?? '').slice(0, 10)})`;
}

const has = (form: FormFields, key: string, value: string) => {
  const v = form[key];
  return Array.isArray(v) ? v.includes(value) : v === value;
};
const val = (form: FormFields, key: string, fallback = '') => {
  const v = form[key];
  return (Array.isArray(v) ? v[0] : v) ?? fallback;
};

function Errors({ L, errors }: { L: Locale; errors: FieldError[] }) {
  if (!errors.length) return null;
  return (
    <div class="notice flash f-error" role="alert" id="builder-errors">
      <strong>{t(L, 'dash.builder.errorsTitle')}</strong>
      <ul>
        {errors.map((e) => (
          <li data-field={e.field}>{e.text}</li>
        ))}
      </ul>
    </div>
  );
}

export function PreviewSection({ L, preview, error }: { L: Locale; preview?: PreviewView; error?: FieldError[] }) {
  return (
    <section class="card" aria-labelledby="preview-h" id="preview" aria-live="polite">
      <h2 id="preview-h">{t(L, 'dash.builder.previewTitle')}</h2>
      {error?.length ? (
        <ul class="error-text" id="preview-errors">
          {error.map((e) => (
            <li>{e.text}</li>
          ))}
        </ul>
      ) : !preview ? (
        <p class="muted" id="preview-empty">
          {t(L, 'dash.builder.previewHint')}
        </p>
      ) : (
        <>
          <p id="preview-count">
            {t(L, 'dash.builder.previewCount', { n: preview.total })}
            {preview.total > preview.hits.length
              ? ` ${t(L, 'dash.builder.previewFirst', { n: preview.hits.length })}`
              : ''}
          </p>
          {preview.hits.length ? (
            <div class="scroll">
              <table class="list" id="preview-hits">
                <thead>
                  <tr>
                    <th scope="col">{t(L, 'dash.rules.person')}</th>
                    <th scope="col">{t(L, 'dash.rules.values')}</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.hits.map((h) => (
                    <tr>
                      <td>
                        <span class="name">{h.name}</span>
                        {h.already ? <span class="kind">{t(L, 'dash.builder.alreadyFiring')}</span> : null}
                        <div class="muted small">{h.detail}</div>
                      </td>
                      <td>{h.values}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {preview.cards.length ? (
            <>
              <h3 class="small muted">{t(L, 'dash.builder.cardsTitle')}</h3>
              <div id="card-previews">
                {preview.cards.map((card) => (
                  <figure class="card-preview" data-action={card.action}>
                    <figcaption class="small muted">
                      {t(L, `dash.builder.action.${card.action}` as MessageKey)}
                    </figcaption>
                    <pre>{card.text}</pre>
                  </figure>
                ))}
              </div>
            </>
          ) : null}
        </>
      )}
    </section>
  );
}

export function RuleBuilderPage(p: {
  locale: Locale;
  viewer: Viewer;
  rule?: RuleRow;
  form: FormFields;
  metrics: MetricChoice[];
  choices: ScopeChoices;
  errors: FieldError[];
  preview?: PreviewView;
}) {
  const L = p.locale;
  const f = p.form;
  const q = orgQuery(p.viewer);
  const builtin = p.rule?.builtin ?? null;
  const action = p.rule ? `/dashboard/rules/${encodeURIComponent(p.rule.id)}/edit${q}` : `/dashboard/rules/new${q}`;
  const title = p.rule ? t(L, 'dash.builder.editTitle') : t(L, 'dash.builder.newTitle');
  const scopeType = val(f, 'scope_type', 'org');
  const metricKnown = p.metrics.some((m) => m.metric === val(f, 'metric'));
  return (
    <Layout
      locale={L}
      title={`${title} · ${p.viewer.org.name}`}
      scripts={<script src="/dashboard/assets/rule-builder.js" defer />}
    >
      <header class="top">
        <h1>
          {title} <span class="org">{p.viewer.org.name}</span>
        </h1>
        <a href={p.rule ? `/dashboard/rules/${encodeURIComponent(p.rule.id)}${q}` : `/dashboard${q}`} class="back">
          ← {t(L, 'dash.kr.back')}
        </a>
        <LangToggle
          locale={L}
          href={(lang) =>
            `${p.rule ? `/dashboard/rules/${encodeURIComponent(p.rule.id)}/edit` : '/dashboard/rules/new'}?lang=${lang}${q ? `&${q.slice(1)}` : ''}`
          }
        />
      </header>
      <main id="main" class="builder">
        <Errors L={L} errors={p.errors} />
        <form
          method="post"
          action={action}
          id="rule-form"
          class="card rule-form"
          data-preview={`/dashboard/data/rules/preview${q}`}
        >
          {p.rule ? <input type="hidden" name="rule_id" value={p.rule.id} /> : null}
          <label for="f-name">{t(L, 'dash.builder.name')}</label>
          <input id="f-name" name="name" value={val(f, 'name')} maxlength={200} required />
          {p.rule ? (
            <p class="muted small" id="current-mode">
              {t(L, 'dash.builder.currentMode', {
                mode: t(L, p.rule.mode === 'enforce' ? 'dash.rules.enforce' : 'dash.rules.observe'),
              })}
            </p>
          ) : (
            <p class="muted small">{t(L, 'dash.builder.observeFirst')}</p>
          )}
          <label class="inline">
            <input type="checkbox" name="enabled" value="yes" checked={val(f, 'enabled', 'yes') !== 'no'} />{' '}
            {t(L, 'dash.builder.enabled')}
          </label>
          <input type="hidden" name="enabled" value="no" />
          {builtin ? (
            <BuiltinFields L={L} f={f} builtin={builtin} />
          ) : (
            <>
              <fieldset>
                <legend>{t(L, 'dash.builder.when')}</legend>
                <label for="f-metric">{t(L, 'dash.builder.metric')}</label>
                <select id="f-metric" name="metric">
                  <option value="">{t(L, 'dash.builder.pickMetric')}</option>
                  {!metricKnown && val(f, 'metric') ? (
                    <option value={val(f, 'metric')} selected>
                      {val(f, 'metric')}
                    </option>
                  ) : null}
                  {p.metrics.map((m) => (
                    <option value={m.metric} selected={val(f, 'metric') === m.metric}>
                      {metricLabel(L, m)}
                    </option>
                  ))}
                </select>
                <div class="row3">
                  <span>
                    <label for="f-period">{t(L, 'dash.builder.period')}</label>
                    <select id="f-period" name="period">
                      {PERIODS.map((x) => (
                        <option value={x} selected={val(f, 'period', 'month') === x}>
                          {t(L, `dash.builder.period.${x}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                  </span>
                  <span>
                    <label for="f-aggregation">{t(L, 'dash.builder.aggregation')}</label>
                    <select id="f-aggregation" name="aggregation">
                      {AGGREGATIONS.map((x) => (
                        <option value={x} selected={val(f, 'aggregation', 'last') === x}>
                          {t(L, `dash.builder.agg.${x}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                  </span>
                  <span>
                    <label for="f-op">{t(L, 'dash.builder.op')}</label>
                    <select id="f-op" name="op">
                      {OPERATORS.map((x) => (
                        <option value={x} selected={val(f, 'op', '<') === x}>
                          {t(L, `dash.builder.opText.${OP_NAMES[x]}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                  </span>
                  <span>
                    <label for="f-threshold">{t(L, 'dash.builder.threshold')}</label>
                    <input
                      id="f-threshold"
                      name="threshold"
                      inputmode="decimal"
                      value={val(f, 'threshold')}
                      maxlength={30}
                    />
                  </span>
                  <span>
                    <label for="f-consecutive">{t(L, 'dash.builder.consecutive')}</label>
                    <input
                      id="f-consecutive"
                      name="consecutive"
                      type="number"
                      min={1}
                      max={366}
                      value={val(f, 'consecutive', '1')}
                    />
                  </span>
                </div>
              </fieldset>
              <fieldset id="scope">
                <legend>{t(L, 'dash.builder.scope')}</legend>
                <div class="choices" role="radiogroup">
                  {(['org', 'team', 'role', 'people'] as const).map((x) => (
                    <label class="inline">
                      <input type="radio" name="scope_type" value={x} checked={scopeType === x} />{' '}
                      {t(L, `dash.builder.scope.${x}` as MessageKey)}
                    </label>
                  ))}
                </div>
                <div class="scope-part" data-scope="team">
                  <label for="f-teams">{t(L, 'dash.builder.teams')}</label>
                  <select id="f-teams" name="teams" multiple size={6}>
                    {p.choices.teams.map((x) => (
                      <option value={x.name} selected={has(f, 'teams', x.name) || has(f, 'teams', x.id)}>
                        {`${'\u00a0\u00a0'.repeat(x.depth)}${x.name}`}
                      </option>
                    ))}
                  </select>
                  <label class="inline">
                    <input
                      type="checkbox"
                      name="include_subteams"
                      value="yes"
                      checked={val(f, 'include_subteams', 'yes') !== 'no'}
                    />{' '}
                    {t(L, 'dash.builder.includeSubteams')}
                  </label>
                  <input type="hidden" name="include_subteams" value="no" />
                </div>
                <div class="scope-part" data-scope="role">
                  <label for="f-titles">{t(L, 'dash.builder.titles')}</label>
                  <select id="f-titles" name="titles" multiple size={6}>
                    {[...new Set([...p.choices.titles, ...(Array.isArray(f.titles) ? f.titles : [])])].map((x) => (
                      <option value={x} selected={has(f, 'titles', x)}>
                        {x}
                      </option>
                    ))}
                  </select>
                  <label for="f-titles-text">{t(L, 'dash.builder.titlesText')}</label>
                  <input id="f-titles-text" name="titles_text" value={val(f, 'titles_text')} maxlength={500} />
                </div>
                <div class="scope-part" data-scope="people">
                  <label for="f-people">{t(L, 'dash.builder.people')}</label>
                  <select id="f-people" name="people" multiple size={6}>
                    {p.choices.people.map((x) => (
                      <option value={x.externalId} selected={has(f, 'people', x.externalId)}>
                        {`${x.name}${x.title ? ` · ${x.title}` : ''} (${x.externalId})`}
                      </option>
                    ))}
                  </select>
                  <label for="f-people-text">{t(L, 'dash.builder.peopleText')}</label>
                  <input id="f-people-text" name="people_text" value={val(f, 'people_text')} maxlength={2000} />
                </div>
              </fieldset>
              <fieldset>
                <legend>{t(L, 'dash.builder.actions')}</legend>
                {ACTION_TYPES_IN_FORM.map((x) => (
                  <div class="action">
                    <label class="inline">
                      <input type="checkbox" name="actions" value={x} checked={has(f, 'actions', x)} />{' '}
                      {t(L, `dash.builder.action.${x}` as MessageKey)}
                    </label>
                    {x === 'set_flag' ? (
                      <span class="sub">
                        <label for="f-flag">{t(L, 'dash.builder.flag')}</label>
                        <select id="f-flag" name="flag">
                          {[...new Set(['promotion_nomination_frozen', 'bonus_review', val(f, 'flag')])]
                            .filter(Boolean)
                            .map((flag) => (
                              <option value={flag} selected={val(f, 'flag', 'promotion_nomination_frozen') === flag}>
                                {FLAG_KEYS[flag] ? `${t(L, FLAG_KEYS[flag])} (${flag})` : flag}
                              </option>
                            ))}
                        </select>
                      </span>
                    ) : null}
                    {x === 'escalate_coach' ? (
                      <span class="sub">
                        <label for="f-after-days">{t(L, 'dash.builder.afterDays')}</label>
                        <input
                          id="f-after-days"
                          name="after_days"
                          type="number"
                          min={1}
                          max={60}
                          value={val(f, 'after_days', '3')}
                        />
                      </span>
                    ) : null}
                  </div>
                ))}
                <label for="f-suggestion-zh">{t(L, 'dash.builder.suggestionZh')}</label>
                <textarea id="f-suggestion-zh" name="suggestion_zh" maxlength={1000} rows={3}>
                  {val(f, 'suggestion_zh')}
                </textarea>
                <label for="f-suggestion-en">{t(L, 'dash.builder.suggestionEn')}</label>
                <textarea id="f-suggestion-en" name="suggestion_en" maxlength={1000} rows={3}>
                  {val(f, 'suggestion_en')}
                </textarea>
              </fieldset>
            </>
          )}
          <div class="buttons">
            <button type="submit" name="intent" value="preview" class="secondary" id="preview-button">
              {t(L, 'dash.builder.previewButton')}
            </button>
            <button type="submit" name="intent" value="save" id="save-button">
              {p.rule ? t(L, 'dash.builder.saveEdit') : t(L, 'dash.builder.saveObserve')}
            </button>
          </div>
        </form>
        <PreviewSection L={L} preview={p.preview} />
        <script
          type="application/json"
          id="builder-messages"
          dangerouslySetInnerHTML={{ __html: builderMessages(L) }}
        />
      </main>
    </Layout>
  );
}

/** The texts the script draws the preview with, as JSON data (the CSP allows no inline script). */
function builderMessages(L: Locale): string {
  const actions = Object.fromEntries(
    ACTION_TYPES_IN_FORM.map((a) => [a, t(L, `dash.builder.action.${a}` as MessageKey)]),
  );
  return JSON.stringify({
    count: t(L, 'dash.builder.previewCount', { n: '{n}' }),
    person: t(L, 'dash.rules.person'),
    values: t(L, 'dash.rules.values'),
    already: t(L, 'dash.builder.alreadyFiring'),
    cards: t(L, 'dash.builder.cardsTitle'),
    actions,
  }).replace(/</g, '\\u003c');
}

const OP_NAMES: Record<string, string> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne' };
const FLAG_KEYS: Record<string, MessageKey> = {
  promotion_nomination_frozen: 'dash.builder.flag.promotion_nomination_frozen',
  bonus_review: 'dash.builder.flag.bonus_review',
};

function BuiltinFields({ L, f, builtin }: { L: Locale; f: FormFields; builtin: string }) {
  return (
    <fieldset id="builtin">
      <legend>{t(L, 'dash.builder.builtinLegend')}</legend>
      <p class="muted small">{t(L, `dash.builder.builtin.${builtin}` as MessageKey)}</p>
      {builtin === 'kr_status' ? (
        <div class="choices">
          {(['at_risk', 'off_track'] as const).map((s) => (
            <label class="inline">
              <input type="checkbox" name="statuses" value={s} checked={has(f, 'statuses', s)} />{' '}
              {t(L, `dash.status.${s}` as MessageKey)}
            </label>
          ))}
        </div>
      ) : null}
      {builtin === 'kr_confidence_drop' ? (
        <>
          <label for="f-min-drop">{t(L, 'dash.builder.minDrop')}</label>
          <input id="f-min-drop" name="min_drop" inputmode="numeric" value={val(f, 'min_drop', '3')} maxlength={10} />
        </>
      ) : null}
      {builtin === 'kr_stale' ? (
        <>
          <label for="f-days">{t(L, 'dash.builder.days')}</label>
          <input id="f-days" name="days" inputmode="numeric" value={val(f, 'days', '14')} maxlength={10} />
        </>
      ) : null}
    </fieldset>
  );
}

// ---- routes --------------------------------------------------------------------------

function refusal(L: Locale, err: ApiError, form: FormFields): FieldError[] {
  const period = (PERIODS as readonly string[]).includes(val(form, 'period'))
    ? (val(form, 'period') as Period)
    : undefined;
  return localizeRuleErrors(L, err.code, err.details, form, period);
}

export function ruleBuilderRoutes(h: RuleBuilderHelpers) {
  const r = new Hono<AppEnv>();

  /** The admin viewer and their locale, or the page's refusal. */
  async function admin(c: Ctx): Promise<{ viewer: Viewer; L: Locale } | Response> {
    const viewer = await h.viewerOr401(c, 'page');
    if (viewer instanceof Response) return viewer;
    const L = h.localeFor(c, viewer);
    if (!canEditRules(viewer)) return h.message(c, L, t(L, 'dash.builder.adminOnly'), 403);
    return { viewer, L };
  }

  async function render(
    c: Ctx,
    a: { viewer: Viewer; L: Locale },
    form: FormFields,
    extra: { rule?: RuleRow; errors?: FieldError[]; preview?: PreviewView },
    status: 200 | 400 = 200,
  ) {
    const { store } = c.get('deps');
    const [metrics, choices] = await Promise.all([
      metricChoices(store, a.viewer.org.id),
      scopeChoices(store, a.viewer.org.id),
    ]);
    return c.html(
      <RuleBuilderPage
        locale={a.L}
        viewer={a.viewer}
        rule={extra.rule}
        form={form}
        metrics={metrics}
        choices={choices}
        errors={extra.errors ?? []}
        preview={extra.preview}
      />,
      status,
    );
  }

  async function ruleOf(c: Ctx, viewer: Viewer): Promise<RuleRow | undefined> {
    const id = c.req.param('id') ?? '';
    return id.length <= 120 ? getRule(c.get('deps').store, viewer.org.id, id) : undefined;
  }

  /** Preview (no-script) or save: one handler for the new and the edit form. */
  async function submit(c: Ctx, a: { viewer: Viewer; L: Locale }, rule?: RuleRow) {
    const form = await readForm(c);
    const q = orgQuery(a.viewer);
    try {
      if (val(form, 'intent') === 'preview')
        return render(c, a, form, { rule, preview: await previewForm(c, a.viewer, a.L, form, rule) });
      const deps = c.get('deps');
      const input = formToRuleInput(form, rule?.builtin);
      const saved = rule
        ? await updateRule(deps, a.viewer.org.id, rule, input, actorOf(a.viewer))
        : await createRule(deps, a.viewer.org.id, { ...input, mode: 'observe' }, actorOf(a.viewer));
      const sep = q ? '&' : '?';
      return c.redirect(`/dashboard/rules/${encodeURIComponent(saved.id)}${q}${sep}saved=1`, 303);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400)
        return render(c, a, form, { rule, errors: refusal(a.L, err, form) }, 400);
      throw err;
    }
  }

  r.get('/new', async (c) => {
    const a = await admin(c);
    if (a instanceof Response) return a;
    const form: FormFields = { scope_type: 'org', period: 'month', aggregation: 'last', op: '<', consecutive: '1' };
    const metric = c.req.query('metric');
    if (metric && metric.length <= 100) form.metric = metric;
    return render(c, a, form, {});
  });
  r.post('/new', async (c) => {
    const a = await admin(c);
    if (a instanceof Response) return a;
    return submit(c, a);
  });
  r.get('/:id/edit', async (c) => {
    const a = await admin(c);
    if (a instanceof Response) return a;
    const rule = await ruleOf(c, a.viewer);
    if (!rule) return h.message(c, a.L, t(a.L, 'dash.rules.notFound'), 404);
    const { definition } = parseDefinition(rule);
    return render(c, a, definitionToForm(rule.name, rule.enabled, definition), { rule });
  });
  r.post('/:id/edit', async (c) => {
    const a = await admin(c);
    if (a instanceof Response) return a;
    const rule = await ruleOf(c, a.viewer);
    if (!rule) return h.message(c, a.L, t(a.L, 'dash.rules.notFound'), 404);
    return submit(c, a, rule);
  });
  // Observe ⇄ enforce: the rule page's switch, through the API's update (flags follow, audited).
  r.post('/:id/mode', async (c) => {
    const a = await admin(c);
    if (a instanceof Response) return a;
    const rule = await ruleOf(c, a.viewer);
    if (!rule) return h.message(c, a.L, t(a.L, 'dash.rules.notFound'), 404);
    const form = await readForm(c);
    const mode = val(form, 'mode');
    const q = orgQuery(a.viewer);
    const sep = q ? '&' : '?';
    if (mode !== 'observe' && mode !== 'enforce')
      return c.redirect(`/dashboard/rules/${encodeURIComponent(rule.id)}${q}${sep}bad=1`, 303);
    await updateRule(c.get('deps'), a.viewer.org.id, rule, { mode }, actorOf(a.viewer));
    return c.redirect(`/dashboard/rules/${encodeURIComponent(rule.id)}${q}${sep}mode=${mode}`, 303);
  });
  // Delete: asked on its own page first; a built-in cannot be deleted (it is turned off in its form).
  async function deletable(c: Ctx) {
    const a = await admin(c);
    if (a instanceof Response) return a;
    const rule = await ruleOf(c, a.viewer);
    if (!rule || rule.builtin) return h.message(c, a.L, t(a.L, 'dash.rules.notFound'), 404);
    return { ...a, rule };
  }
  r.get('/:id/delete', async (c) => {
    const a = await deletable(c);
    if (a instanceof Response) return a;
    const q = orgQuery(a.viewer);
    const id = encodeURIComponent(a.rule.id);
    return c.html(
      <ConfirmDeletePage
        locale={a.L}
        title={t(a.L, 'dash.builder.confirmDelete', { name: a.rule.name })}
        text={t(a.L, 'dash.builder.confirmDeleteText')}
        yes={t(a.L, 'dash.confirm.yes')}
        no={t(a.L, 'dash.confirm.no')}
        action={`/dashboard/rules/${id}/delete${q}`}
        back={`/dashboard/rules/${id}${q}`}
      />,
    );
  });
  r.post('/:id/delete', async (c) => {
    const a = await deletable(c);
    if (a instanceof Response) return a;
    await deleteRule(c.get('deps'), a.viewer.org.id, a.rule, actorOf(a.viewer));
    h.flash(c, { kind: 'success', text: t(a.L, 'dash.builder.deleted') });
    return c.redirect(`/dashboard${orgQuery(a.viewer)}#rules-h`, 303);
  });
  return r;
}

/** POST /dashboard/data/rules/preview: the live preview's answer for the page's script (JSON). */
export async function previewData(c: Ctx, h: Pick<RuleBuilderHelpers, 'viewerOr401' | 'localeFor'>) {
  const viewer = await h.viewerOr401(c, 'data');
  if (viewer instanceof Response) return viewer;
  const L = h.localeFor(c, viewer);
  if (!canEditRules(viewer))
    return c.json({ error: { code: 'forbidden', message: t(L, 'dash.builder.adminOnly') } }, 403);
  const form = await readForm(c);
  const ruleId = val(form, 'rule_id');
  const rule = ruleId ? await getRule(c.get('deps').store, viewer.org.id, ruleId.slice(0, 120)) : undefined;
  try {
    return c.json({ ok: true, ...(await previewForm(c, viewer, L, form, rule)) });
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return c.json({ ok: false, errors: refusal(L, err, form) }, 400);
    throw err;
  }
}

/** The builder's progressive script: show the scope part picked, and preview as the form changes. */
export const RULE_BUILDER_JS = `(function () {
  'use strict';
  var form = document.getElementById('rule-form');
  if (!form) return;
  var section = document.getElementById('preview');
  function scopeParts() {
    var picked = form.querySelector('input[name=scope_type]:checked');
    var value = picked ? picked.value : 'org';
    var parts = form.querySelectorAll('.scope-part');
    for (var i = 0; i < parts.length; i++) parts[i].hidden = parts[i].getAttribute('data-scope') !== value;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // One preview in flight per page: changes made meanwhile are previewed once it answers, so a
  // large org's dry run (seconds at 100,000 people) is never run twice at once by one admin.
  var busy = false, again = false, timer = 0;
  function preview() {
    if (busy) { again = true; return; }
    busy = true; again = false;
    var body = new URLSearchParams(new FormData(form));
    body.delete('intent');
    section.setAttribute('aria-busy', 'true');
    fetch(form.getAttribute('data-preview'), {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString()
    }).then(function (res) { return res.json(); }).then(function (data) {
      if (!again) draw(data);
    }).catch(function () {}).then(function () {
      busy = false;
      section.removeAttribute('aria-busy');
      if (again) preview();
    });
  }
  function draw(data) {
    var h = section.querySelector('h2');
    section.textContent = '';
    section.appendChild(h);
    var M = JSON.parse(document.getElementById('builder-messages').textContent);
    if (!data.ok) {
      var ul = el('ul', 'error-text'); ul.id = 'preview-errors';
      (data.errors || [{ text: (data.error && data.error.message) || '' }]).forEach(function (e) { ul.appendChild(el('li', '', e.text)); });
      section.appendChild(ul);
      return;
    }
    var p = el('p', '', M.count.replace('{n}', String(data.total))); p.id = 'preview-count';
    section.appendChild(p);
    if (data.hits.length) {
      var wrap = el('div', 'scroll'), table = el('table', 'list'); table.id = 'preview-hits';
      var head = el('tr'); head.appendChild(el('th', '', M.person)); head.appendChild(el('th', '', M.values));
      var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
      var tbody = el('tbody');
      data.hits.forEach(function (x) {
        var tr = el('tr'), td = el('td');
        td.appendChild(el('span', 'name', x.name));
        if (x.already) td.appendChild(el('span', 'kind', M.already));
        td.appendChild(el('div', 'muted small', x.detail));
        tr.appendChild(td); tr.appendChild(el('td', '', x.values)); tbody.appendChild(tr);
      });
      table.appendChild(tbody); wrap.appendChild(table); section.appendChild(wrap);
    }
    if (data.cards.length) {
      section.appendChild(el('h3', 'small muted', M.cards));
      var box = el('div'); box.id = 'card-previews';
      data.cards.forEach(function (c) {
        var fig = el('figure', 'card-preview'); fig.setAttribute('data-action', c.action);
        fig.appendChild(el('figcaption', 'small muted', M.actions[c.action] || c.action));
        fig.appendChild(el('pre', '', c.text));
        box.appendChild(fig);
      });
      section.appendChild(box);
    }
    section.setAttribute('data-previewed', String(data.total));
  }
  function soon() { clearTimeout(timer); timer = setTimeout(preview, 350); }
  form.addEventListener('change', function () { scopeParts(); soon(); });
  form.addEventListener('input', soon);
  scopeParts();
  if (form.querySelector('[name=metric]') && form.querySelector('[name=metric]').value) preview();
})();
`;
