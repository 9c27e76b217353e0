// The rule builder's form ⇄ the API's rule body. The form only gathers fields; the body it
// yields goes to createRule/updateRule (src/api/rules.ts), whose zod schemas and checks are the
// one validator. Numbers that do not parse are passed on as text, so the schema refuses them
// (a bad threshold is the API's "expected number", not a second rule written here). Errors come
// back as the API's details ({path, message}) and are put into the reader's language here.
import { t, type Locale, type MessageKey } from '../../core/i18n';
import { MAX_CONSECUTIVE, type BuiltinRule, type MetricRule, type Period } from '../../core/rules/definition';

export const ACTION_TYPES_IN_FORM = [
  'set_flag',
  'notify_subject',
  'notify_manager',
  'escalate_coach',
  'open_check_in',
] as const;

export type FormFields = Record<string, string | string[]>;

/** Bounds on what a form may carry before anything is parsed (each text, each list). */
const MAX_TEXT = 2000;
const MAX_LIST = 1000;

function one(form: FormFields, key: string): string {
  const v = form[key];
  const s = Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
  return String(s).slice(0, MAX_TEXT).trim();
}

function many(form: FormFields, key: string): string[] {
  const v = form[key] ?? form[`${key}[]`];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list
    .slice(0, MAX_LIST)
    .map((x) => String(x).slice(0, MAX_TEXT).trim())
    .filter(Boolean);
}

/** A number when the text is one; else the text itself (empty → undefined), for the schema to refuse. */
function numberOrText(text: string): number | string | undefined {
  if (text === '') return undefined;
  const n = Number(text.replace(/,/g, '').replace(/%$/, ''));
  return Number.isFinite(n) ? n : text;
}

/** Comma/、/newline separated words (titles, ids typed by hand), merged with the picked ones. */
function words(form: FormFields, picked: string, typed: string): string[] {
  const typedWords = one(form, typed)
    .split(/[,，、\n]/)
    .map((w) => w.trim())
    .filter(Boolean);
  return [...new Set([...many(form, picked), ...typedWords])];
}

/** The metric rule definition the form describes (not validated: the API's schema does that). */
export function formToMetricDefinition(form: FormFields): Record<string, unknown> {
  const scopeType = one(form, 'scope_type') || 'org';
  let scope: Record<string, unknown>;
  if (scopeType === 'team')
    scope = { type: 'team', teams: many(form, 'teams'), includeSubteams: one(form, 'include_subteams') !== 'no' };
  else if (scopeType === 'role') scope = { type: 'role', titles: words(form, 'titles', 'titles_text') };
  else if (scopeType === 'people') scope = { type: 'people', people: words(form, 'people', 'people_text') };
  else scope = { type: scopeType };
  const picked = new Set(many(form, 'actions'));
  const actions: Record<string, unknown>[] = [];
  for (const type of ACTION_TYPES_IN_FORM) {
    if (!picked.has(type)) continue;
    if (type === 'set_flag') actions.push({ type, flag: one(form, 'flag') });
    else if (type === 'escalate_coach') {
      const days = numberOrText(one(form, 'after_days'));
      actions.push(days === undefined ? { type } : { type, afterDays: days });
    } else actions.push({ type });
  }
  const suggestion: Record<string, string> = {};
  const zh = one(form, 'suggestion_zh');
  const en = one(form, 'suggestion_en');
  if (zh) suggestion['zh-CN'] = zh;
  if (en) suggestion.en = en;
  const definition: Record<string, unknown> = {
    kind: 'metric',
    scope,
    metric: one(form, 'metric'),
    period: one(form, 'period'),
    aggregation: one(form, 'aggregation'),
    condition: { op: one(form, 'op'), threshold: numberOrText(one(form, 'threshold')) },
    consecutive: numberOrText(one(form, 'consecutive')) ?? 1,
    actions,
  };
  if (zh || en) definition.suggestion = suggestion;
  return definition;
}

/** A built-in KR alert's parameters from the form. */
export function formToBuiltinDefinition(form: FormFields, builtin: string): Record<string, unknown> {
  const definition: Record<string, unknown> = { kind: 'builtin', builtin };
  if (builtin === 'kr_status') definition.statuses = many(form, 'statuses');
  if (builtin === 'kr_confidence_drop') definition.minDrop = numberOrText(one(form, 'min_drop'));
  if (builtin === 'kr_stale') definition.days = numberOrText(one(form, 'days'));
  return definition;
}

/** The create body (always observe: a new rule shows before it acts) or the patch body of an edit. */
export function formToRuleInput(form: FormFields, builtin?: string | null): Record<string, unknown> {
  return {
    name: one(form, 'name'),
    enabled: one(form, 'enabled') !== 'no',
    definition: builtin ? formToBuiltinDefinition(form, builtin) : formToMetricDefinition(form),
  };
}

