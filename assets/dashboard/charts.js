// Chart definitions of the built-in dashboard: the panels, how each series is read from the
// history columns, threshold lines, uPlot options. Loaded before app.js, which calls aivaCharts(state).
window.aivaCharts = (state) => {
  const COLORS = [
    '#73bf69',
    '#f2cc0c',
    '#5794f2',
    '#ff9830',
    '#f2495c',
    '#b877d9',
    '#8ab8ff',
    '#ca95e5',
    '#96d98d',
  ];

  // ---- formatting -------------------------------------------------------------------------------
  const num = (v, digits = 1) =>
    v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(digits);
  const bytes = (v) => {
    if (v === null || v === undefined || Number.isNaN(v)) return '-';
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    let x = Math.abs(v);
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    return `${(Math.sign(v) * x).toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
  };

  // ---- series from the columns ------------------------------------------------------------------
  const col =
    (name, scale = 1) =>
    () =>
      (state.cols[name]?.avg ?? state.t.map(() => null)).map((v) => (v === null ? null : v * scale));
  // Per-second rate of a cumulative series (its max per step is its value at the step's end).
  const rateOf = (name) => () => {
    const values = state.cols[name]?.max ?? [];
    return state.t.map((t, i) => {
      const prev = values[i - 1];
      const curr = values[i];
      if (i === 0 || prev === null || curr === null || prev === undefined) return null;
      return (curr >= prev ? curr - prev : curr) / Math.max(1e-9, t - state.t[i - 1]);
    });
  };
  // Mean task time per step: Δ seconds / Δ count.
  const meanTaskSeconds = () => {
    const s = rateOf('totals.taskSeconds')();
    const n = rateOf('totals.tasks')();
    return s.map((x, i) => (x === null || !n[i] ? null : x / n[i]));
  };
  const withPrefix = (prefix) =>
    Object.keys(state.cols)
      .filter((k) => k.startsWith(prefix))
      .sort();

  const PANELS = [
    {
      id: 'cpu',
      title: 'CPU busy and load',
      series: () => [
        { label: 'CPU busy %', values: col('cpuPercent'), scale: '%' },
        { label: 'load 1m', values: col('loadAverage1m'), scale: 'load' },
      ],
      thresholds: { cpuPercent: { scale: '%', factor: 1 } },
    },
    {
      id: 'memory',
      title: 'Memory used, available, swap (MiB) and used %',
      series: () => [
        { label: 'used MiB', values: col('memoryUsedMb'), scale: 'MiB' },
        { label: 'available MiB', values: col('memoryAvailableMb'), scale: 'MiB' },
        { label: 'swap used MiB', values: col('swapUsedMb'), scale: 'MiB' },
        { label: 'used %', values: col('memoryPercent'), scale: '%' },
      ],
      thresholds: { memoryPercent: { scale: '%', factor: 1 } },
    },
    {
      id: 'io',
      title: 'Disk and network (bytes/s)',
      series: () => [
        { label: 'disk read', values: col('diskReadBytesPerSec'), scale: 'B/s', fmt: bytes },
        { label: 'disk write', values: col('diskWriteBytesPerSec'), scale: 'B/s', fmt: bytes },
        { label: 'net sent', values: col('networkSentBytesPerSec'), scale: 'B/s', fmt: bytes },
        { label: 'net received', values: col('networkRecvBytesPerSec'), scale: 'B/s', fmt: bytes },
      ],
    },
    {
      id: 'throughput',
      title: 'Task throughput (tasks/s)',
      series: () => [
        { label: 'all tasks', values: col('tasksPerSecond'), scale: '/s' },
        ...withPrefix('task.count:').map((k) => ({
          label: k.slice('task.count:'.length),
          values: rateOf(k),
          scale: '/s',
        })),
      ],
    },
    {
      id: 'latency',
      title: 'Response time: average and p95 (s)',
      series: () => [
        { label: 'average', values: meanTaskSeconds, scale: 's' },
        { label: 'p95', values: col('taskDurationP95Seconds'), scale: 's' },
      ],
      thresholds: { taskDurationP95Seconds: { scale: 's', factor: 1 } },
    },
    {
      id: 'errors',
      title: 'Error rate (%)',
      series: () => [{ label: 'failed %', values: col('taskErrorRate', 100), scale: '%' }],
      thresholds: { taskErrorRate: { scale: '%', factor: 100 } },
    },
    {
      id: 'queue',
      title: 'Queue size (items)',
      series: () => [{ label: 'queued', values: col('queueSize'), scale: 'items' }],
      thresholds: { queueSize: { scale: 'items', factor: 1 } },
    },
    {
      id: 'pool',
      title: 'Worker pool: workers and utilization',
      series: () => [
        { label: 'busy', values: col('pool.workersBusy'), scale: 'workers' },
        { label: 'idle', values: col('pool.workersIdle'), scale: 'workers' },
        { label: 'utilization %', values: col('pool.utilization', 100), scale: '%' },
      ],
    },
    {
      id: 'memkind',
      title: 'Memory manager by kind (MiB)',
      series: () =>
        withPrefix('memory.usedMb:').map((k) => ({
          label: k.slice('memory.usedMb:'.length),
          values: col(k),
          scale: 'MiB',
        })),
    },
    {
      id: 'alerts',
      title: 'Firing alerts',
      series: () => [{ label: 'firing', values: col('alerts.firing'), scale: 'alerts' }],
    },
  ];

  // ---- charts -----------------------------------------------------------------------------------
  function thresholdsOf(panel) {
    const out = [];
    for (const rule of state.rules) {
      const spec = panel.thresholds?.[rule.field];
      if (spec) out.push({ value: rule.threshold * spec.factor, scale: spec.scale, severity: rule.severity });
    }
    return out;
  }

  // Dashed threshold lines, coloured by severity, as Grafana draws them.
  const thresholdPlugin = (panel) => ({
    hooks: {
      draw: [
        (u) => {
          const { ctx, bbox } = u;
          for (const th of thresholdsOf(panel)) {
            if (!u.scales[th.scale]) continue;
            const y = u.valToPos(th.value, th.scale, true);
            if (!(y >= bbox.top && y <= bbox.top + bbox.height)) continue;
            ctx.save();
            ctx.strokeStyle = th.severity === 'critical' ? '#f2495c' : '#ff9830';
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(bbox.left, y);
            ctx.lineTo(bbox.left + bbox.width, y);
            ctx.stroke();
            ctx.restore();
          }
        },
      ],
    },
  });

  function buildChart(panel, container) {
    const series = panel.series();
    const scales = [...new Set(series.map((s) => s.scale))];
    const opts = {
      width: Math.max(300, container.clientWidth),
      height: 200,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: Object.fromEntries([
        ['x', { time: true }],
        ...scales.map((scale) => [
          scale,
          {
            range: (_u, min, max) => {
              const lines = thresholdsOf(panel)
                .filter((t) => t.scale === scale)
                .map((t) => t.value);
              const hi = Math.max(max ?? 0, ...lines);
              return [Math.min(0, min ?? 0), hi > 0 ? hi * 1.1 : 1];
            },
          },
        ]),
      ]),
      axes: [
        { stroke: '#8e8e8e', grid: { stroke: '#2c3235' }, ticks: { stroke: '#2c3235' } },
        ...scales.slice(0, 2).map((scale, i) => ({
          scale,
          side: i === 0 ? 3 : 1,
          stroke: '#8e8e8e',
          grid: { show: i === 0, stroke: '#2c3235' },
          ticks: { stroke: '#2c3235' },
          size: 72,
          values: (_u, ticks) =>
            ticks.map((v) =>
              scale === 'B/s'
                ? bytes(v)
                : v >= 1000
                  ? `${(v / 1000).toFixed(1)}k`
                  : String(+v.toPrecision(3)),
            ),
        })),
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          scale: s.scale,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          spanGaps: false,
          // Sparse data (a young process seen over 24 h) is dots, not invisible one-point lines.
          points: { size: 5, show: sparse },
          value: (_u, v) => (s.fmt ? s.fmt(v) : num(v, 3)),
        })),
      ],
      plugins: [thresholdPlugin(panel)],
    };
    const chart = new uPlot(opts, dataOf(series), container);
    chart.aivaKeys = series.map((s) => s.label).join('\u0000');
    return chart;
  }

  function sparse(u, seriesIdx, i0, i1) {
    const values = u.data[seriesIdx];
    let n = 0;
    for (let i = i0; i <= i1; i++) if (values[i] !== null && values[i] !== undefined) n++;
    return n < 60;
  }

  function dataOf(series) {
    return [state.t.slice(), ...series.map((s) => s.values())];
  }

  return { PANELS, buildChart, dataOf, num, bytes, withPrefix };
};
