#pragma once
// The static part of the HTML report: style and script. The data arrives as JSON in
// <script id="audit-data" type="application/json">, written by report_html.cc. Both are inline
// (the page is one self-contained file) and allowed by their hashes in the page's
// Content-Security-Policy (report_csp.cc), so the exact text here is what the browser checks:
// no inline style attributes or event handler attributes anywhere in the page.

#include <string_view>

namespace netwarden::audit {

// `unicode-bidi:isolate` on every cell: a user name with a right-to-left override must not
// reorder its neighbours; the ellipses keep a very long name from pushing the days and the
// findings off screen.
inline constexpr std::string_view kReportStyle = R"CSS(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .3em} h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;unicode-bidi:isolate}
th{background:#f3f3f3;position:sticky;top:0}
.meta{color:#555} .controls{margin:.8em 0;display:flex;gap:1em;flex-wrap:wrap;align-items:center}
#matrix td.cell{width:2.2em;height:1.4em;text-align:center;font-size:11px;cursor:pointer;padding:0}
#matrix th.user{max-width:18em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#matrix th.day{writing-mode:vertical-rl;font-weight:normal;font-size:11px}
td.home{background:#cfe8cf} td.abroad{background:#9fc5f8} td.both{background:#e53935;color:#fff}
td.other{background:#e0e0e0} td.selected{outline:3px solid #000}
.sev-high{color:#b71c1c;font-weight:bold} .sev-medium{color:#e65100} .sev-low{color:#555}
.legend span{display:inline-block;padding:0 .6em;margin-right:.4em}
.legend .home{background:#cfe8cf} .legend .abroad{background:#9fc5f8}
.legend .both{background:#e53935;color:#fff} .legend .other{background:#e0e0e0}
#sessions{margin-top:1em} .note{color:#b71c1c}
#findings-body td:nth-child(3){max-width:14em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
)CSS";

// Text only ever reaches the page through textContent, title and dataset, never as markup.
inline constexpr std::string_view kReportScript = R"JS(
(function () {
  const data = JSON.parse(document.getElementById('audit-data').textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  const MAX_ROWS = 300;
  function filters() {
    return {user: $('user').value.trim().toLowerCase(), from: $('from').value, to: $('to').value};
  }
  function dayInRange(day, f) {
    return (!f.from || day >= f.from) && (!f.to || day <= f.to);
  }
  function renderMatrix() {
    const f = filters();
    const days = data.days.filter((d) => dayInRange(d, f));
    const users = data.users.filter((u) => u.name.toLowerCase().includes(f.user));
    const table = $('matrix');
    table.replaceChildren();
    const head = el('tr');
    head.appendChild(el('th', 'user'));
    for (const d of days) head.appendChild(el('th', d.slice(5), 'day'));
    table.appendChild(head);
    let shown = 0;
    for (const user of users) {
      if (shown === MAX_ROWS) break;
      const cells = user.cells;
      if (!days.some((d) => cells[d])) continue;
      shown++;
      const row = el('tr');
      row.dataset.user = user.name;
      const name = el('th', user.name, 'user');
      name.title = user.name;
      row.appendChild(name);
      for (const d of days) {
        const cell = cells[d];
        const td = el('td', cell ? cell.k.join(' ') : '', cell ? 'cell ' + cell.c : 'cell');
        if (cell) {
          td.dataset.day = d;
          td.title = user.name + ' ' + d + ': ' + cell.s.length + ' session(s)';
          td.addEventListener('click', () => showSessions(user.name, d, cell, td));
        }
        row.appendChild(td);
      }
      table.appendChild(row);
    }
    $('matrix-note').textContent = shown === MAX_ROWS ?
        'Showing the first ' + MAX_ROWS + ' users (those with red days first); narrow the search.' : '';
    renderFindings(f);
  }
  function renderFindings(f) {
    const body = $('findings-body');
    body.replaceChildren();
    for (const x of data.findings) {
      const day = x.day || x.time.slice(0, 10);
      if (!dayInRange(day, f) || !x.user.toLowerCase().includes(f.user)) continue;
      const row = el('tr');
      row.appendChild(el('td', x.severity, 'sev-' + x.severity));
      for (const v of [x.rule, x.user, x.day || x.time, x.countries.join(' '),
                       x.addresses.join(' '), x.detail, x.evidence.join(' ')]) {
        row.appendChild(el('td', v));
      }
      body.appendChild(row);
    }
  }
  function showSessions(user, day, cell, td) {
    document.querySelectorAll('td.selected').forEach((n) => n.classList.remove('selected'));
    td.classList.add('selected');
    const box = $('sessions');
    box.replaceChildren(el('h2', 'Sessions of ' + user + ' on ' + day));
    const table = el('table');
    const head = el('tr');
    for (const h of ['start (UTC)', 'end (UTC)', 'source', 'place', 'city', 'tunnel', 'client',
                     'evidence']) head.appendChild(el('th', h));
    table.appendChild(head);
    for (const index of cell.s) {
      const s = data.sessions[index];
      const row = el('tr');
      for (const v of s) row.appendChild(el('td', v));
      table.appendChild(row);
    }
    box.appendChild(table);
  }
  for (const id of ['user', 'from', 'to']) $(id).addEventListener('input', renderMatrix);
  $('from').value = data.days[0] || '';
  $('to').value = data.days[data.days.length - 1] || '';
  renderMatrix();
})();
)JS";

}  // namespace netwarden::audit