/** The form's values for a stored (or default) definition, so an edit starts where the rule is. */
export function definitionToForm(
  name: string,
  enabled: boolean,
  def: MetricRule | BuiltinRule | undefined,
): FormFields {
  const f: FormFields = { name, enabled: enabled ? 'yes' : 'no' };
  if (!def) return f;
  if (def.kind === 'builtin') {
    if (def.statuses) f.statuses = def.statuses;
    if (def.minDrop !== undefined) f.min_drop = String(def.minDrop);
    if (def.days !== undefined) f.days = String(def.days);
    return f;
  }
  f.metric = def.metric;
  f.period = def.period;
  f.aggregation = def.aggregation;
  f.op = def.condition.op;
  f.threshold = String(def.condition.threshold);
  f.consecutive = String(def.consecutive);
  f.scope_type = def.scope.type;
  if (def.scope.type === 'team') {
    f.teams = def.scope.teams;
    f.include_subteams = def.scope.includeSubteams ? 'yes' : 'no';
  }
  if (def.scope.type === 'role') f.titles = def.scope.titles;
  if (def.scope.type === 'people') f.people = def.scope.people;
  f.actions = def.actions.map((a) => a.type);
  for (const a of def.actions) {
    if (a.type === 'set_flag') f.flag = a.flag;
    if (a.type === 'escalate_coach') f.after_days = String(a.afterDays);
  }
  if (def.suggestion?.['zh-CN']) f.suggestion_zh = def.suggestion['zh-CN'];
  if (def.suggestion?.en) f.suggestion_en = def.suggestion.en;
  return f;
}

/** Which form field an API detail path is about. */
function fieldOf(path: string): string {
  const p = path.replace(/^definition\.?/, '');
  if (path === 'name') return 'name';
  if (p.startsWith('condition.threshold') || p === 'condition') return p === 'condition' ? 'condition' : 'threshold';
  if (p.startsWith('condition.op')) return 'op';
  if (p.startsWith('scope')) return 'scope';
  if (p.startsWith('actions')) return /flag$/.test(p) ? 'flag' : /afterDays$/.test(p) ? 'after_days' : 'actions';
  if (p.startsWith('suggestion')) return 'suggestion';
  for (const f of ['metric', 'period', 'aggregation', 'consecutive', 'statuses', 'minDrop', 'days'])
    if (p.startsWith(f)) return f === 'minDrop' ? 'min_drop' : f;
  return 'definition';
}

const FIELD_KEYS: Record<string, MessageKey> = {
  name: 'dash.builder.name',
  metric: 'dash.builder.metric',
  period: 'dash.builder.period',
  aggregation: 'dash.builder.aggregation',
  op: 'dash.builder.op',
  threshold: 'dash.builder.threshold',
  condition: 'dash.builder.condition',
  consecutive: 'dash.builder.consecutive',
  scope: 'dash.builder.scope',
  actions: 'dash.builder.actions',
  flag: 'dash.builder.flag',
  after_days: 'dash.builder.afterDays',
  suggestion: 'dash.builder.suggestion',
  statuses: 'dash.builder.statuses',
  min_drop: 'dash.builder.minDrop',
  days: 'dash.builder.days',
  definition: 'dash.builder.definition',
};

export interface FieldError {
  field: string;
  text: string;
}

/**
 * The API's refusal in the reader's language, one line per problem, naming the field: an unknown
 * metric, a team or person that does not exist (named), an impossible window, a duplicate action,
 * a missing or malformed value.
 */
export function localizeRuleErrors(
  L: Locale,
  code: string,
  details: unknown,
  form: FormFields,
  period?: Period,
): FieldError[] {
  const list = Array.isArray(details) ? (details as { path?: unknown; message?: unknown }[]) : [];
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const d of list.slice(0, 20)) {
    const path = typeof d.path === 'string' ? d.path : '';
    const message = typeof d.message === 'string' ? d.message : '';
    const field = fieldOf(path);
    const label = t(L, FIELD_KEYS[field] ?? 'dash.builder.definition');
    let text: string;
    if (code === 'unknown_metric' || message === 'unknown metric')
      text = t(L, 'dash.builder.err.unknownMetric', { metric: one(form, 'metric') });
    else if (/^no team or person "/.test(message))
      text = t(L, 'dash.builder.err.unknownScope', { name: message.replace(/^no team or person "|"$/g, '') });
    else if (message.startsWith('impossible window'))
      text = t(L, 'dash.builder.err.window', { max: MAX_CONSECUTIVE[period ?? 'month'] });
    else if (message.startsWith('impossible condition')) text = t(L, 'dash.builder.err.countCondition');
    else if (message.startsWith('duplicate action')) text = t(L, 'dash.builder.err.duplicateAction');
    else if (field === 'actions' && /at least one action/.test(message)) text = t(L, 'dash.builder.err.noAction');
    else if (field === 'scope' && /at least one/.test(message)) text = t(L, 'dash.builder.err.emptyScope');
    else if (isBlank(form, field)) text = t(L, 'dash.form.err.required', { field: label });
    else text = t(L, 'dash.form.err.invalid', { field: label });
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ field, text });
  }
  if (!out.length) out.push({ field: 'definition', text: t(L, 'dash.builder.err.generic') });
  return out;
}

function isBlank(form: FormFields, field: string): boolean {
  const v = form[field];
  if (v === undefined) return true;
  return Array.isArray(v) ? v.length === 0 : String(v).trim() === '';
}
