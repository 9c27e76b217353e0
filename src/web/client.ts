// The dashboard's browser code and styles, served as static strings from
// /dashboard/assets/* so that the same bundle works on Node and Workers with no
// build step. Plain ES2017, no framework, ~10 KB. Keep it free of backticks and
// `${` (it lives in a template literal).

export const DASHBOARD_JS = String.raw`(function () {
  'use strict';
  var cfgEl = document.getElementById('dash-config');
  if (!cfgEl) return;
  var cfg = JSON.parse(cfgEl.textContent || '{}');
  var M = cfg.messages || {};
  function t(key, params) {
    var s = M[key] || key;
    if (params) s = s.replace(/\{(\w+)\}/g, function (w, n) { return n in params ? String(params[n]) : w; });
    return s;
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] == null || attrs[k] === false) continue;
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function pct(x) { var v = x * 100; return (v > 0 && v < 1 ? v.toFixed(2) : v.toFixed(v < 10 ? 1 : 0)) + '%'; }
  // A change in a KR's own units, signed and short: +0.02, +1.5%, +3 次 (the exact figure is on hover).
  function signed(v, unit) {
    var a = Math.abs(v);
    var digits = a >= 10 ? 0 : a >= 1 ? 1 : a >= 0.01 ? 2 : 3;
    var text = a > 0 && a < 0.001 ? '<0.001' : a.toFixed(digits);
    var u = unit ? (unit === '%' ? '%' : ' ' + unit) : '';
    return (v < 0 ? '\u2212' : '+') + text + u;
  }
  function krHref(id) { return '/dashboard/kr/' + encodeURIComponent(id) + qs(); }
  function qs(extra) {
    var p = new URLSearchParams();
    if (cfg.cycle) p.set('cycle', cfg.cycle);
    if (cfg.org) p.set('org', cfg.org);
    for (var k in extra || {}) if (extra[k] != null) p.set(k, extra[k]);
    return '?' + p.toString();
  }
  function getJson(path, params) {
    return fetch('/dashboard/data/' + path + qs(params), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }

  // ---- the tree -------------------------------------------------------
  var treeEl = document.getElementById('tree');
  var statusEl = document.getElementById('tree-status');
  var nodes = {};        // id -> node view
  var kids = {};         // id -> [child ids] (known so far)
  var loaded = {};       // id -> true when every child is known
  var items = {};        // id -> <li role=treeitem>
  var rootIds = [];
  var selected = null;

  function addNodes(list, depth, rootId) {
    list.forEach(function (n) {
      var isNew = !nodes[n.id];
      nodes[n.id] = n;
      if (isNew && n.parentObjectiveId) {
        (kids[n.parentObjectiveId] = kids[n.parentObjectiveId] || []);
        if (kids[n.parentObjectiveId].indexOf(n.id) < 0) kids[n.parentObjectiveId].push(n.id);
      }
    });
    list.forEach(function (n) {
      var known = (kids[n.id] || []).length;
      if (known >= n.childCount) loaded[n.id] = true;
    });
    if (rootId) loaded[rootId] = (kids[rootId] || []).length >= (nodes[rootId] ? nodes[rootId].childCount : 0);
  }

  function statusChip(status) {
    return el('span', { class: 'status s-' + status, text: t('dash.status.' + status) });
  }
  function progressBar(p, label) {
    var v = Math.round(p * 100);
    return el('span', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(v), 'aria-label': label }, [
      el('span', { class: 'bar' }, [el('span', { class: 'fill', style: 'width:' + Math.min(100, v) + '%' })]),
      el('span', { class: 'pct', text: v + '%' })
    ]);
  }
  function ownerLabel(n) {
    return (n.ownerName || '') + ' · ' + t('dash.ownerType.' + n.ownerType);
  }

  function renderItem(id, level) {
    var n = nodes[id];
    var expandable = n.childCount > 0;
    var li = el('li', { role: 'treeitem', 'aria-level': String(level), 'aria-selected': 'false', tabindex: '-1', 'data-id': id,
      'aria-expanded': expandable ? 'false' : null, class: 'node t-' + n.ownerType });
    var caret = el('span', { class: 'caret', 'aria-hidden': 'true', text: expandable ? '\u25B8' : '' });
    var row = el('div', { class: 'row' }, [
      caret,
      el('span', { class: 'dot s-' + n.status, 'aria-hidden': 'true' }),
      el('span', { class: 'title', text: n.title }),
      el('span', { class: 'owner', text: ownerLabel(n) }),
      progressBar(n.progress, t('dash.progress')),
      statusChip(n.status),
      expandable ? el('span', { class: 'muted small', text: t('dash.tree.children', { n: n.childCount }) }) : null
    ]);
    caret.addEventListener('click', function (e) { e.stopPropagation(); toggle(id); });
    row.addEventListener('click', function () { select(id, true); });
    li.appendChild(row);
    items[id] = li;
    return li;
  }

  // Long lists of children (41 teachers with the same objective) are grouped by team or centre, with the count.
  var GROUP_MIN = 8;
  function groupsOf(ids) {
    if (ids.length < GROUP_MIN) return null;
    // Only lists of mostly identical objectives: distinct titles at most half the rows.
    var titles = {};
    ids.forEach(function (c) { titles[nodes[c].title] = true; });
    if (Object.keys(titles).length * 2 > ids.length) return null;
    var order = [];
    var by = {};
    ids.forEach(function (c) {
      var n = nodes[c];
      var key = n.ownerTeam || n.ownerName || '';
      if (!by[key]) { by[key] = []; order.push(key); }
      by[key].push(c);
    });
    if (order.length < 2 && ids.length < GROUP_MIN * 2) return null;
    return order.map(function (key) { return { key: key, ids: by[key] }; });
  }
  function renderGroup(parentId, g, level) {
    var first = nodes[g.ids[0]];
    var same = g.ids.every(function (c) { return nodes[c].title === first.title; });
    var avg = g.ids.reduce(function (s, c) { return s + nodes[c].progress; }, 0) / g.ids.length;
    var label = same ? t('dash.tree.group', { team: g.key || '\u2014', n: g.ids.length }) : (g.key || '\u2014') + ' \u00B7 ' + t('dash.tree.children', { n: g.ids.length });
    var li = el('li', { role: 'treeitem', 'aria-level': String(level), 'aria-expanded': 'false', 'aria-selected': 'false', tabindex: '-1', class: 'node group', 'data-group': g.key });
    var caret = el('span', { class: 'caret', 'aria-hidden': 'true', text: '\u25B8' });
    var row = el('div', { class: 'row' }, [
      caret,
      el('span', { class: 'title', text: label }),
      same ? el('span', { class: 'owner', text: first.title }) : null,
      progressBar(avg, t('dash.progress'))
    ]);
    function open() {
      var ul = li.querySelector(':scope > ul');
      if (ul) { ul.remove(); li.setAttribute('aria-expanded', 'false'); caret.textContent = '\u25B8'; return; }
      ul = el('ul', { role: 'group' });
      g.ids.forEach(function (c) { ul.appendChild(renderItem(c, level + 1)); });
      li.appendChild(ul);
      li.setAttribute('aria-expanded', 'true');
      caret.textContent = '\u25BE';
    }
    row.addEventListener('click', open);
    li.appendChild(row);
    li._toggle = open;
    return li;
  }
  function renderChildren(id) {
    var li = items[id];
    var old = li.querySelector(':scope > ul');
    if (old) old.remove();
    var level = Number(li.getAttribute('aria-level')) + 1;
    var ul = el('ul', { role: 'group' });
    var groups = groupsOf(kids[id] || []);
    if (groups) groups.forEach(function (g) { ul.appendChild(g.ids.length > 1 ? renderGroup(id, g, level) : renderItem(g.ids[0], level)); });
    else (kids[id] || []).forEach(function (c) { ul.appendChild(renderItem(c, level)); });
    var missing = nodes[id].childCount - (kids[id] || []).length;
    if (missing > 0 && loaded[id]) ul.appendChild(el('li', { class: 'muted small', role: 'none', text: t('dash.panel.hidden', { n: missing }) }));
    li.appendChild(ul);
  }

  function expand(id) {
    var li = items[id];
    if (!li || !nodes[id].childCount) return Promise.resolve();
    var ready = loaded[id] ? Promise.resolve() : (function () {
      li.setAttribute('aria-busy', 'true');
      return getJson('tree', { root: id, depth: 1 }).then(function (page) { addNodes(page.nodes, 1, id); loaded[id] = true; })
        .finally(function () { li.removeAttribute('aria-busy'); });
    })();
    return ready.then(function () {
      if (!li.querySelector(':scope > ul')) renderChildren(id);
      li.setAttribute('aria-expanded', 'true');
      li.querySelector('.caret').textContent = '\u25BE';
    }).catch(function () { statusEl.textContent = t('dash.tree.error'); });
  }
  function collapse(id) {
    var li = items[id];
    if (!li || li.getAttribute('aria-expanded') !== 'true') return;
    var ul = li.querySelector(':scope > ul');
    if (ul) ul.remove();
    li.setAttribute('aria-expanded', 'false');
    li.querySelector('.caret').textContent = '\u25B8';
  }
  function toggle(id) {
    if (items[id] && items[id].getAttribute('aria-expanded') === 'true') collapse(id); else expand(id);
  }

  function focusItem(li) {
    if (!li) return;
    treeEl.querySelectorAll('[role=treeitem][tabindex="0"]').forEach(function (x) { x.setAttribute('tabindex', '-1'); });
    li.setAttribute('tabindex', '0');
    li.focus();
  }
  function visibleItems() {
    return Array.prototype.filter.call(treeEl.querySelectorAll('[role=treeitem]'), function (x) { return x.offsetParent !== null; });
  }
  treeEl.addEventListener('keydown', function (e) {
    var li = e.target.closest && e.target.closest('[role=treeitem]');
    if (!li) return;
    var id = li.getAttribute('data-id');
    var list = visibleItems();
    if (!id && li._toggle) {
      // A group row: Enter/Space toggle it; Right opens it, Left closes it; the rest moves as usual.
      var open = li.getAttribute('aria-expanded') === 'true';
      if (e.key === 'Enter' || e.key === ' ' || (e.key === 'ArrowRight' && !open) || (e.key === 'ArrowLeft' && open)) {
        li._toggle(); e.preventDefault(); return;
      }
    }
    var i = list.indexOf(li);
    var handled = true;
    if (e.key === 'ArrowDown') focusItem(list[i + 1]);
    else if (e.key === 'ArrowUp') focusItem(list[i - 1]);
    else if (e.key === 'Home') focusItem(list[0]);
    else if (e.key === 'End') focusItem(list[list.length - 1]);
    else if (e.key === 'ArrowRight') {
      if (li.getAttribute('aria-expanded') === 'false') expand(id);
      else if (li.getAttribute('aria-expanded') === 'true') focusItem(li.querySelector('[role=treeitem]'));
    } else if (e.key === 'ArrowLeft') {
      if (li.getAttribute('aria-expanded') === 'true') collapse(id);
      else focusItem(li.parentElement.closest('[role=treeitem]'));
    } else if (e.key === 'Enter' || e.key === ' ') select(id, false);
    else handled = false;
    if (handled) e.preventDefault();
  });

  function select(id, fromClick) {
    if (selected && items[selected]) items[selected].setAttribute('aria-selected', 'false');
    selected = id;
    if (items[id]) {
      items[id].setAttribute('aria-selected', 'true');
      focusItem(items[id]);
      items[id].scrollIntoView({ block: 'nearest' });
    }
    showPanel(id, fromClick);
    if (fromClick && nodes[id] && nodes[id].childCount && items[id].getAttribute('aria-expanded') === 'false') expand(id);
  }
  // One column (phones): the details are below the tree, so a tap brings them into view.
  var narrow = window.matchMedia ? window.matchMedia('(max-width: 900px)') : { matches: false };

  function loadTop() {
    treeEl.setAttribute('aria-busy', 'true');
    getJson('tree', { depth: 1 }).then(function (page) {
      treeEl.textContent = '';
      rootIds = page.roots;
      addNodes(page.nodes, 1);
      page.roots.forEach(function (r) { if (nodes[r] && kids[r] && kids[r].length >= nodes[r].childCount) loaded[r] = true; });
      if (!page.nodes.length) { treeEl.appendChild(el('p', { class: 'muted', text: t('dash.tree.empty') })); return; }
      var ul = el('ul', { class: 'root' });
      page.roots.forEach(function (r) { if (nodes[r]) ul.appendChild(renderItem(r, 1)); });
      treeEl.appendChild(ul);
      var first = treeEl.querySelector('[role=treeitem]');
      if (first) first.setAttribute('tabindex', '0');
      // Open the first level so the page shows the shape of the org at a glance.
      return Promise.all(page.roots.filter(function (r) { return nodes[r] && loaded[r]; }).map(expand)).then(function () {
        if (page.truncated) statusEl.textContent = t('dash.tree.truncated');
      });
    }).catch(function () { treeEl.textContent = t('dash.tree.error'); })
      .finally(function () { treeEl.setAttribute('aria-busy', 'false'); treeEl.setAttribute('data-ready', 'true'); });
  }

  /** Expand along the path (root first) and select the last id. */
  function reveal(path) {
    var start = 0;
    while (start < path.length && !items[path[start]]) start++;
    if (start >= path.length) return Promise.resolve(false);
    var chain = Promise.resolve();
    path.slice(start, -1).forEach(function (id) { chain = chain.then(function () { return items[id] ? expand(id) : null; }); });
    return chain.then(function () {
      var target = path[path.length - 1];
      var parent = path[path.length - 2];
      if ((!items[target] || !items[target].isConnected) && parent && items[parent] && nodes[target]) {
        // Inside a group of the parent's children: open that group.
        var key = nodes[target].ownerTeam || nodes[target].ownerName || '';
        var group = Array.prototype.filter.call(items[parent].querySelectorAll(':scope > ul > li.group'), function (g) { return g.getAttribute('data-group') === key; })[0];
        if (group && group.getAttribute('aria-expanded') === 'false') group._toggle();
      }
      if (items[target] && items[target].isConnected) { select(target, false); return true; }
      return false;
    });
  }
  function goTo(id) {
    return getJson('path/' + encodeURIComponent(id)).then(function (r) { return reveal(r.path); }).then(function (ok) { if (!ok) showPanel(id); });
  }

  // ---- search ---------------------------------------------------------
  var form = document.getElementById('search');
  var results = document.getElementById('search-results');
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var q = document.getElementById('search-input').value.trim();
    results.textContent = '';
    if (!q) return;
    getJson('search', { q: q }).then(function (r) {
      if (!r.people.length) { results.appendChild(el('p', { class: 'muted', text: t('dash.tree.noResults', { q: q }) })); return; }
      var ul = el('ul', { class: 'hits' });
      r.people.forEach(function (p) {
        if (!p.objectives.length) { ul.appendChild(el('li', { class: 'muted', text: t('dash.tree.noObjectives', { name: p.name }) })); return; }
        p.objectives.forEach(function (o) {
          ul.appendChild(el('li', null, [el('button', { type: 'button', class: 'hit', 'data-id': o.id, onclick: function () { goTo(o.id); } },
            [el('strong', { text: p.name }), ' ' + (p.title || '') + ' \u2014 ' + o.title])]));
        });
      });
      results.appendChild(ul);
      // One match: go straight there.
      var buttons = ul.querySelectorAll('button.hit');
      if (buttons.length === 1) buttons[0].click();
    }).catch(function () { results.textContent = t('dash.tree.error'); });
  });

  // ---- side panel -----------------------------------------------------
  var panel = document.getElementById('panel');
  var body = document.getElementById('panel-body');
  function objectiveLine(n, extra) {
    return el('div', { class: 'obj' }, [
      el('button', { type: 'button', class: 'linkish', onclick: function () { goTo(n.id); } }, [el('span', { class: 'dot s-' + n.status, 'aria-hidden': 'true' }), n.title]),
      el('div', { class: 'muted small' }, [ownerLabel(n) + ' \u00B7 ', statusChip(n.status), ' ', progressBar(n.progress, t('dash.progress'))]),
      extra
    ]);
  }
  function showPanel(id, reveal) {
    body.setAttribute('aria-busy', 'true');
    getJson('node/' + encodeURIComponent(id)).then(function (d) {
      body.textContent = '';
      var n = d.node;
      body.appendChild(el('h3', { text: n.title }));
      body.appendChild(el('p', { class: 'muted' }, [ownerLabel(n) + ' \u00B7 ', statusChip(n.status), ' ', progressBar(n.progress, t('dash.progress'))]));
      if (n.keyResults.length) {
        body.appendChild(el('h4', { text: t('dash.panel.krs') }));
        body.appendChild(el('ul', { class: 'krs' }, n.keyResults.map(function (k) {
          return el('li', null, [el('a', { href: krHref(k.id), class: 'kr-link', text: k.title }), ' ', progressBar(k.progress, k.title), ' ', statusChip(k.status)]);
        })));
      }
      body.appendChild(el('h4', { text: t('dash.panel.upstream') }));
      if (!d.upstream.length) body.appendChild(el('p', { class: 'muted', text: t('dash.panel.root') }));
      else {
        var top = d.upstream[d.upstream.length - 1];
        if (top.viaKr) body.appendChild(el('p', { class: 'northstar', id: 'north-star', text: '\u2605 ' + t('dash.panel.northStar', { kr: top.viaKr.title }) }));
        var done = n.progress >= 1;
        body.appendChild(el('ol', { class: 'chain', id: 'upstream' }, d.upstream.map(function (l) {
          var exact = t('dash.panel.exact', { share: pct(l.share), cumulative: pct(l.cumulative) });
          var words = !l.viaKr ? null
            : l.move ? t(done ? 'dash.panel.moved' : 'dash.panel.moves', { kr: l.viaKr.title, delta: signed(l.move.value, l.viaKr.unit) })
            : t('dash.panel.alignedOnly', { kr: l.viaKr.title });
          return el('li', null, [objectiveLine(l.objective, el('div', { class: 'small' }, [
            words ? el('div', { class: 'moves', text: words, title: exact }) : null
          ]))]);
        })));
      }
      body.appendChild(el('h4', { text: t('dash.panel.downstream') }));
      if (!d.downstream.length) body.appendChild(el('p', { class: 'muted', text: t('dash.panel.none') }));
      else body.appendChild(el('ul', { class: 'contributors', id: 'downstream' }, d.downstream.map(function (c) {
        var words = c.rollsUp ? t('dash.panel.contributes', { delta: signed(c.gain * 100, '%') }) : (c.viaKr ? t('dash.panel.alignedOnly', { kr: c.viaKr.title }) : '');
        return el('li', null, [objectiveLine(c.objective, el('div', { class: 'small', title: t('dash.panel.exact', { share: pct(c.share), cumulative: pct(c.share) }), text: (c.viaKr && c.rollsUp ? c.viaKr.title + ' \u00B7 ' : '') + words }))]);
      })));
      if (d.hiddenContributors > 0) body.appendChild(el('p', { class: 'muted small', text: t('dash.panel.hidden', { n: d.hiddenContributors }) }));
    }).catch(function (err) {
      body.textContent = String(err && err.message).indexOf('403') >= 0 ? t('dash.forbidden') : t('dash.tree.error');
    }).finally(function () {
      body.removeAttribute('aria-busy');
      panel.setAttribute('data-id', id);
      if (reveal && narrow.matches) panel.scrollIntoView({ block: 'start' });
    });
  }

  // ---- charts ---------------------------------------------------------
  var STATUS_COLORS = { done: '#1a7f37', on_track: '#0969da', at_risk: '#9a6700', off_track: '#cf222e', not_started: '#6e7781' };
  function charts() {
    var s = cfg.stats;
    if (!s) return;
    if (!window.echarts) { var nc = document.querySelector('.nocharts'); if (nc) nc.hidden = false; return; }
    var ec = window.echarts;
    var made = [];
    function chart(id, option) {
      var node = document.getElementById(id);
      if (!node) return;
      var c = ec.init(node, null, { renderer: 'canvas' });
      c.setOption(option);
      made.push(c);
    }
    function gauge(id, value, max, fmt) {
      chart(id, { series: [{ type: 'gauge', min: 0, max: max, progress: { show: true, width: 10 }, axisLine: { lineStyle: { width: 10 } },
        axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false }, anchor: { show: false },
        title: { show: false }, detail: { valueAnimation: false, fontSize: 18, offsetCenter: [0, '10%'], formatter: fmt }, data: [{ value: value }] }] });
    }
    gauge('kpi-alignment-chart', Math.round(s.alignmentRate * 1000) / 10, 100, '{value}%');
    gauge('kpi-checkin-chart', Math.round(s.checkInRate * 1000) / 10, 100, '{value}%');
    gauge('kpi-adjustment-chart', s.adjustmentRatePer100, Math.max(20, Math.ceil(s.adjustmentRatePer100 * 1.5)), '{value}');
    var keys = ['done', 'on_track', 'at_risk', 'off_track', 'not_started'];
    chart('status-chart', {
      grid: { left: 40, right: 10, top: 10, bottom: 30 }, tooltip: {},
      xAxis: { type: 'category', data: keys.map(function (k) { return t('dash.status.' + k); }) }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: t('dash.figures.count'), data: keys.map(function (k) { return { value: s.byStatus[k], itemStyle: { color: STATUS_COLORS[k] } }; }) }]
    });
    chart('score-chart', {
      grid: { left: 40, right: 10, top: 10, bottom: 30 }, tooltip: {},
      xAxis: { type: 'category', data: s.scoreTenths.map(function (_, i) { return (i / 10).toFixed(1); }) }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: t('dash.figures.count'), data: s.scoreTenths.map(function (n, i) { return { value: n, itemStyle: { color: i < 4 ? '#cf222e' : i < 7 ? '#9a6700' : '#1a7f37' } }; }) }]
    });
    window.addEventListener('resize', function () { made.forEach(function (c) { c.resize(); }); });
    document.body.setAttribute('data-charts', String(made.length));
  }

  var cycleSelect = document.getElementById('cycle-select');
  if (cycleSelect) cycleSelect.addEventListener('change', function () { cycleSelect.form.submit(); });
  if (treeEl) loadTop();
  charts();
})();
`;

