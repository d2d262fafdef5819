// Issue 17: how far the p95 read in-process is from the truth — the explicit buckets (what
// Prometheus' classic `_bucket` series carry) vs the in-process exponential histogram — and what
// the exponential aggregation costs per record (target ≤ 1.2× the explicit one), in the same run.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { METRIC } from '../dist/src/core/metric-names.js';
import { flattenMetrics } from '../dist/src/core/query.js';
import { histogramQuantile, mergeHistograms } from '../dist/src/core/query-histogram.js';
import { TaskRecorder } from '../dist/src/instrumentation/tasks.js';
import { InProcessMetricReader } from '../dist/src/sdk/in-process-reader.js';
import { fmt, median, nsPerOpSync, printTable } from './lib.js';

class ExplicitReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const distributions = {
  'steady 100 ms': () => 0.1,
  'uniform 20–115 ms': () => 0.02 + 0.095 * random(),
  'lognormal median 50 ms': () => 0.05 * Math.exp(normal()),
  'bimodal 10 ms / 2 s': () => (random() < 0.9 ? 0.01 * (1 + 0.2 * random()) : 2 * (1 + 0.2 * random())),
};

function setup(...readers) {
  const provider = new MeterProvider({ readers });
  const histogram = provider.getMeter(TaskRecorder.name).createHistogram(METRIC.taskDuration, {
    unit: 's',
    advice: {
      explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    },
  });
  return { provider, histogram };
}

const rows = [
  ['distribution (20,000 values)', 'true p95 (s)', 'explicit buckets', 'error', 'exponential', 'error'],
];
for (const [name, draw] of Object.entries(distributions)) {
  const values = Array.from({ length: 20_000 }, draw);
  const sorted = values.slice().sort((a, b) => a - b);
  const truth = sorted[Math.ceil(0.95 * sorted.length) - 1];
  const read = async (reader) => {
    const { provider, histogram } = setup(reader);
    for (const v of values) histogram.record(v, { 'aiva.task.name': 'x' });
    const p95 = histogramQuantile(
      0.95,
      mergeHistograms(flattenMetrics(await reader.collect()).select(METRIC.taskDuration)),
    );
    await provider.shutdown();
    return p95;
  };
  const explicit = await read(new ExplicitReader());
  const exponential = await read(new InProcessMetricReader({ cardinalityLimit: 100 }));
  const err = (v) => `${fmt((100 * Math.abs(v - truth)) / truth, 1)} %`;
  rows.push([name, fmt(truth, 4), fmt(explicit, 4), err(explicit), fmt(exponential, 4), err(exponential)]);
}
printTable('p95 read in-process vs the exact p95', rows);

// As in the SDK: every record feeds the Prometheus reader (explicit buckets) and the in-process one
// (explicit buckets before this change, exponential now).
const configs = [
  ['Prometheus + in-process, both explicit (before)', () => [new ExplicitReader(), new ExplicitReader()]],
  [
    'Prometheus explicit + in-process exponential (now)',
    () => [new ExplicitReader(), new InProcessMetricReader({ cardinalityLimit: 100 })],
  ],
];
const setups = configs.map(([, make]) => setup(...make()));
const samples = configs.map(() => []);
const attrs = { 'aiva.task.name': 'x', 'aiva.task.outcome': 'ok' };
// Interleaved rounds: a shared, noisy machine hits both configurations alike.
for (let round = 0; round < 9; round++) {
  setups.forEach(({ histogram }, k) => {
    let i = 0;
    const record = () => histogram.record(0.001 + (i++ % 1000) * 0.003, attrs);
    samples[k].push(nsPerOpSync(record, { iterations: 100_000, rounds: 1 }));
  });
}
for (const { provider } of setups) await provider.shutdown();
const costs = configs.map(([label], k) => [label, median(samples[k])]);
const [[, before], [, after]] = costs;
printTable('one histogram.record feeding both readers (median of 9 interleaved rounds of 100k)', [
  ['aggregation', 'ns per record', 'ratio'],
  ...costs.map(([label, ns]) => [label, fmt(ns, 0), fmt(ns / before, 2)]),
]);
console.log(`\nexponential / explicit record cost: ${fmt(after / before, 2)}× (target ≤ 1.20×)`);

// Scrape cost with native histograms on (protobuf, classic + native buckets) vs off (text 0.0.4),
// 200 task series, same run, interleaved.
{
  const { startPerformanceSdk } = await import('../dist/src/index.js');
  const perf = await startPerformanceSdk({
    prometheus: { port: 0, nativeHistograms: true },
    hostMetrics: false,
    runtimeMetrics: false,
    alerts: false,
    registerGlobal: false,
  });
  for (let t = 0; t < 200; t++) {
    for (let i = 0; i < 50; i++) perf.startTimer(`task_${t}`)();
  }
  const accepts = {
    'off: text 0.0.4': 'text/plain;version=0.0.4',
    'on: protobuf with native histograms':
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  };
  const times = Object.fromEntries(Object.keys(accepts).map((k) => [k, []]));
  const sizes = {};
  for (let round = 0; round < 30; round++) {
    for (const [label, accept] of Object.entries(accepts)) {
      await new Promise((resolve) => setTimeout(resolve, 60)); // past the 50 ms coalescing window
      const start = performance.now();
      const body = await (await fetch(`${perf.url}/metrics`, { headers: { accept } })).arrayBuffer();
      times[label].push(performance.now() - start);
      sizes[label] = body.byteLength;
    }
  }
  await perf.shutdown();
  const off = median(times['off: text 0.0.4']);
  printTable('one /metrics scrape, 200 task series (median of 30, interleaved)', [
    ['native histograms', 'ms', 'bytes', 'ratio'],
    ...Object.keys(accepts).map((k) => [
      k,
      fmt(median(times[k]), 2),
      sizes[k],
      fmt(median(times[k]) / off, 2),
    ]),
  ]);
}
