// The built-in dashboard page. Plain browser JavaScript over the JSON API; every value from the
// process is put into the page with textContent (never innerHTML), so a task named
// `<img src=x onerror=alert(1)>` is shown as those characters.
(() => {
  const settings = JSON.parse(document.getElementById('settings').textContent);
  const API = settings.apiBase;
  const POINTS = 300;
  const RANGES = [
    ['5m', 300],
    ['1h', 3600],
    ['24h', 86400],
    ['7d', 604800],
    ['30d', 2592000],
  ];

  // The token arrives once as ?access_token= (a browser cannot send a header when opening a page); it
  // is kept for this tab only and removed from the address bar, then sent as a Bearer header.
  const here = new URL(location.href);
  const given = here.searchParams.get('access_token');
  if (given !== null) {
    sessionStorage.setItem('aiva-performance-token', given);
    here.searchParams.delete('access_token');
    history.replaceState(null, '', here.pathname + here.search + here.hash);
  }
  const token = sessionStorage.getItem('aiva-performance-token');
  const headers = token ? { Authorization: `Bearer ${token}` } : {};

  const state = {
    range: 300,
    step: 1,
    t: [],
    cols: {},
    rules: [],
    charts: new Map(),
    samples: 0,
    historyRequests: [],
  };
  window.aivaDashboard = state; // read by the browser test and handy in devtools

  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  };

  async function getJson(path) {
    const response = await fetch(API + path, { headers, cache: 'no-store' });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  }

  const time = (ms) => (ms ? new Date(ms).toLocaleString() : '-');

  const { PANELS, buildChart, dataOf, num, withPrefix } = window.aivaCharts(state);

  function render() {
    for (const panel of PANELS) {
      const card = document.getElementById(`panel-${panel.id}`);
      const container = card.querySelector('.chart');
      const series = panel.series();
      const keys = series.map((s) => s.label).join('\u0000');
      const existing = state.charts.get(panel.id);
      if (existing && existing.aivaKeys === keys) {
        existing.setData(dataOf(series));
        continue;
      }
      existing?.destroy();
      state.charts.set(panel.id, buildChart(panel, container));
    }
    renderTasks();
  }

  // ---- tables and tiles -------------------------------------------------------------------------
  function increase(name) {
    const v = (state.cols[name]?.max ?? []).filter((x) => x !== null);
    let total = 0;
    for (let i = 1; i < v.length; i++) total += v[i] >= v[i - 1] ? v[i] - v[i - 1] : v[i];
    return total;
  }

  function renderTasks() {
    const rows = withPrefix('task.count:')
      .map((k) => {
        const name = k.slice('task.count:'.length);
        const count = increase(k);
        const seconds = increase(`task.seconds:${name}`);
        return { name, count, seconds };
      })
      .sort((a, b) => b.seconds - a.seconds);
    const body = document.querySelector('#tasks tbody');
    body.replaceChildren(
      ...rows.map((r) =>
        el('tr', {}, [
          el('td', { text: r.name, class: 'task-name' }),
          el('td', { text: String(Math.round(r.count)), class: 'num' }),
          el('td', { text: num(r.seconds, 2), class: 'num' }),
          el('td', { text: r.count ? num((r.seconds / r.count) * 1000, 1) : '-', class: 'num' }),
        ]),
      ),
    );
  }

  const TILES = [
    ['CPU busy', (m) => `${num(m.cpuPercent)} %`, 'cpuPercent'],
    ['Load 1m', (m) => num(m.loadAverage1m, 2)],
    ['Memory used', (m) => `${num(m.memoryPercent)} %`, 'memoryPercent'],
    ['Swap used', (m) => `${num(m.swapUsedMb, 0)} MiB`],
    ['Tasks/s', (m) => num(m.tasksPerSecond)],
    ['p95 response', (m) => `${num(m.taskDurationP95Seconds * 1000, 0)} ms`, 'taskDurationP95Seconds'],
    ['Error rate', (m) => `${num(m.taskErrorRate * 100)} %`, 'taskErrorRate'],
    ['Queue', (m) => num(m.queueSize, 0), 'queueSize'],
    ['Event loop p99', (m) => `${num(m.eventLoopDelayP99Seconds * 1000, 1)} ms`],
    ['Heap used', (m) => `${num(m.heapUsedMb, 0)} MiB`],
  ];

  function renderTiles(metrics, series) {
    const stats = document.getElementById('stats');
    const tiles = TILES.map(([label, format, field]) => {
      const value = metrics[field];
      const fired = state.rules.filter((r) => r.field === field && value !== null && value > r.threshold);
      const cls = fired.some((r) => r.severity === 'critical')
        ? 'stat crit'
        : fired.length
          ? 'stat warn'
          : 'stat';
      return el('div', { class: cls }, [
        el('div', { class: 'label', text: label }),
        el('div', { class: 'value', text: format(metrics) }),
      ]);
    });
    const firing = series?.['alerts.firing'];
    tiles.push(
      el('div', { class: firing > 0 ? 'stat crit' : 'stat' }, [
        el('div', { class: 'label', text: 'Alerts firing' }),
        el('div', { class: 'value', text: num(firing, 0) }),
      ]),
    );
    stats.replaceChildren(...tiles);
  }

  async function loadAlerts() {
    const body = await getJson(`/alerts?from=${Date.now() - state.range * 1000}`);
    state.rules = body.rules;
    const rows = [
      ...body.alerts
        .filter((a) => a.state !== 'inactive')
        .map((a) => [
          a.name,
          a.severity,
          a.state,
          num(a.value, 2),
          `${a.op} ${a.threshold}`,
          a.firedAt ? time(Date.parse(a.firedAt)) : '-',
          '-',
        ]),
      // Alerts still firing are the rows above; the history adds the ones that fired and resolved.
      ...body.history
        .filter((h) => h.resolvedAt !== null)
        .reverse()
        .map((h) => [
          h.name,
          h.severity,
          h.resolvedAt ? 'resolved' : 'firing',
          num(h.value, 2),
          `${h.op} ${h.threshold}`,
          time(h.firedAt),
          time(h.resolvedAt),
        ]),
    ];
    const tbody = document.querySelector('#alerts tbody');
    tbody.replaceChildren(
      ...(rows.length ? rows : [['no alert pending or fired in range', '', '', '', '', '', '']]).map(
        (cells) =>
          el(
            'tr',
            {},
            cells.map((c, i) => el('td', { text: c, class: i === 1 ? `sev-${c}` : '' })),
          ),
      ),
    );
  }

  // ---- data loading -----------------------------------------------------------------------------
  async function loadHistory() {
    const to = Date.now();
    const from = to - state.range * 1000;
    const step = Math.max(1000, Math.ceil((state.range * 1000) / POINTS));
    state.historyRequests.push({ range: state.range, step });
    const h = await getJson(`/history?from=${from}&to=${to}&step=${step}`);
    state.step = h.stepMillis / 1000;
    state.t = h.timestamps.map((t) => t / 1000);
    state.cols = h.series;
    document.getElementById('foot').textContent =
      `${h.timestamps.length} steps of ${h.stepMillis / 1000} s from the ${h.resolutionMillis / 1000} s resolution; live updates by server-sent events`;
    render();
  }

  function appendSample(sample) {
    const t = sample.timestamp / 1000;
    const last = state.t[state.t.length - 1];
    // Only the fine ranges move with each sample; coarse ones are re-read once a minute.
    if (state.range > 3600 || (last !== undefined && t - last < state.step * 0.5)) return;
    const n = state.t.length;
    state.t.push(t);
    for (const name of Object.keys(sample.series)) {
      state.cols[name] ??= {
        min: new Array(n).fill(null),
        avg: new Array(n).fill(null),
        max: new Array(n).fill(null),
      };
    }
    for (const [name, c] of Object.entries(state.cols)) {
      const v = sample.series[name];
      const value = v === undefined || v === null ? null : v;
      c.min.push(value);
      c.avg.push(value);
      c.max.push(value);
    }
    const cutoff = t - state.range;
    let drop = 0;
    while (drop < state.t.length && state.t[drop] < cutoff) drop++;
    if (drop > 0) {
      state.t.splice(0, drop);
      for (const c of Object.values(state.cols)) for (const k of ['min', 'avg', 'max']) c[k].splice(0, drop);
    }
    render();
  }

  function onSample(sample) {
    state.samples++;
    renderTiles(sample.metrics, sample.series);
    appendSample(sample);
    if (state.samples % 5 === 0) loadAlerts().catch(showError);
  }

  // Server-sent events over fetch, so the token travels in a header (EventSource cannot send one).
  async function stream() {
    for (;;) {
      try {
        const response = await fetch(`${API}/stream`, { headers, cache: 'no-store' });
        if (!response.ok) throw new Error(`stream: HTTP ${response.status}`);
        setStatus('live', true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (event === 'sample' && data) onSample(JSON.parse(data));
            end = buffer.indexOf('\n\n');
          }
        }
      } catch (error) {
        setStatus(`reconnecting (${error.message})`, false);
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }

  function setStatus(text, live) {
    const status = document.getElementById('status');
    status.textContent = text;
    status.className = live ? 'live' : '';
  }

  function showError(error) {
    setStatus(String(error.message ?? error), false);
  }

  // ---- start ------------------------------------------------------------------------------------
  document.getElementById('service').textContent = settings.service;
  document.title = `${settings.service} - aiva-performance`;
  const nav = document.getElementById('ranges');
  for (const [label, seconds] of RANGES) {
    const button = el('button', {
      type: 'button',
      'data-range': label,
      'aria-pressed': String(seconds === state.range),
      text: label,
    });
    button.addEventListener('click', () => {
      state.range = seconds;
      for (const b of nav.children) b.setAttribute('aria-pressed', String(b === button));
      Promise.all([loadHistory(), loadAlerts()]).catch(showError);
    });
    nav.append(button);
  }
  const panels = document.getElementById('panels');
  for (const panel of PANELS) {
    panels.append(
      el('div', { class: 'card', id: `panel-${panel.id}` }, [
        el('h2', { text: panel.title }),
        el('div', { class: 'chart' }),
      ]),
    );
  }
  window.addEventListener('resize', () => {
    for (const [id, chart] of state.charts) {
      const width = document.querySelector(`#panel-${id} .chart`).clientWidth;
      chart.setSize({ width: Math.max(300, width), height: 200 });
    }
  });
  setInterval(() => {
    if (state.range > 3600) loadHistory().catch(showError);
  }, 60_000);

  (async () => {
    const current = await getJson('/current');
    if (current.metrics) renderTiles(current.metrics, current.series);
    await loadAlerts();
    await loadHistory();
    state.ready = true;
    stream();
  })().catch(showError);
})();