export const DASHBOARD_CSS = `
:root { --fg:#1f2328; --muted:#57606a; --line:#d0d7de; --bg:#f6f8fa; --accent:#0969da; font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Segoe UI", sans-serif; color: var(--fg); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); font-size: 14px; line-height: 1.5; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #0550ae; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 8px; z-index: 10; }
.skip:focus { left: 8px; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
header.top h1 { font-size: 18px; margin: 0; }
header.top .org { font-weight: normal; color: var(--muted); margin-left: 8px; }
.pickers, .who { display: flex; align-items: center; gap: 8px; }
.who { margin-left: auto; }
.who form { display: inline; }
button, select, input { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); min-height: 32px; }
button { cursor: pointer; }
button[type=submit] { background: var(--accent); color: #fff; border-color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; }
main { padding: 16px 20px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.card h2 { font-size: 16px; margin: 0 0 8px; }
.layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(300px, 2fr); gap: 16px; align-items: start; }
.two { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
@media (max-width: 900px) { .layout, .two { grid-template-columns: minmax(0, 1fr); } .who { margin-left: 0; } .panel { position: static; max-height: none; } }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
.search { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
.search input { flex: 1; }
ul.hits { list-style: none; padding: 0; margin: 0 0 8px; }
button.hit { background: #ddf4ff; border-color: #54aeff; color: var(--fg); margin: 2px 0; text-align: left; }
#tree ul { list-style: none; margin: 0; padding-left: 18px; }
#tree ul.root { padding-left: 0; max-height: 640px; overflow: auto; }
#tree li[role=treeitem] > .row { display: flex; align-items: center; gap: 8px; padding: 4px 6px; border-radius: 6px; cursor: pointer; flex-wrap: wrap; }
#tree li[role=treeitem] > .row:hover { background: var(--bg); }
#tree li[aria-selected=true] > .row { background: #ddf4ff; outline: 1px solid #54aeff; }
#tree li:focus { outline: none; }
#tree li:focus-visible > .row { outline: 3px solid #0550ae; }
.caret { width: 14px; display: inline-block; color: var(--muted); }
.title { font-weight: 600; }
.t-person .title { font-weight: 500; }
.owner { color: var(--muted); font-size: 12px; }
.progress { display: inline-flex; align-items: center; gap: 4px; }
.bar { display: inline-block; width: 80px; height: 8px; background: #eaeef2; border-radius: 4px; overflow: hidden; vertical-align: middle; }
.fill { display: block; height: 100%; background: var(--accent); }
.pct { font-size: 12px; min-width: 34px; font-variant-numeric: tabular-nums; }
.status { font-size: 12px; padding: 0 6px; border-radius: 10px; color: #fff; white-space: nowrap; }
.dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; flex: none; margin-right: 4px; }
.s-done { background: #1a7f37; } .s-on_track { background: #0969da; } .s-at_risk { background: #9a6700; } .s-off_track { background: #cf222e; } .s-not_started { background: #6e7781; }
.panel { position: sticky; top: 12px; max-height: calc(100vh - 24px); overflow: auto; }
.panel h3 { margin: 4px 0; font-size: 15px; }
.panel h4 { margin: 12px 0 4px; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: .02em; }
.panel ul, .panel ol { padding-left: 18px; margin: 0; }
.panel li { margin: 6px 0; }
.northstar { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 6px 8px; font-weight: 600; }
button.linkish { background: none; border: none; padding: 0; color: var(--accent); text-align: left; font-weight: 600; min-height: 0; }
.footnote { font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
.kpis { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
.kpi { margin: 0; text-align: center; }
.kpi-value { font-size: 22px; font-weight: 700; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.charts figure { margin: 0; }
.chart { height: 220px; }
.chart.gauge { height: 150px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
table.data { font-size: 12px; margin-top: 4px; }
.count { background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; font-size: 12px; }
.hits.firing { color: #cf222e; font-weight: 700; }
.empty { color: var(--muted); }
.scroll { overflow-x: auto; }
.status { display: inline-block; padding: 0 6px; border-radius: 8px; background: #e6f4ea; color: #1e6b34; font-size: 12px; }
.status-partial { background: #fff4e5; color: #8a5300; }
.status-failed { background: #fdecea; color: #b3261e; }
.error-text { color: #b3261e; overflow-wrap: anywhere; }
.reasons { margin: 4px 0 0; padding-left: 18px; font-size: 12px; }
main.login { max-width: 420px; margin: 60px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px; }
main.login form { display: grid; gap: 8px; margin: 16px 0; }
.lang { float: right; }
/* Approvals: one card per request; names never break per character. */
ul.approvals { list-style: none; margin: 0; padding: 0; }
li.approval { border-top: 1px solid var(--line); padding: 8px 0; display: grid; gap: 4px; }
li.approval:first-child { border-top: none; }
.approval-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 8px; }
.name { white-space: nowrap; font-weight: 600; }
.kind { font-size: 12px; background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 0 6px; white-space: nowrap; }
.approval-head time { margin-left: auto; white-space: nowrap; }
.change { font-weight: 600; overflow-wrap: anywhere; }
.reason { color: var(--muted); overflow-wrap: anywhere; }
form.decide { display: grid; gap: 4px; }
form.decide textarea { font: inherit; width: 100%; min-height: 32px; border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; resize: vertical; }
form.decide .buttons { display: flex; gap: 8px; }
form.decide button { min-height: 36px; min-width: 88px; }
form.decide button.reject { background: #fff; color: #cf222e; border-color: #cf222e; }
.flash.f-success { background: #dafbe1; border-color: #4ac26b; }
.flash.f-error { background: #ffebe9; border-color: #ff8182; }
a.hits.firing { color: #cf222e; font-weight: 700; }
.stack { display: flex; height: 12px; border-radius: 6px; overflow: hidden; background: #eaeef2; margin: 4px 0 8px; }
.stack .seg { display: block; height: 100%; }
a.kr-link { color: var(--fg); text-decoration: underline dotted; }
.moves { font-weight: 600; }
li.group > .row .title { font-weight: 600; }
li.group > .row .owner { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
.nowrap { white-space: nowrap; }
th { white-space: nowrap; }
a.back { margin-left: auto; }
.kr-values { display: grid; grid-template-columns: repeat(auto-fit, minmax(110px, 1fr)); gap: 8px; margin: 8px 0; }
.kr-values div { background: var(--bg); border-radius: 6px; padding: 6px 8px; }
.kr-values dt { font-size: 12px; color: var(--muted); }
.kr-values dd { margin: 0; font-size: 18px; font-weight: 700; }
.kr-chart { margin: 0 0 8px; }
.kr-chart svg { width: 100%; height: 160px; display: block; background: #fff; }
.kr-chart .value { fill: none; stroke: var(--accent); stroke-width: 2; vector-effect: non-scaling-stroke; }
.kr-chart .confidence { fill: none; stroke: #9a6700; stroke-width: 1.5; stroke-dasharray: 4 3; vector-effect: non-scaling-stroke; }
.kr-chart .target { stroke: #1a7f37; stroke-dasharray: 2 2; vector-effect: non-scaling-stroke; }
.kr-chart .start { stroke: var(--line); vector-effect: non-scaling-stroke; }
.kr-chart .point { fill: var(--accent); }
.kr-chart .axis { font-size: 9px; fill: var(--muted); }
/* Rule builder (src/web/rule-builder.tsx) and a rule's page. */
.rule-form { display: grid; gap: 6px; }
.rule-form fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 6px 0; display: grid; gap: 6px; min-width: 0; }
.rule-form legend { font-weight: 600; padding: 0 4px; }
.rule-form select, .rule-form input:not([type=checkbox]):not([type=radio]), .rule-form textarea { width: 100%; max-width: 100%; min-width: 0; }
.rule-form textarea { font: inherit; border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; resize: vertical; }
.rule-form label.inline { display: inline-flex; align-items: center; gap: 4px; margin-right: 12px; }
.rule-form .row3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 8px; }
.rule-form .row3 > span { display: grid; gap: 2px; min-width: 0; }
.rule-form .action { display: grid; gap: 4px; }
.rule-form .action .sub { display: grid; gap: 2px; padding-left: 24px; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
button.secondary { background: #fff; color: var(--accent); border-color: var(--accent); }
.card-preview { margin: 6px 0; border: 1px solid var(--line); border-left: 4px solid #d4a72c; border-radius: 6px; padding: 6px 10px; background: var(--bg); }
.card-preview pre { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; font-size: 13px; }
#preview[aria-busy=true] { opacity: .6; }
.mode { padding: 0 8px; border-radius: 10px; font-size: 13px; }
.mode-observe { background: #ddf4ff; color: #0550ae; }
.mode-enforce { background: #ffebe9; color: #a40e26; }
main.builder > .card { min-width: 0; }
.rule-form > label, .rule-form fieldset > label, .scope-part > label { margin-top: 4px; }
.scope-part { display: grid; gap: 4px; }
.scope-part[hidden] { display: none; }
@media (min-width: 1000px) {
  main.builder { display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); gap: 16px; align-items: start; }
  main.builder #builder-errors { grid-column: 1 / -1; }
}
.hit-chart { margin: 0; }
.hit-chart svg { width: 100%; max-width: 640px; height: auto; display: block; }
.hit-chart .hit-bar { fill: #cf222e; }
.hit-chart .base { stroke: var(--line); }
.hit-chart .axis { font-size: 12px; fill: var(--muted); }
/* Phones first: nothing wider than the screen (charts and tables shrink or scroll inside their card). */
.chart, .charts figure, .kpi, .layout > *, .two > * { min-width: 0; }
table.data { display: block; overflow-x: auto; }
.search input { min-width: 0; }
a.button { display: inline-block; background: var(--accent); color: #fff; border-radius: 6px; padding: 6px 12px; text-decoration: none; }
.row-actions { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; margin-top: 4px; font-weight: normal; font-size: 13px; }
.row-actions button.link { min-height: 0; font-size: 13px; }
#connectors td code { white-space: nowrap; }
.row-actions form { display: inline; }
a.danger, button.danger { color: #cf222e; }
button.danger[type=submit] { background: #cf222e; border-color: #cf222e; color: #fff; }
.conn-form { max-width: 720px; }
.conn-form fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 12px 0; padding: 8px 12px; min-width: 0; }
.conn-form legend { font-weight: 600; padding: 0 4px; }
.conn-form .field { margin: 10px 0; }
.conn-form .field > label, .conn-form .field > .label { display: block; margin-bottom: 4px; }
.conn-form .field.check label, .conn-form label.inline { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.conn-form input[type=text], .conn-form input[type=url], .conn-form input[type=password], .conn-form input[type=number], .conn-form select { width: 100%; max-width: 100%; box-sizing: border-box; min-height: 40px; }
.conn-form .hint { margin: 4px 0 0; font-size: 13px; }
.conn-form button { min-height: 40px; }
.conn-form button.secondary { background: #fff; color: var(--accent); border-color: var(--accent); }
.conn-form .notice.error, .notice.error { background: #ffebe9; border-color: #ff8182; overflow-wrap: anywhere; }
.conn-form .notice p { margin: 0; }
table.sample { font-size: 13px; }
ul.kinds { list-style: none; padding: 0; margin: 0; }
ul.kinds li { padding: 8px 0; border-bottom: 1px solid var(--line); }
ul.kinds li p { margin: 2px 0 0; }
@media (max-width: 600px) {
  main { padding: 10px; }
  header.top { padding: 8px 10px; gap: 8px 12px; }
  .pickers { flex-wrap: wrap; }
  .kpis { grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 4px; }
  .chart.gauge { height: 110px; }
  .kpi-value { font-size: 18px; }
  .charts { grid-template-columns: minmax(0, 1fr); }
  .panel { position: static; max-height: none; }
  #tree ul { padding-left: 10px; }
  #tree ul.root { max-height: none; }
  .bar { width: 56px; }
  table.list { display: block; overflow-x: auto; }
}
`;
