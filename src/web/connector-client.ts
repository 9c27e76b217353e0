// The connector form's picker (/dashboard/connectors/new and …/edit), served as
// /dashboard/assets/connectors.js: "Load fields" asks the dashboard's sample endpoint (the API's
// sample code path) for the source's fields without leaving the page, so an auth value typed
// into the form is used and never travels back into the page; the mapping selects are filled
// from the answer and the first rows are shown. Without script the same button posts the form
// and the server renders the fields. Plain ES2017; no backticks or `${` (template literal).

export const CONNECTORS_JS = String.raw`(function () {
  'use strict';
  var form = document.getElementById('connector-form');
  var cfgEl = document.getElementById('conn-config');
  var btn = document.getElementById('load-fields');
  if (!form || !cfgEl || !btn) return;
  var cfg = JSON.parse(cfgEl.textContent || '{}');
  var status = document.getElementById('sample-status');
  var preview = document.getElementById('sample-preview');
  function say(text, error) {
    status.hidden = false;
    status.className = error ? 'notice error' : 'notice';
    status.setAttribute('role', error ? 'alert' : 'status');
    status.textContent = text;
  }
  function cell(v) {
    if (v == null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  function fill(fields) {
    var pickers = form.querySelectorAll('select[data-field-picker]');
    for (var i = 0; i < pickers.length; i++) {
      var sel = pickers[i];
      var current = sel.value;
      while (sel.firstChild) sel.removeChild(sel.firstChild);
      var none = document.createElement('option');
      none.value = '';
      none.textContent = cfg.pick;
      sel.appendChild(none);
      fields.forEach(function (f) {
        var o = document.createElement('option');
        o.value = f;
        o.textContent = f;
        sel.appendChild(o);
      });
      sel.value = fields.indexOf(current) >= 0 ? current : '';
    }
  }
  function showRows(fields, rows) {
    while (preview.firstChild) preview.removeChild(preview.firstChild);
    var table = document.createElement('table');
    table.className = 'list sample';
    var head = table.createTHead().insertRow();
    fields.forEach(function (f) {
      var th = document.createElement('th');
      th.scope = 'col';
      th.textContent = f;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      fields.forEach(function (f) { tr.insertCell().textContent = cell(r[f]); });
    });
    preview.appendChild(table);
    preview.hidden = false;
  }
  btn.addEventListener('click', function (e) {
    e.preventDefault();
    say(cfg.loading, false);
    btn.disabled = true;
    var body = new URLSearchParams(new FormData(form)).toString();
    fetch(btn.getAttribute('formaction'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: body
    }).then(function (res) {
      return res.json().then(function (j) { return { ok: res.ok, j: j }; });
    }).then(function (r) {
      btn.disabled = false;
      if (!r.ok || !r.j.fields) {
        var err = (r.j && r.j.error) || {};
        say((err.message || cfg.failed) + (err.detail ? ' ' + err.detail : ''), true);
        return;
      }
      fill(r.j.fields);
      showRows(r.j.fields, r.j.rows || []);
      say(cfg.loaded.replace('{count}', String(r.j.fields.length)), false);
    }).catch(function (err) {
      btn.disabled = false;
      say(cfg.failed + ' ' + String(err), true);
    });
  });
})();
`;
