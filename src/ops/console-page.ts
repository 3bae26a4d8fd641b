/**
 * The console served at `GET /` on the admin listener: one static page, no framework, no build. It
 * asks for the admin token (or takes it from `#token=…`, then removes it from the address bar), then
 * reads `/endpoints` and `/traffic` every 5 s: every group with its members (state, draining, live
 * sessions, in flight, time left suspended), the totals, the request rate with a chart of the last
 * minutes, and drain/undrain buttons that call the admin API.
 *
 * The page is a string in a module rather than a file beside it: the package is compiled to dist/ by
 * tsc, which carries no .html file along. Every value from the gateway is set as text, never as HTML.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>moor console</title>
<style>
  :root { --fg: #1b2430; --muted: #667085; --line: #e4e7ec; --ok: #12805c; --warn: #b54708; --bad: #b42318; --drain: #5b5bd6; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f8f9fb; }
  header { display: flex; align-items: baseline; gap: 16px; padding: 14px 24px; background: #0f1c2e; color: #fff; }
  header h1 { margin: 0; font-size: 18px; }
  header .where { color: #a9b4c4; font-size: 12px; }
  main { padding: 20px 24px; max-width: 1100px; }
  .tiles { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 18px; }
  .tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
  .tile .n { font-size: 24px; font-weight: 600; }
  .tile .l { color: var(--muted); font-size: 12px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 16px; }
  section h2 { margin: 0; padding: 10px 16px; font-size: 15px; border-bottom: 1px solid var(--line); display: flex; gap: 12px; align-items: baseline; }
  section h2 small { color: var(--muted); font-weight: 400; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 7px 16px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  tr:last-child td { border-bottom: 0; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; }
  .state.active { background: var(--ok); } .state.timeout { background: var(--warn); } .state.suspended { background: var(--bad); } .state.draining { background: var(--drain); }
  .reason { color: var(--muted); font-size: 12px; }
  button { font: inherit; padding: 3px 10px; border-radius: 6px; border: 1px solid #c5cbd3; background: #fff; cursor: pointer; }
  button:hover { background: #f2f4f7; }
  #chart { display: block; width: 100%; height: 90px; }
  #error { display: none; margin-bottom: 14px; padding: 10px 14px; border-radius: 8px; background: #fef3f2; color: var(--bad); border: 1px solid #fecdca; }
  #login { max-width: 420px; margin: 60px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px; }
  #login input { width: 100%; padding: 7px; margin: 8px 0 12px; font: inherit; }
  .muted { color: var(--muted); }
</style>
</head>
<body>
<header><h1>moor</h1><span class="where" id="where"></span><span class="where" id="updated"></span></header>
<form id="login" hidden>
  <label for="token"><strong>Admin token</strong></label>
  <div class="muted">The value of MOOR_ADMIN_TOKEN on the gateway. It stays in this tab only.</div>
  <input id="token" type="password" autocomplete="off">
  <button type="submit">Open the console</button>
</form>
<main id="console" hidden>
  <div id="error" role="alert"></div>
  <div class="tiles">
    <div class="tile"><div class="n" data-testid="request-rate" id="rate">–</div><div class="l">requests / s (last interval)</div></div>
    <div class="tile"><div class="n" data-testid="requests-total" id="total">–</div><div class="l">requests answered</div></div>
    <div class="tile"><div class="n" data-testid="sessions-total" id="sessions">–</div><div class="l">live sessions</div></div>
    <div class="tile"><div class="n" data-testid="endpoints-up" id="up">–</div><div class="l">endpoints taking traffic</div></div>
  </div>
  <section>
    <h2>Request rate <small id="chart-label"></small></h2>
    <svg id="chart" viewBox="0 0 600 90" preserveAspectRatio="none" aria-label="requests per interval"></svg>
  </section>
  <div id="groups"></div>
</main>
<script>
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let token = '';
  const fromHash = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (fromHash) {
    token = decodeURIComponent(fromHash[1]);
    // (the token must not stay in the address bar, the history or a screenshot)
    history.replaceState(null, '', location.pathname + location.search);
  } else {
    token = sessionStorage.getItem('moor-token') || '';
  }
  $('where').textContent = location.host;

  async function api(method, path) {
    const res = await fetch(path, { method, headers: token ? { authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
    const body = await res.json().catch(() => ({ error: res.status + ' ' + res.statusText }));
    if (res.status === 401) { askToken(body.error); throw new Error(body.error); }
    if (!res.ok) throw new Error(body.error || ('status ' + res.status));
    return body;
  }

  function askToken(why) {
    $('console').hidden = true;
    $('login').hidden = false;
    if (why && token) $('login').querySelector('.muted').textContent = why;
    $('token').focus();
  }
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value;
    sessionStorage.setItem('moor-token', token);
    start();
  });

  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') n.className = v; else if (k.startsWith('on')) n.addEventListener(k.slice(2), v); else n.setAttribute(k, v);
    }
    for (const c of children) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return n;
  }
  function duration(ms) {
    const s = Math.round(ms / 1000);
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  }

  function memberRow(e) {
    const shown = e.draining ? 'draining' : e.state;
    const button = e.draining
      ? el('button', { 'data-action': 'undrain', onclick: () => act('undrain', e.id) }, 'Undrain')
      : el('button', { 'data-action': 'drain', onclick: () => act('drain', e.id) }, 'Drain');
    const reason = e.state === 'active' ? '' : e.reason + (e.remainingMs !== undefined ? ' (back in ' + duration(e.remainingMs) + ')' : '');
    return el('tr', { 'data-endpoint': e.id, 'data-state': shown },
      el('td', {}, e.id, reason ? el('div', { class: 'reason' }, reason) : ''),
      el('td', {}, el('span', { class: 'state ' + shown, 'data-testid': 'state' }, shown), e.draining && e.state !== 'active' ? el('div', { class: 'reason' }, e.state) : ''),
      el('td', { class: 'num', 'data-testid': 'sessions' }, e.sessions),
      el('td', { class: 'num', 'data-testid': 'in-flight' }, e.inFlight),
      el('td', {}, button));
  }

  function groupSection(title, note, members, testid) {
    const head = el('tr', {}, el('th', {}, 'member'), el('th', {}, 'state'), el('th', { class: 'num' }, 'live sessions'), el('th', { class: 'num' }, 'in flight'), el('th', {}, ''));
    return el('section', { 'data-group': testid },
      el('h2', {}, title, el('small', {}, note)),
      el('table', {}, el('thead', {}, head), el('tbody', {}, ...members.map(memberRow))));
  }

  function drawEndpoints(v) {
    const byId = new Map(v.endpoints.map((e) => [e.id, e]));
    const grouped = new Set();
    const sections = v.groups.map((g) => {
      g.members.forEach((m) => grouped.add(m));
      const note = g.kind + (g.session ? ', sessions in ' + (g.session === 'table' ? 'the store: ' + g.sessions : 'cookies') : '') + (g.draining ? ', draining' : '');
      return groupSection(g.id, note, g.members.map((m) => byId.get(m)).filter(Boolean), g.id);
    });
    const alone = v.endpoints.filter((e) => !grouped.has(e.id));
    if (alone.length) sections.push(groupSection('Endpoints outside groups', '', alone, ''));
    $('groups').replaceChildren(...sections);
    const live = v.groups.reduce((n, g) => n + (g.session === 'table' ? g.sessions : 0), 0);
    $('sessions').textContent = live + (v.sessionsTruncated ? '+' : '');
    $('up').textContent = v.endpoints.filter((e) => !e.draining && e.state !== 'suspended').length + ' of ' + v.endpoints.length;
  }

  function drawTraffic(t) {
    $('total').textContent = t.total;
    const last = t.perInterval[t.perInterval.length - 1];
    $('rate').textContent = last === undefined ? '–' : (last / (t.intervalMs / 1000)).toFixed(1);
    const minutes = Math.round((t.perInterval.length * t.intervalMs) / 60000);
    $('chart-label').textContent = t.perInterval.length ? 'last ' + (minutes || '<1') + ' min, every ' + t.intervalMs / 1000 + ' s' : 'collecting…';
    const svg = $('chart');
    const slots = 60, w = 600 / slots, max = Math.max(1, ...t.perInterval);
    const bars = t.perInterval.slice(-slots).map((n, i, a) => {
      const h = Math.max(n ? 2 : 0, (n / max) * 84);
      const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      r.setAttribute('x', String((slots - a.length + i) * w + 1));
      r.setAttribute('y', String(88 - h));
      r.setAttribute('width', String(w - 2));
      r.setAttribute('height', String(h));
      r.setAttribute('fill', '#5b8def');
      const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      title.textContent = n + ' requests';
      r.append(title);
      return r;
    });
    svg.replaceChildren(...bars);
  }

  function showError(e) {
    $('error').textContent = e ? String(e.message || e) : '';
    $('error').style.display = e ? 'block' : 'none';
  }

  async function refresh() {
    try {
      const [endpoints, traffic] = await Promise.all([api('GET', 'endpoints'), api('GET', 'traffic')]);
      drawEndpoints(endpoints);
      drawTraffic(traffic);
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
      showError(undefined);
    } catch (e) {
      showError(e);
    }
  }

  async function act(verb, id) {
    try {
      await api('POST', 'endpoints/' + encodeURIComponent(id) + '/' + verb);
      await refresh();
    } catch (e) {
      showError(e);
    }
  }

  let timer;
  function start() {
    $('login').hidden = true;
    $('console').hidden = false;
    clearInterval(timer);
    refresh();
    timer = setInterval(refresh, 5000);
  }
  start();
})();
</script>
</body>
</html>
`;
