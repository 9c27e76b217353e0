// The playground's browser script, served as-is from /playground/app.js (no
// build step). It polls the conversation, renders each platform's own message
// JSON (Lark card 2.0, WeCom template_card, DingTalk cardParamMap and markdown)
// into HTML, and posts what the person types or clicks to the playground API,
// which has the emulator deliver it to /webhooks/<platform> like the platform would.
// Plain ES5-style JS inside String.raw: no backticks or ${} in here.
export const CLIENT_JS = String.raw`(function () {
  'use strict';
  var root = document.getElementById('playground');
  if (!root) return;
  var cfg = JSON.parse(root.getAttribute('data-config') || '{}');
  var S = cfg.strings || {};
  var log = document.getElementById('log');
  var form = document.getElementById('composer');
  var input = document.getElementById('composer-input');
  var status = document.getElementById('status');
  var lastJson = '';
  var lastCount = -1;

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // Named colours and the platforms' own hex colours, darkened where needed for contrast on white.
  var COLORS = {
    grey: '#5f656d', gray: '#5f656d', green: '#1e7a34', orange: '#a65200', red: '#c0262d', blue: '#1f5fd1',
    purple: '#6a2ad8', info: '#1e7a34', warning: '#a65200', comment: '#5f656d',
    '#0089ff': '#0067c0', '#00b365': '#007a45', '#ff9200': '#a65f00', '#f54a45': '#c0262d', '#8f959e': '#5f656d', '#7f3bf5': '#6a2ad8'
  };
  function color(c) {
    c = String(c || '').replace(/['"]/g, '').toLowerCase();
    if (COLORS[c]) return COLORS[c];
    return /^#[0-9a-f]{3,8}$/.test(c) ? c : 'inherit';
  }

  function fmt(s) {
    return esc(s)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|[^*])\*([^*\n]+)\*/g, '$1<em>$2</em>')
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>');
  }

  // Inline markdown with <font color=...> (Lark, WeCom and DingTalk all use it).
  function inline(raw) {
    var re = /<font\s+color\s*=\s*['"]?([#\w]+)['"]?\s*>([\s\S]*?)<\/font>/gi;
    var out = '', i = 0, m;
    raw = String(raw == null ? '' : raw);
    while ((m = re.exec(raw))) {
      out += fmt(raw.slice(i, m.index)) + '<span style="color:' + color(m[1]) + '">' + fmt(m[2]) + '</span>';
      i = re.lastIndex;
    }
    return out + fmt(raw.slice(i));
  }

  function markdown(raw) {
    return String(raw == null ? '' : raw).split('\n').map(function (line) {
      var t = line.replace(/\s+$/, '');
      if (/^-{3,}$/.test(t)) return '<hr>';
      if (t === '') return '<div class="gap"></div>';
      if (/^>\s?/.test(t)) return '<div class="quote">' + inline(t.replace(/^>\s?/, '')) + '</div>';
      if (/^#{1,6}\s/.test(t)) return '<div class="md-h">' + inline(t.replace(/^#+\s/, '')) + '</div>';
      return '<div>' + inline(t) + '</div>';
    }).join('');
  }

  function clickAttr(payload) { return ' data-click="' + esc(JSON.stringify(payload)) + '"'; }

  // ---- Lark card JSON 2.0 ----
  var LARK_HEAD = {
    blue: '#e1eaff', wathet: '#dff3fd', turquoise: '#dcf5f0', green: '#dff5e3', yellow: '#fdf6d8', orange: '#feebd8',
    red: '#fde2e1', carmine: '#fde1ea', violet: '#f1e3fd', purple: '#ebe4fd', indigo: '#e3e6fd', grey: '#eceef0', default: '#ffffff'
  };
  function larkText(t) {
    if (!t) return '';
    return t.tag === 'lark_md' ? inline(t.content) : esc(t.content);
  }
  function larkElements(els, id) {
    return (els || []).map(function (el) { return larkElement(el, id); }).join('');
  }
  function larkElement(el, id) {
    switch (el.tag) {
      case 'markdown':
        return '<div class="lk-md' + (el.text_size === 'notation' ? ' small' : '') + '">' + markdown(el.content) + '</div>';
      case 'hr':
        return '<hr class="lk-hr">';
      case 'div':
        return '<div class="lk-div">' + larkText(el.text) + '</div>';
      case 'column_set':
        return '<div class="lk-cols lk-flex-' + esc(el.flex_mode || 'none') + '">' + (el.columns || []).map(function (c) {
          return '<div class="lk-col' + (c.width === 'auto' ? ' auto' : '') + '">' + larkElements(c.elements, id) + '</div>';
        }).join('') + '</div>';
      case 'button': {
        var behaviors = el.behaviors || [];
        var cb = behaviors.filter(function (b) { return b.type === 'callback'; })[0];
        var link = behaviors.filter(function (b) { return b.type === 'open_url'; })[0];
        var cls = 'btn lk-btn lk-' + esc(el.type || 'default');
        if (link) return '<a class="' + cls + '" href="' + esc(link.default_url || '#') + '" target="_blank" rel="noopener">' + larkText(el.text) + '</a>';
        return '<button type="button" class="' + cls + '"' + (el.disabled || !cb ? ' disabled' : clickAttr({ message: id, value: cb.value })) + '>' + larkText(el.text) + '</button>';
      }
      default:
        return '';
    }
  }
  function larkCard(card, id) {
    var h = card.header || {};
    var head = h.title ? '<div class="lk-head" style="background:' + (LARK_HEAD[h.template] || LARK_HEAD['default']) + '"><div class="card-title">' + larkText(h.title) + '</div>'
      + (h.subtitle ? '<div class="card-sub">' + larkText(h.subtitle) + '</div>' : '') + '</div>' : '';
    return '<div class="card lk-card">' + head + '<div class="lk-body">' + larkElements((card.body || {}).elements, id) + '</div></div>';
  }

  // ---- WeCom template_card ----
  var WECOM_STYLE = { 1: 'primary', 2: 'default', 3: 'danger', 4: 'default' };
  function wecomCard(card, id, replaced) {
    var mt = card.main_title || {};
    var html = '<div class="card wc-card"><div class="wc-source">' + esc(S.bot) + '</div>';
    if (mt.title) html += '<div class="card-title">' + esc(mt.title) + '</div>';
    if (mt.desc) html += '<div class="card-sub">' + esc(mt.desc) + '</div>';
    if (card.sub_title_text) html += '<div class="wc-sub">' + esc(card.sub_title_text).replace(/\n/g, '<br>') + '</div>';
    if (card.horizontal_content_list) {
      html += '<dl class="wc-kv">' + card.horizontal_content_list.map(function (kv) {
        return '<div><dt>' + esc(kv.keyname) + '</dt><dd>' + esc(kv.value) + '</dd></div>';
      }).join('') + '</dl>';
    }
    if (replaced || (card.replace_text && !card.button_list)) {
      html += '<div class="wc-btns"><button type="button" class="btn wc-btn wc-done" disabled>' + esc(replaced || card.replace_text) + '</button></div>';
    } else if (card.button_list) {
      html += '<div class="wc-btns">' + card.button_list.map(function (b) {
        return '<button type="button" class="btn wc-btn wc-' + (WECOM_STYLE[b.style || 1] || 'default') + '"' + clickAttr({ message: id, key: b.key }) + '>' + esc(b.text) + '</button>';
      }).join('') + '</div>';
    }
    if (card.card_action && card.card_action.url) html += '<a class="wc-more" href="' + esc(card.card_action.url) + '" target="_blank" rel="noopener">' + esc(S.details) + '</a>';
    return html + '</div>';
  }

  // ---- DingTalk card (the generic template's cardParamMap) ----
  function dingtalkCard(map, id) {
    var buttons = [];
    try { buttons = JSON.parse(map.buttons || '[]'); } catch (e) { buttons = []; }
    var html = '<div class="card dt-card" style="border-top-color:' + color(map.colorHex || map.color) + '"><div class="dt-head"><div class="card-title">' + esc(map.title) + '</div>'
      + (map.subtitle ? '<div class="card-sub">' + esc(map.subtitle) + '</div>' : '') + '</div><div class="dt-body">' + markdown(map.markdown) + '</div>';
    if (map.hasButtons === 'true') {
      html += '<div class="dt-btns">' + buttons.map(function (b) {
        return '<button type="button" class="btn dt-btn dt-' + esc(b.style || 'default') + '"' + clickAttr({ message: id, action: b.action, value: b.value }) + '>' + esc(b.text) + '</button>';
      }).join('') + '</div>';
    }
    return html + '</div>';
  }

  function bubble(item) {
    var body;
    if (item.format === 'lark_card') body = larkCard(item.card, item.id);
    else if (item.format === 'wecom_card') body = wecomCard(item.card, item.id, item.replacedButton);
    else if (item.format === 'dingtalk_card') body = dingtalkCard(item.card, item.id);
    else if (item.format === 'markdown') body = '<div class="md">' + markdown(item.text) + '</div>';
    else body = '<div class="txt">' + esc(item.text).replace(/\n/g, '<br>') + '</div>';
    var who = item.from === 'user' ? S.you : S.bot;
    return '<li class="msg ' + item.from + (/card/.test(item.format) ? ' has-card' : '') + '" data-id="' + esc(item.id) + '">'
      + '<span class="avatar" aria-hidden="true">' + esc(String(who).charAt(0)) + '</span>'
      + '<div class="bubble"><span class="sr-only">' + esc(who) + ': </span>' + body
      + (item.updates ? '<span class="edited">' + esc(S.edited) + '</span>' : '') + '</div></li>';
  }

  function render(items) {
    var json = JSON.stringify(items);
    if (json === lastJson) return;
    lastJson = json;
    var focused = document.activeElement && log.contains(document.activeElement) ? document.activeElement.getAttribute('data-click') : null;
    var nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    log.innerHTML = items.length ? '<ol class="msgs">' + items.map(bubble).join('') + '</ol>' : '<p class="empty">' + esc(S.empty) + '</p>';
    if (focused) {
      var again = Array.prototype.filter.call(log.querySelectorAll('[data-click]'), function (b) { return b.getAttribute('data-click') === focused; })[0];
      if (again) again.focus();
    }
    if (items.length !== lastCount || nearBottom) {
      // Show a new message from its start when it is taller than the pane (long cards), else the bottom.
      var newest = log.querySelector('.msg:last-child');
      log.scrollTop = newest && newest.offsetHeight > log.clientHeight - 16 ? newest.offsetTop - 8 : log.scrollHeight;
    }
    lastCount = items.length;
  }

  function say(text, kind) {
    status.textContent = text || '';
    status.className = 'status' + (kind ? ' ' + kind : '');
  }

  function refresh() {
    var q = '?platform=' + encodeURIComponent(cfg.platform) + '&person=' + encodeURIComponent(cfg.person);
    return fetch('/playground/api/messages' + q, { headers: { accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (body) { if (body && body.messages) render(body.messages); })
      .catch(function () { /* the next poll tries again */ });
  }

  function post(path, payload) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  function burst() {
    refresh();
    [250, 600, 1200, 2500].forEach(function (ms) { setTimeout(refresh, ms); });
  }

  function report(result) {
    if (!result.ok) { say(S.failed + ((result.body && result.body.error && result.body.error.message) || ''), 'error'); return; }
    var toast = result.body && result.body.toast;
    say(toast ? toast : '', toast ? 'toast' : '');
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    say(S.sending);
    post('/playground/api/send', { platform: cfg.platform, person: cfg.person, text: text }).then(report, function () { say(S.failed, 'error'); }).then(burst);
    burst();
  });

  log.addEventListener('click', function (e) {
    var target = e.target && e.target.closest ? e.target.closest('button[data-click]') : null;
    if (!target || target.disabled) return;
    var payload = JSON.parse(target.getAttribute('data-click'));
    payload.platform = cfg.platform;
    payload.person = cfg.person;
    target.disabled = true;
    target.setAttribute('aria-busy', 'true');
    post('/playground/api/click', payload).then(report, function () { say(S.failed, 'error'); }).then(function () {
      target.disabled = false;
      target.removeAttribute('aria-busy');
      burst();
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll('button.suggest'), function (b) {
    b.addEventListener('click', function () {
      input.value = b.getAttribute('data-text') || b.textContent;
      input.focus();
    });
  });

  refresh();
  setInterval(refresh, 1500);
})();
`;
