// The operations console (ADR 0013). Plain script, no build: it keeps the operations token in this tab's
// session storage, calls the /ops/* JSON routes with it, and builds every element with textContent, so a
// value (an event's data is producer-controlled) is always shown as text, never parsed as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'eda.opsToken';
  const REFRESH_MS = 3000;
  const STALE_MS = 10000;
  const PAGE_SIZE = 50;
  const $ = (id) => document.getElementById(id);
  let lastOk = 0;
  let timer = null;
  let rendering = false;
  // Per-page state that survives a refresh: filters and the cursor of the page shown.
  const state = { sagas: { status: '', age: '', cursors: [] }, deadLetters: { handler: '', key: '', cursors: [] }, trace: null };

  class Unauthorized extends Error {}

  // The token may come once in the URL fragment (#token=…), as notebook servers hand it out; it is moved to
  // session storage and removed from the address bar and history at once.
  function takeTokenFromUrl() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!match) return;
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search + '#sagas');
  }

  async function api(path, options = {}) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) throw new Unauthorized();
    const response = await fetch(path, { ...options, headers: { ...(options.headers || {}), authorization: `Bearer ${token}`, accept: 'application/json' } });
    if (response.status === 401) throw new Unauthorized();
    const type = response.headers.get('content-type') || '';
    const body = type.includes('json') ? await response.json() : null;
    if (!response.ok) throw new Error((body && (body.detail || body.title)) || `HTTP ${response.status}`);
    return { body, headers: response.headers };
  }

  /** Makes an element: attributes as properties or attributes, children as nodes or text (never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'onclick' || name === 'onchange' || name === 'onsubmit') node.addEventListener(name.slice(2), value);
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const text = (value) => (value === null || value === undefined ? '—' : String(value));
  const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
  const num = (n, digits = 0) => (n === null || n === undefined ? '—' : Number(n).toLocaleString(undefined, { maximumFractionDigits: digits }));
  const bytes = (n) => (n >= 1048576 ? `${num(n / 1048576, 2)} MiB` : n >= 1024 ? `${num(n / 1024, 1)} KiB` : `${num(n)} B`);
  const table = (headers, rows, empty = 'Nothing here.') =>
    rows.length === 0 ? el('p', {}, empty) : el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))), el('tbody', {}, rows));
  const json = (value) => el('pre', {}, JSON.stringify(value, null, 2));

  function showLogin(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearTimeout(timer);
    $('view').replaceChildren();
    $('nav').hidden = true;
    $('logout').hidden = true;
    $('freshness').textContent = '';
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  function page() {
    const hash = location.hash.replace(/^#/, '');
    if (hash.startsWith('saga/')) return { name: 'saga', id: decodeURIComponent(hash.slice(5)) };
    return { name: ['dead-letters', 'consumers', 'streams'].includes(hash) ? hash : 'sagas' };
  }

  const views = {
    async sagas() {
      const s = state.sagas;
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (s.status) query.set('status', s.status);
      if (s.age) query.set('olderThanSeconds', s.age);
      const cursor = s.cursors[s.cursors.length - 1];
      if (cursor) query.set('cursor', cursor);
      const [counts, stuck, list] = await Promise.all([
        api('/ops/sagas/counts'),
        api('/ops/sagas?stuck=true&limit=20'),
        api(`/ops/sagas?${query}`),
      ]);
      const c = counts.body;
      const next = list.headers.get('x-next-cursor');
      const cards = el('div', { className: 'cards', 'data-testid': 'saga-counts' },
        ['', ...c.statuses].map((status) =>
          el('div', { className: `card${s.status === status ? ' selected' : ''}`, 'data-status': status || 'ALL', onclick: () => { s.status = status; s.cursors = []; render(); } },
            el('div', {}, status || 'All'),
            el('div', { className: 'n' }, num(status ? c.byStatus[status] || 0 : Object.values(c.byStatus).reduce((a, b) => a + b, 0))))),
        el('div', { className: 'card', 'data-status': 'STUCK-NOW' }, el('div', {}, 'Stuck now'), el('div', { className: 'n' }, num(c.stuck))));
      const statusSelect = el('select', { name: 'status', onchange: (e) => { s.status = e.target.value; s.cursors = []; render(); } },
        el('option', { value: '' }, 'any'), c.statuses.map((x) => el('option', { value: x, selected: s.status === x }, x)));
      const ageInput = el('input', { name: 'olderThanSeconds', type: 'number', min: '0', value: s.age, placeholder: 'seconds' });
      const filters = el('form', { className: 'filters', onsubmit: (e) => { e.preventDefault(); s.age = ageInput.value; s.cursors = []; render(); } },
        el('label', {}, 'Status', statusSelect), el('label', {}, 'Started at least … ago', ageInput), el('button', { type: 'submit' }, 'Filter'));
      return [
        el('h2', {}, 'Sagas by status'), cards,
        el('h2', {}, 'Stuck: past their deadline, or a participant\'s reply parked'),
        sagaTable(stuck.body, 'No saga is stuck.', 'stuck-sagas'),
        el('h2', {}, 'All sagas (oldest first)'), filters,
        sagaTable(list.body, 'No saga matches.', 'sagas'),
        el('div', { className: 'filters' },
          s.cursors.length > 0 ? el('button', { type: 'button', onclick: () => { s.cursors.pop(); render(); } }, 'Previous page') : null,
          next ? el('button', { type: 'button', onclick: () => { s.cursors.push(next); render(); } }, 'Next page') : null),
      ];
    },

    async saga({ id }) {
      const { body: saga } = await api(`/ops/sagas/${encodeURIComponent(id)}`);
      const waiting = saga.deadline !== null && (saga.status === 'RUNNING' || saga.status === 'COMPENSATING');
      const messages = state.trace ? saga.messages.filter((m) => m.traceId === state.trace) : saga.messages;
      return [
        el('p', {}, el('a', { href: '#sagas' }, '← Sagas')),
        el('h2', {}, `Saga ${saga.id}`),
        el('dl', { 'data-testid': 'saga-detail', 'data-saga': saga.id },
          el('dt', {}, 'Type'), el('dd', {}, `${saga.sagaType} (${saga.context})`),
          el('dt', {}, 'Status'), el('dd', {}, el('span', { className: 'badge', 'data-testid': 'saga-status' }, saga.status), ' ', stuckBadges(saga.stuck)),
          el('dt', {}, 'Step'), el('dd', { 'data-testid': 'saga-step' }, saga.step),
          el('dt', {}, 'Deadline'), el('dd', {}, time(saga.deadline)),
          el('dt', {}, 'Started / updated'), el('dd', {}, `${time(saga.createdAt)} / ${time(saga.updatedAt)} (version ${saga.version})`),
          el('dt', {}, 'Legs'), el('dd', { 'data-testid': 'saga-legs' }, saga.legs.map((l) => el('span', { className: 'badge' }, `${l.name}: ${l.status}`)).reduce((a, b) => [...a, ' ', b], [])),
          el('dt', {}, 'State'), el('dd', {}, json(saga.state))),
        waiting ? el('p', {}, el('button', { type: 'button', 'data-action': 'expire', onclick: () => expire(saga.id) }, 'Fire its deadline now (compensate)')) : null,
        el('h2', {}, 'History of steps'),
        table(['Step', 'At'], saga.history.map((h) => el('tr', {}, el('td', {}, h.step), el('td', {}, time(h.at)))), 'No step.'),
        saga.parkedReplies.length > 0 ? [el('h2', {}, 'Parked replies (dead letters of this saga)'),
          table(['Id', 'Handler', 'Type', 'Error', 'Attempts'], saga.parkedReplies.map((d) => el('tr', {}, el('td', {}, d.id), el('td', {}, d.handler), el('td', {}, text(d.type)), el('td', {}, d.error), el('td', { className: 'num' }, d.attempts))))] : null,
        el('h2', {}, 'Events and commands of its correlation, in order', state.trace ? [' — trace ', el('code', {}, state.trace), ' ', el('button', { type: 'button', onclick: () => { state.trace = null; render(); } }, 'show all')] : null),
        table(['Recorded', 'Log', 'Type', 'Source', 'Key', 'Trace id', 'Data'], messages.map((m) =>
          el('tr', { 'data-type': m.type },
            el('td', {}, time(m.recordedAt)), el('td', {}, m.log), el('td', { className: 'mono' }, m.type), el('td', {}, m.source),
            el('td', { className: 'mono' }, m.partitionKey),
            el('td', {}, m.traceId ? [
              el('a', { href: `#saga/${encodeURIComponent(saga.id)}`, className: 'mono', title: 'Show only this trace', onclick: (e) => { e.preventDefault(); state.trace = m.traceId; render(); } }, m.traceId),
              // CONSOLE_TRACE_URL: the operator's trace viewer (the server builds the URL; only http(s) is ever a link).
              m.traceUrl && /^https?:\/\//.test(m.traceUrl) ? [' ', el('a', { href: m.traceUrl, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'trace-viewer' }, 'open trace ↗')] : null,
            ] : '—'),
            el('td', {}, json(m.data)))), 'No event recorded yet.'),
      ];
    },

    async 'dead-letters'() {
      const d = state.deadLetters;
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (d.handler) query.set('handler', d.handler);
      if (d.key) query.set('key', d.key);
      const cursor = d.cursors[d.cursors.length - 1];
      if (cursor) query.set('cursor', cursor);
      const { body } = await api(`/ops/dead-letters?${query}`);
      const handler = el('input', { name: 'handler', value: d.handler, placeholder: 'any' });
      const key = el('input', { name: 'key', value: d.key, placeholder: 'any' });
      return [
        el('h2', {}, 'Parked messages'),
        el('form', { className: 'filters', onsubmit: (e) => { e.preventDefault(); d.handler = handler.value.trim(); d.key = key.value.trim(); d.cursors = []; render(); } },
          el('label', {}, 'Handler', handler), el('label', {}, 'Partition key', key), el('button', { type: 'submit' }, 'Filter')),
        table(['Id', 'Handler', 'Key', 'Type', 'Error', 'Attempts', 'Parked', ''], body.items.map((l) =>
          el('tr', { 'data-id': l.id },
            el('td', {}, l.id), el('td', { className: 'mono' }, l.handler), el('td', { className: 'mono' }, l.partitionKey), el('td', { className: 'mono' }, text(l.type)),
            el('td', { className: 'error' }, l.error), el('td', { className: 'num' }, l.attempts), el('td', {}, time(l.parkedAt)),
            el('td', {},
              el('button', { type: 'button', 'data-action': 'retry', onclick: () => act(`Retry dead letter ${l.id} (and the key's later parked messages, in order)?`, 'POST', `/ops/dead-letters/${l.id}/retry`) }, 'Retry'), ' ',
              el('button', { type: 'button', 'data-action': 'discard', onclick: () => act(`Discard dead letter ${l.id}? It will never be applied.`, 'DELETE', `/ops/dead-letters/${l.id}`) }, 'Discard')))), 'No parked message.'),
        el('div', { className: 'filters' },
          d.cursors.length > 0 ? el('button', { type: 'button', onclick: () => { d.cursors.pop(); render(); } }, 'Previous page') : null,
          body.nextCursor ? el('button', { type: 'button', onclick: () => { d.cursors.push(body.nextCursor); render(); } }, 'Next page') : null),
      ];
    },

    async consumers() {
      const { body } = await api('/ops/consumers');
      // This process's group comes first; other groups are other deployments sharing the database.
      const groups = [...new Set(body.map((l) => l.consumerGroup))];
      return groups.length === 0 ? [el('h2', {}, 'Shard leases'), el('p', {}, 'No lease yet.')] : groups.map((group, i) => {
        const leases = body.filter((l) => l.consumerGroup === group);
        const owners = new Map();
        for (const l of leases) if (l.owner) owners.set(l.owner, (owners.get(l.owner) || 0) + 1);
        const moving = leases.filter((l) => l.expiredOwner).length;
        return el('div', { 'data-group': group },
          el('h2', {}, `Shard leases of group ${group}`, i === 0 ? ' (this process\'s)' : ''),
          el('p', { className: 'summary' }, `${leases.length} shard lease(s); workers: `,
            owners.size === 0 ? 'none' : [...owners].map(([owner, n]) => `${owner} (${n})`).join(', '),
            moving > 0 ? el('span', { className: 'badge warn' }, `${moving} expired: moving to a live worker`) : null),
          table(['Stream', 'Shard', 'Owner', 'Checkpoint', 'Behind latest', 'Reads/s', 'State'], leases.map((l) =>
            el('tr', { 'data-shard': `${l.stream}/${l.shardId}`, className: l.expiredOwner ? 'stuck' : '' },
              el('td', {}, l.stream), el('td', { className: 'mono' }, l.shardId),
              el('td', { className: 'mono', 'data-testid': 'lease-owner' }, l.owner !== null ? l.owner
                : l.expiredOwner !== null ? [l.expiredOwner, ' ', el('span', { className: 'badge warn' }, 'expired (worker stopped renewing): moving to a live worker')]
                : l.state === 'finished' ? '—' : el('span', { className: 'badge warn' }, 'free: waiting for a worker')),
              el('td', { className: 'mono' }, l.checkpoint),
              el('td', { className: 'num' }, l.millisBehindLatest === null ? '—' : `${num(l.millisBehindLatest)} ms`),
              el('td', { className: 'num' }, l.readsPerSecond === null ? '—' : num(l.readsPerSecond, 1)),
              el('td', {}, l.state, l.resetAt ? ` (stream re-created ${time(l.resetAt)})` : '')))));
      });
    },

    async streams() {
      const [relay, streams] = await Promise.all([api('/ops/relay'), api('/ops/streams')]);
      const r = relay.body;
      const s = streams.body;
      return [
        el('h2', {}, 'Relay'),
        el('dl', {}, el('dt', {}, 'Mode'), el('dd', {}, r.mode), el('dt', {}, 'Pending'), el('dd', {}, num(r.pending)),
          el('dt', {}, 'Lag'), el('dd', {}, `${num(r.lagMs)} ms`), el('dt', {}, 'Last published'), el('dd', {}, time(r.lastPublishedAt))),
        el('h2', {}, `Streams over the last ${s.windowSeconds} s (limits per shard: ${num(s.limits.recordsPerSecondPerShard)} records/s, ${bytes(s.limits.bytesPerSecondPerShard)}/s in)`),
        table(['Stream', 'Shards', 'Records/s (avg / busiest second)', 'Bytes/s (avg / busiest second)', 'Of current shards', 'Shards needed'], s.streams.map((x) =>
          el('tr', { 'data-stream': x.stream },
            el('td', { className: 'mono' }, x.physicalStream), el('td', { className: 'num' }, x.shards === null ? '?' : x.shards === 0 ? 'on demand' : x.shards),
            el('td', { className: 'num' }, `${num(x.rate.recordsPerSecond, 1)} / ${num(x.rate.peakRecordsPerSecond)}`),
            el('td', { className: 'num' }, `${bytes(x.rate.bytesPerSecond)} / ${bytes(x.rate.peakBytesPerSecond)}`),
            el('td', { className: 'num' }, x.utilisation === null ? '—' : `${num(x.utilisation * 100)} %`),
            el('td', { className: 'num' }, x.shardsNeeded))), 'No stream yet.'),
        s.streams.filter((x) => x.keys.length > 0).map((x) => [
          el('h2', {}, `Hot partition keys of ${x.stream}`),
          table(['Key', 'Records (minute)', 'Busiest second', 'Bytes at busiest second', 'Of one shard', ''], x.keys.map((k) =>
            el('tr', { 'data-key': k.key, className: k.hot ? 'stuck' : '' },
              el('td', { className: 'mono' }, k.key), el('td', { className: 'num' }, num(k.rate.records)), el('td', { className: 'num' }, `${num(k.rate.peakRecordsPerSecond)} records/s`),
              el('td', { className: 'num' }, `${bytes(k.rate.peakBytesPerSecond)}/s`), el('td', { className: 'num' }, `${num(k.shareOfShard * 100)} %`),
              el('td', {}, k.hot ? el('span', { className: 'badge bad', 'data-testid': 'hot-key' }, 'HOT') : '')))),
          el('ul', { className: 'advice' }, x.advice.map((a) => el('li', {}, a))),
        ]),
      ];
    },
  };

  function sagaTable(sagas, empty, testid) {
    return el('div', { 'data-testid': testid }, table(['Saga', 'Type', 'Status', 'Step', 'Deadline', 'Started', ''], sagas.map((s) =>
      el('tr', { className: s.stuck.length > 0 ? 'stuck' : '', 'data-saga': s.id },
        el('td', { className: 'mono' }, el('a', { href: `#saga/${encodeURIComponent(s.id)}` }, s.id)),
        el('td', {}, s.sagaType), el('td', {}, el('span', { className: 'badge' }, s.status)), el('td', {}, s.step),
        el('td', {}, time(s.deadline)), el('td', {}, time(s.createdAt)), el('td', {}, stuckBadges(s.stuck)))), empty));
  }

  const stuckBadges = (reasons) => reasons.map((r) => el('span', { className: 'badge warn' }, r === 'deadline-passed' ? 'past its deadline' : r === 'reply-parked' ? 'reply parked' : r));

  async function act(question, method, path) {
    if (!window.confirm(question)) return;
    try {
      await api(path, { method });
      await render();
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin('The operations token was refused.');
      window.alert(error.message);
    }
  }

  const expire = (id) => act(`Fire the deadline of saga ${id} now? It takes its timeout input and compensates.`, 'POST', `/ops/sagas/${encodeURIComponent(id)}/expire`);

  function showFreshness() {
    const age = Date.now() - lastOk;
    const node = $('freshness');
    if (!lastOk) return;
    node.className = age > STALE_MS ? 'freshness stale' : 'freshness';
    node.textContent = age > STALE_MS ? `Stale: last updated ${Math.round(age / 1000)} s ago` : `Updated ${new Date(lastOk).toLocaleTimeString()}`;
  }

  async function render() {
    if (rendering) return;
    rendering = true;
    clearTimeout(timer);
    const current = page();
    for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.page === (current.name === 'saga' ? 'sagas' : current.name));
    try {
      const content = await views[current.name](current);
      // The hash may have changed while the data came: a stale answer must not replace the new page.
      if (page().name === current.name && page().id === current.id) $('view').replaceChildren(...[content].flat(3).filter(Boolean));
      lastOk = Date.now();
    } catch (error) {
      if (error instanceof Unauthorized) {
        rendering = false;
        return showLogin(sessionStorage.getItem(TOKEN_KEY) ? 'The operations token was refused.' : '');
      }
      const banner = el('p', { className: 'error', role: 'alert' }, `Could not load: ${error.message}`);
      if (!lastOk || page().name === 'saga') $('view').replaceChildren(banner);
    } finally {
      rendering = false;
    }
    showFreshness();
    timer = setTimeout(render, REFRESH_MS);
  }

  function start() {
    $('login').hidden = true;
    $('nav').hidden = false;
    $('logout').hidden = false;
    render();
  }

  document.addEventListener('DOMContentLoaded', () => {
    takeTokenFromUrl();
    $('login').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
      $('token').value = '';
      start();
    });
    $('logout').addEventListener('click', () => showLogin('Logged out.'));
    window.addEventListener('hashchange', () => {
      state.trace = null;
      takeTokenFromUrl();
      if (sessionStorage.getItem(TOKEN_KEY)) start();
    });
    setInterval(showFreshness, 1000);
    if (sessionStorage.getItem(TOKEN_KEY)) start();
    else showLogin('');
  });
})();
