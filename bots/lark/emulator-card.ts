// The emulator's model of Lark card JSON 2.0: the properties Lark accepts at each
// level we render, so a card Polaris sends is rejected here exactly when Lark would
// reject an unknown property or value. https://open.feishu.cn/document/feishu-cards/card-json-v2-structure
export const CARD_MAX_BYTES = 30 * 1024;

type Validator = (value: unknown, path: string) => string | null;

const TEXT_KEYS = ['tag', 'content', 'i18n_content', 'text_size', 'text_align', 'text_color', 'lines'];
const HEADER_TEMPLATES = [
  'blue',
  'wathet',
  'turquoise',
  'green',
  'yellow',
  'orange',
  'red',
  'carmine',
  'violet',
  'purple',
  'indigo',
  'grey',
  'default',
];
const BUTTON_TYPES = [
  'default',
  'primary',
  'danger',
  'text',
  'primary_text',
  'danger_text',
  'primary_filled',
  'danger_filled',
  'laser',
];
const FLEX_MODES = ['none', 'stretch', 'flow', 'bisect', 'trisect'];

const ELEMENT_KEYS: Record<string, string[]> = {
  markdown: ['tag', 'element_id', 'margin', 'text_align', 'text_size', 'icon', 'content', 'i18n_content'],
  hr: ['tag', 'element_id', 'margin'],
  div: ['tag', 'element_id', 'margin', 'width', 'text', 'icon'],
  column_set: [
    'tag',
    'element_id',
    'margin',
    'horizontal_spacing',
    'horizontal_align',
    'flex_mode',
    'background_style',
    'columns',
    'action',
  ],
  button: [
    'tag',
    'element_id',
    'margin',
    'type',
    'size',
    'width',
    'text',
    'icon',
    'hover_tips',
    'disabled',
    'disabled_tips',
    'confirm',
    'behaviors',
    'name',
    'form_action_type',
  ],
};
const COLUMN_KEYS = [
  'tag',
  'element_id',
  'background_style',
  'width',
  'weight',
  'vertical_align',
  'vertical_spacing',
  'direction',
  'padding',
  'margin',
  'elements',
  'action',
];

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, allowed: string[], path: string): string | null {
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  return extra ? `unknown property ${path}.${extra}` : null;
}

const plainText: Validator = (value, path) => {
  if (!isObject(value)) return `${path} must be an object`;
  if (value.tag !== 'plain_text' && value.tag !== 'lark_md') return `${path}.tag must be plain_text or lark_md`;
  if (typeof value.content !== 'string') return `${path}.content must be a string`;
  return unknownKeys(value, TEXT_KEYS, path);
};

const behaviors: Validator = (value, path) => {
  if (!Array.isArray(value)) return `${path} must be an array`;
  for (const [i, b] of value.entries()) {
    const at = `${path}[${i}]`;
    if (!isObject(b)) return `${at} must be an object`;
    if (b.type === 'callback') {
      if (!isObject(b.value)) return `${at}.value must be an object`;
      const err = unknownKeys(b, ['type', 'value'], at);
      if (err) return err;
    } else if (b.type === 'open_url') {
      const err = unknownKeys(b, ['type', 'default_url', 'pc_url', 'ios_url', 'android_url'], at);
      if (err) return err;
    } else return `${at}.type ${String(b.type)} is not supported`;
  }
  return null;
};

