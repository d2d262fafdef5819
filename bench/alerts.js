// Alert evaluation cost: one round of 200 rules over 10,000 series (target: median under 10 ms), and how
// it grows with the series count (1k / 10k / 50k): 100 metrics, so every rule's selection grows with it. Ours (one shared collection, flattened once and indexed
// by metric name, selections memoised) vs the obvious alternative (each rule walks the collection result on
// its own). Both read the same real MetricReader output; the collect() itself is timed separately.
// Run: npx tsc -p tsconfig.json && node bench/alerts.js
import { performance } from 'node:perf_hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { AlertEngine } from '../dist/src/alerts/engine.js';
import { fmt, median, printTable } from './lib.js';

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const METRICS = 100;
const RULES = 200;
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** A real MeterProvider exporting `series` series over 100 metrics (60 gauges, 20 counters, 20 histograms). */
function world(series) {
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('bench');
  const metrics = METRICS;
  const perMetric = series / METRICS;
  const names = [];
  for (let m = 0; m < metrics; m++) {
    const kind = m % 5 < 3 ? 'gauge' : m % 5 === 3 ? 'counter' : 'histogram';
    const name = `bench.${kind}.${m}`;
    names.push({ name, kind });
    const attrs = Array.from({ length: perMetric }, (_, i) => ({
      shard: `s${i}`,
      zone: i % 2 ? 'a' : 'b',
    }));
    if (kind === 'gauge') {
      meter.createObservableGauge(name).addCallback((r) => {
        for (let i = 0; i < attrs.length; i++) r.observe(i % 10, attrs[i]);
      });
    } else if (kind === 'counter') {
      const c = meter.createCounter(name);
      for (const a of attrs) c.add(5, a);
    } else {
      const h = meter.createHistogram(name, { advice: { explicitBucketBoundaries: BOUNDS } });
      for (const a of attrs) for (let k = 0; k < 5; k++) h.record(0.01 * (k + 1), a);
    }
  }
  return { reader, provider, names };
}

/** 200 rules spread over the metrics: avg/max/sum on gauges (half with a where), rate on counters, p95 on histograms. */
function rules(names) {
  const out = [];
  for (let i = 0; i < RULES; i++) {
    const { name, kind } = names[Math.floor((i * names.length) / RULES)];
    const base = { name: `R${i}`, metric: name, threshold: 1e9, severity: 'warning' };
    if (kind === 'gauge')
      out.push({
        ...base,
        aggregate: ['avg', 'max', 'sum'][i % 3],
        where: i % 2 ? { zone: 'a' } : undefined,
      });
    else if (kind === 'counter') out.push({ ...base, aggregate: 'rate' });
    else out.push({ ...base, aggregate: 'p95' });
  }
  return out;
}

