// Benchmark: UnifiedMemoryManager allocate+release vs Buffer.allocUnsafe / Buffer.alloc,
// and metrics on (a real sdk-metrics MeterProvider) vs a no-op meter.
// Run against the build:  npx tsc -p tsconfig.json && node bench/memory.js
// Bounded: ~1-2 minutes on a 2-core box.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { bindLocalHistograms, LocalHistograms } from '../dist/src/core/local-histogram.js';
import { UnifiedMemoryManager } from '../dist/src/memory/index.js';
import { LocalHistogramProducer } from '../dist/src/sdk/local-producer.js';

class CollectingReader extends MetricReader {
  constructor(metricProducers) {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE, metricProducers });
  }
  async onForceFlush() {}
  async onShutdown() {}
}

// Many interleaved rounds: on a shared box the median shrugs off bursts of load. Each round is long
// enough to pay for the garbage it makes itself (Buffer.allocUnsafe leaves a pool slab or an
// ArrayBuffer per call; our allocations are reused): in short rounds one variant's garbage was
// collected in the next one's time. (A forced full GC before each round is no fairer: V8 then shrinks
// the young generation and every variant that allocates objects pays for regrowing it.)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 31);
const SIZES = [
  { name: '4 KiB', bytes: 4096, ops: 40_000 },
  { name: '64 KiB', bytes: 65536, ops: 5_000 },
  { name: '1 MiB', bytes: 1 << 20, ops: 300 },
];

// "metrics on" is wired as startPerformanceSdk wires its provider: the hot-path histograms are bound
// series of ours, exposed to the reader as a MetricProducer. "foreign SDK" is a plain sdk-metrics
// provider (say, NodeSDK's): the manager records through the API histogram there.
const local = new LocalHistograms();
const reader = new CollectingReader([new LocalHistogramProducer(local)]);
const provider = new MeterProvider({ readers: [reader] });
bindLocalHistograms(provider, local);
const on = new UnifiedMemoryManager({ name: 'bench-on', maxMemoryMb: 512, meterProvider: provider });
const foreignProvider = new MeterProvider({ readers: [new CollectingReader()] });
const foreign = new UnifiedMemoryManager({
  name: 'bench-foreign',
  maxMemoryMb: 512,
  meterProvider: foreignProvider,
});
const noop = new UnifiedMemoryManager({
  name: 'bench-noop',
  maxMemoryMb: 512,
  meterProvider: metrics.getMeterProvider(), // nothing registered: the API's no-op provider
});

let sink = 0;
const variants = {
  'ours, metrics on': (bytes) => {
    const a = on.allocate({ bytes, label: 'bench', kind: 'scratch' });
    a.buffer[0] = 1;
    sink += a.bytes;
    a.release();
  },
  'ours, foreign SDK': (bytes) => {
    const a = foreign.allocate({ bytes, label: 'bench', kind: 'scratch' });
    a.buffer[0] = 1;
    sink += a.bytes;
    a.release();
  },
  'ours, no-op meter': (bytes) => {
    const a = noop.allocate({ bytes, label: 'bench', kind: 'scratch' });
    a.buffer[0] = 1;
    sink += a.bytes;
    a.release();
  },
  'Buffer.allocUnsafe': (bytes) => {
    const b = Buffer.allocUnsafe(bytes);
    b[0] = 1;
    sink += b.length;
  },
  'Buffer.alloc': (bytes) => {
    const b = Buffer.alloc(bytes);
    b[0] = 1;
    sink += b.length;
  },
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Warm-up: let V8 optimise our path and the SDK's record path before timing anything.
for (let i = 0; i < 30_000; i++) {
  variants['ours, metrics on'](4096 + (i % 3) * 30_000);
  variants['ours, no-op meter'](4096 + (i % 3) * 30_000);
}

const results = [];
const entries = Object.entries(variants);
for (const size of SIZES) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const fn of Object.values(variants)) for (let i = 0; i < size.ops; i++) fn(size.bytes); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // interleave variants, rotating the order each round, so machine noise hits all alike
    for (let v = 0; v < entries.length; v++) {
      const [name, fn] = entries[(v + r) % entries.length];
      const t0 = performance.now();
      for (let i = 0; i < size.ops; i++) fn(size.bytes);
      samples[name].push(((performance.now() - t0) * 1000) / size.ops);
    }
  }
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  results.push({ size: size.name, med });
}

// What leakDetection 'full' costs per allocation (stack capture + FinalizationRegistry).
const full = new UnifiedMemoryManager({
  name: 'bench-full',
  maxMemoryMb: 512,
  leakDetection: 'full',
  meterProvider: provider,
});
const fullSamples = [];
const sampledSamples = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const [m, out] of [
    [full, fullSamples],
    [on, sampledSamples],
  ]) {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) m.allocate({ bytes: 4096, label: 'bench', kind: 'scratch' }).release();
    out.push(((performance.now() - t0) / 1000) * 1000);
  }
}
full.close();

// Why the histogram carries `kind` alone: the SDK hashes the attribute set on every record.
const probe = provider.getMeter('bench-probe').createHistogram('bench.probe', { unit: 'By' });
const one = Object.freeze({ kind: 'scratch' });
const two = Object.freeze({ pool: 'bench', kind: 'scratch' });
const recordSamples = { '{ kind }': [], '{ pool, kind }': [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, attrs] of [
    ['{ kind }', one],
    ['{ pool, kind }', two],
  ]) {
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) probe.record(4096, attrs);
    recordSamples[name].push(((performance.now() - t0) * 1000) / 5000);
  }
}

const rm = await reader.collect();
const hist = rm.resourceMetrics.scopeMetrics
  .flatMap((s) => s.metrics)
  .find((m) => m.descriptor.name === 'aiva.memory.allocation.size');
const recorded = hist?.dataPoints.reduce((n, p) => n + p.value.count, 0) ?? 0;

console.log(
  `UnifiedMemoryManager allocate+release, median µs/op over ${ROUNDS} rounds (node ${process.version}, load average ${loadavg()[0].toFixed(1)})`,
);
console.log(
  '| size | ours, metrics on | ours, foreign SDK (API path) | ours, no-op meter | Buffer.allocUnsafe | Buffer.alloc | ours/allocUnsafe | ours/alloc | metrics on/no-op |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const { size, med } of results) {
  const o = med['ours, metrics on'];
  const f = (x) => x.toFixed(3);
  console.log(
    `| ${size} | ${f(o)} | ${f(med['ours, foreign SDK'])} | ${f(med['ours, no-op meter'])} | ${f(med['Buffer.allocUnsafe'])} | ${f(med['Buffer.alloc'])} | ${(o / med['Buffer.allocUnsafe']).toFixed(2)}× | ${(o / med['Buffer.alloc']).toFixed(2)}× | ${(o / med['ours, no-op meter']).toFixed(2)}× |`,
  );
}
console.log(
  `leakDetection at 4 KiB, metrics on: 'sampled' (default) ${median(sampledSamples).toFixed(3)} µs, 'full' ${median(fullSamples).toFixed(3)} µs (median)`,
);
console.log(
  `one histogram.record on the SDK: { kind } ${median(recordSamples['{ kind }']).toFixed(3)} µs, { pool, kind } ${median(recordSamples['{ pool, kind }']).toFixed(3)} µs (median)`,
);
console.log(
  `(histogram aiva.memory.allocation.size recorded ${recorded} allocations with metrics on; sink ${sink > 0})`,
);
on.close();
noop.close();
foreign.close();
await provider.shutdown();
await foreignProvider.shutdown();