function element(value: unknown, path: string): string | null {
  if (!isObject(value)) return `${path} must be an object`;
  const tag = String(value.tag);
  const keys = ELEMENT_KEYS[tag];
  // e.g. the 1.0 `action` wrapper and `note` element do not exist in 2.0.
  if (!keys) return `${path}.tag ${tag} is not supported in card JSON 2.0`;
  const err = unknownKeys(value, keys, path);
  if (err) return err;
  switch (tag) {
    case 'markdown':
      return typeof value.content === 'string' ? null : `${path}.content must be a string`;
    case 'div':
      return value.text === undefined ? null : plainText(value.text, `${path}.text`);
    case 'button': {
      if (value.type !== undefined && !BUTTON_TYPES.includes(String(value.type)))
        return `${path}.type ${String(value.type)} is invalid`;
      const textErr = plainText(value.text, `${path}.text`);
      if (textErr) return textErr;
      return value.behaviors === undefined ? null : behaviors(value.behaviors, `${path}.behaviors`);
    }
    case 'column_set': {
      if (value.flex_mode !== undefined && !FLEX_MODES.includes(String(value.flex_mode)))
        return `${path}.flex_mode ${String(value.flex_mode)} is invalid`;
      if (!Array.isArray(value.columns)) return `${path}.columns must be an array`;
      for (const [i, col] of value.columns.entries()) {
        const at = `${path}.columns[${i}]`;
        if (!isObject(col) || col.tag !== 'column') return `${at}.tag must be column`;
        const colErr = unknownKeys(col, COLUMN_KEYS, at) ?? elements(col.elements ?? [], `${at}.elements`);
        if (colErr) return colErr;
      }
      return null;
    }
    default:
      return null;
  }
}

function elements(value: unknown, path: string): string | null {
  if (!Array.isArray(value)) return `${path} must be an array`;
  for (const [i, el] of value.entries()) {
    const err = element(el, `${path}[${i}]`);
    if (err) return err;
  }
  return null;
}

/** Returns why Lark would refuse this card, or null when it is acceptable. */
export function validateCard(card: unknown): string | null {
  if (!isObject(card)) return 'card must be a JSON object';
  if (card.schema !== '2.0') return 'schema must be "2.0"';
  const top = unknownKeys(card, ['schema', 'config', 'card_link', 'header', 'body'], 'card');
  if (top) return top;
  if (new TextEncoder().encode(JSON.stringify(card)).length > CARD_MAX_BYTES) return 'card is larger than 30 KB';
  if (card.config !== undefined) {
    if (!isObject(card.config)) return 'card.config must be an object';
    const err = unknownKeys(
      card.config,
      [
        'update_multi',
        'enable_forward',
        'width_mode',
        'use_custom_translation',
        'enable_forward_interaction',
        'style',
        'summary',
        'locales',
        'streaming_mode',
      ],
      'card.config',
    );
    if (err) return err;
  }
  if (card.header !== undefined) {
    const h = card.header;
    if (!isObject(h)) return 'card.header must be an object';
    const err =
      unknownKeys(
        h,
        ['title', 'subtitle', 'text_tag_list', 'template', 'icon', 'padding', 'i18n_title', 'i18n_subtitle'],
        'card.header',
      ) ??
      plainText(h.title, 'card.header.title') ??
      (h.subtitle === undefined ? null : plainText(h.subtitle, 'card.header.subtitle'));
    if (err) return err;
    if (h.template !== undefined && !HEADER_TEMPLATES.includes(String(h.template)))
      return `card.header.template ${String(h.template)} is invalid`;
  }
  if (!isObject(card.body)) return 'card.body must be an object';
  const bodyErr = unknownKeys(
    card.body,
    [
      'elements',
      'direction',
      'padding',
      'horizontal_spacing',
      'vertical_spacing',
      'horizontal_align',
      'vertical_align',
    ],
    'card.body',
  );
  return bodyErr ?? elements(card.body.elements, 'card.body.elements');
}

/** Every callback button in a card, with its text and callback value (for simulated clicks). */
export function cardButtons(card: unknown): { text: string; value: Record<string, unknown> }[] {
  const found: { text: string; value: Record<string, unknown> }[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isObject(node)) return;
    if (node.tag === 'button' && Array.isArray(node.behaviors)) {
      const callback = node.behaviors.find((b) => isObject(b) && b.type === 'callback') as
        | { value?: unknown }
        | undefined;
      const text = isObject(node.text) ? String(node.text.content) : '';
      if (callback && isObject(callback.value)) found.push({ text, value: callback.value });
    }
    for (const v of Object.values(node)) if (typeof v === 'object') visit(v);
  };
  visit(card);
  return found;
}