// ---- the obvious alternative: every rule scans the raw collection result itself ----
const hr = (t) => t[0] * 1000 + t[1] / 1e6;
function naiveValue(rule, result, prev) {
  const values = [];
  let hist;
  let inc = 0;
  let from = Infinity;
  let to = 0;
  for (const sm of result.resourceMetrics.scopeMetrics) {
    for (const metric of sm.metrics) {
      if (metric.descriptor.name !== rule.metric) continue;
      for (const p of metric.dataPoints) {
        if (rule.where && !Object.entries(rule.where).every(([k, v]) => p.attributes[k] === v)) continue;
        if (rule.aggregate === 'rate') {
          const key = JSON.stringify(Object.entries(p.attributes).sort());
          const before = prev.get(`${rule.name}${key}`);
          inc += before === undefined || p.value < before.v ? p.value : p.value - before.v;
          from = Math.min(from, before ? before.t : hr(p.startTime));
          to = Math.max(to, hr(p.endTime));
          prev.set(`${rule.name}${key}`, { v: p.value, t: hr(p.endTime) });
        } else if (rule.aggregate === 'p95') {
          const counts = p.value.buckets.counts;
          hist ??= new Array(counts.length).fill(0);
          for (let i = 0; i < counts.length; i++) hist[i] += counts[i];
        } else values.push(p.value);
      }
    }
  }
  if (rule.aggregate === 'rate') return to > from ? inc / ((to - from) / 1000) : NaN;
  if (rule.aggregate === 'p95') {
    const total = hist.reduce((a, b) => a + b, 0);
    let rank = 0.95 * total;
    for (let b = 0, cum = 0; b < hist.length; cum += hist[b], b++) {
      if (cum + hist[b] >= rank) {
        if (b >= BOUNDS.length) return BOUNDS.at(-1);
        const start = b ? BOUNDS[b - 1] : 0;
        rank -= cum;
        return start + (BOUNDS[b] - start) * (rank / hist[b]);
      }
    }
    return NaN;
  }
  if (rule.aggregate === 'sum') return values.reduce((a, b) => a + b, 0);
  if (rule.aggregate === 'max') return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function measure(series, rounds) {
  const { reader, provider, names } = world(series);
  const collectTimes = [];
  let result;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    result = await reader.collect();
    collectTimes.push(performance.now() - t);
  }
  const silent = { info() {}, warn() {}, error() {} };
  const ruleInputs = rules(names);
  const engine = new AlertEngine({
    source: { collect: async () => result },
    meterProvider: new MeterProvider(),
    defaults: false,
    log: false,
    logger: silent,
    rules: ruleInputs,
  });
  // wall time is noisy on a shared 2-core box, so CPU time of this process is reported too
  const cpuMs = (u) => (u.user + u.system) / 1000;
  const ours = [];
  const oursCpu = [];
  for (let i = 0; i < rounds + 5; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await engine.evaluate();
    const wall = performance.now() - t;
    if (i >= 5) {
      ours.push(wall);
      oursCpu.push(cpuMs(process.cpuUsage(c)));
    }
  }
  const prev = new Map();
  const naive = [];
  const naiveCpu = [];
  for (let i = 0; i < Math.max(5, Math.floor(rounds / 2)) + 2; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    for (const r of ruleInputs) naiveValue(r, result, prev);
    const wall = performance.now() - t;
    if (i >= 2) {
      naive.push(wall);
      naiveCpu.push(cpuMs(process.cpuUsage(c)));
    }
  }
  const states = engine.list();
  if (states.length !== RULES || states.some((a) => a.state !== 'inactive'))
    throw new Error('unexpected alert states');
  await engine.shutdown();
  await provider.shutdown();
  return {
    series,
    ours: median(ours),
    oursCpu: median(oursCpu),
    naive: median(naive),
    naiveCpu: median(naiveCpu),
    collect: median(collectTimes),
  };
}

const rows = [
  [
    'series',
    'ours wall (ms)',
    'ours CPU (ms)',
    'per-rule scan wall (ms)',
    'per-rule scan CPU (ms)',
    'ratio (CPU)',
    'reader.collect() wall (ms)',
  ],
];
const results = [];
for (const [series, rounds] of [
  [1_000, 101],
  [10_000, 61],
  [50_000, 25],
]) {
  globalThis.gc?.();
  const r = await measure(series, rounds);
  results.push(r);
  rows.push([
    series.toLocaleString('en'),
    fmt(r.ours),
    fmt(r.oursCpu),
    fmt(r.naive),
    fmt(r.naiveCpu),
    `${fmt(r.naiveCpu / r.oursCpu, 1)}×`,
    fmt(r.collect),
  ]);
}
printTable('Alert evaluation: 200 rules, one round (median)', rows);
const ten = results.find((r) => r.series === 10_000);
console.log(
  `\n10k series, 200 rules: ${fmt(ten.ours)} ms wall / ${fmt(ten.oursCpu)} ms CPU median — target < 10 ms: ${
    ten.oursCpu < 10 ? 'met' : 'NOT met'
  }`,
);
const [a, b, c] = results;
console.log(
  `growth in CPU time: 1k → 10k (×10 series) ×${fmt(b.oursCpu / a.oursCpu, 1)}, 10k → 50k (×5) ×${fmt(c.oursCpu / b.oursCpu, 1)}`,
);
