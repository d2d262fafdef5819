// Side-by-side benchmark of ParallelProcessor (issue 4), against the build:
//   npx tsc -p tsconfig.json && node bench/parallel.js [--quick]
// (a) 20,000 × ~50 µs, chunkSize 1: processor.map (metrics on) vs the same calls on a bare tinypool
// (b) 20,000 × ~50 µs, chunkSize 'auto' vs a sequential in-process loop
// (c) 200,000 trivial items, 'auto' vs per-item tinypool.run
// (d) ~10 ms items vs a sequential loop (bare tinypool shown for reference)
// (e) mode 'process' vs 'thread' on (a) and (b)
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import Tinypool from 'tinypool';
import { defineTask, ParallelProcessor } from '../dist/src/parallel/index.js';
import { burn, trivial } from './tasks/parallel-tasks.js';

const QUICK = process.argv.includes('--quick');
// --skip-slow: leave out the single per-item tinypool run over 200k items in (c) (~17 s alone)
const SKIP_SLOW = process.argv.includes('--skip-slow');
const ROUNDS = QUICK ? 2 : 5;
const WORKERS = availableParallelism();
const TASKS = new URL('./tasks/parallel-tasks.js', import.meta.url);
const burnTask = defineTask(TASKS, 'burn');
const trivialTask = defineTask(TASKS, 'trivial');

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Main-thread busy milliseconds per variant (event-loop utilization × wall time): load-independent overhead. */
const mainBusy = new Map();
const time = async (fn, label) => {
  const elu = performance.eventLoopUtilization();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  if (label !== undefined) {
    const used = performance.eventLoopUtilization(elu);
    (mainBusy.get(label) ?? mainBusy.set(label, []).get(label)).push(used.active);
  }
  return wall;
};
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** Iterations of burn() that take about `micros` µs on this machine (median of several probes). */
function calibrate(micros) {
  let n = 1000;
  for (let i = 0; i < 200; i++) burn(n); // warm the JIT
  for (;;) {
    const samples = [];
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      for (let i = 0; i < 100; i++) burn(n);
      samples.push(((performance.now() - t) * 1000) / 100);
    }
    const perCall = median(samples);
    if (perCall > micros * 0.8) return Math.round((n * micros) / perCall);
    n *= 2;
  }
}

function sequential(items, fn) {
  const out = new Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = fn(items[i]);
  return out;
}

async function rounds(label, variants) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // alternate the order so drift on a shared machine hits both sides
    const names = r % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of names) times[name].push(await time(variants[name], name));
  }
  const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`\n${label}  (median of ${ROUNDS})`);
  for (const [k, v] of Object.entries(medians)) {
    const busy = median(mainBusy.get(k) ?? [Number.NaN]);
    console.log(`  ${k.padEnd(44)} ${fmt(v).padStart(10)}   main thread busy ${fmt(busy).padStart(9)}`);
  }
  return medians;
}

const readers = [];
function processor(mode) {
  const reader = new Reader();
  readers.push(reader);
  const meterProvider = new MeterProvider({ readers: [reader] });
  return new ParallelProcessor({
    name: `bench-${mode}`,
    mode,
    maxWorkers: WORKERS,
    minWorkers: WORKERS,
    meterProvider,
  });
}
function bare(runtime, name) {
  return new Tinypool({
    filename: TASKS.href,
    name,
    runtime,
    minThreads: WORKERS,
    maxThreads: WORKERS,
    ...(runtime === 'child_process' ? { serialization: 'advanced' } : {}),
  });
}

const n50 = calibrate(50);
const n10ms = calibrate(10_000);
console.log(`node ${process.version}, ${WORKERS} workers, burn(${n50}) ≈ 50 µs, burn(${n10ms}) ≈ 10 ms`);

const small = Array.from({ length: 20_000 }, () => n50);
const tiny = Array.from({ length: 200_000 }, (_, i) => i);
const heavy = Array.from({ length: QUICK ? 100 : 200 }, () => n10ms);

const thread = processor('thread');
const proc = processor('process');
const poolThread = bare('worker_threads', 'burn');
const poolProcess = bare('child_process', 'burn');
const poolTrivial = bare('worker_threads', 'trivial');
// warm every pool and the task modules
await Promise.all([
  thread.map(burnTask, small.slice(0, 200), { chunkSize: 1 }),
  thread.map(trivialTask, tiny.slice(0, 20_000)),
  proc.map(burnTask, small.slice(0, 200), { chunkSize: 1 }),
  Promise.all(small.slice(0, 200).map((n) => poolThread.run(n))),
  Promise.all(small.slice(0, 200).map((n) => poolProcess.run(n))),
  Promise.all(tiny.slice(0, 200).map((x) => poolTrivial.run(x))),
]);
sequential(small.slice(0, 2000), burn);

const a = await rounds('(a) 20,000 × 50 µs, chunkSize 1', {
  'processor.map (thread, metrics on)': () => thread.map(burnTask, small, { chunkSize: 1 }),
  'bare tinypool.run per item (worker_threads)': () => Promise.all(small.map((n) => poolThread.run(n))),
});
const b = await rounds("(b) 20,000 × 50 µs, chunkSize 'auto'", {
  "processor.map (thread, 'auto')": () => thread.map(burnTask, small),
  'sequential loop in-process': () => sequential(small, burn),
});
const e = await rounds("(e) mode 'process' on (a) and (b)", {
  'processor.map (process, chunkSize 1)': () => proc.map(burnTask, small, { chunkSize: 1 }),
  'bare tinypool.run per item (child_process)': () => Promise.all(small.map((n) => poolProcess.run(n))),
  "processor.map (process, 'auto')": () => proc.map(burnTask, small),
});
const d = await rounds(`(d) ${heavy.length} × 10 ms CPU-bound`, {
  "processor.map (thread, 'auto')": () => thread.map(burnTask, heavy),
  'sequential loop in-process': () => sequential(heavy, burn),
  'bare tinypool.run per item': () => Promise.all(heavy.map((n) => poolThread.run(n))),
});
// (c): per-item tinypool over 200k items takes many seconds: one round of it, several of ours
const cOurs = [];
for (let r = 0; r < ROUNDS; r++) cOurs.push(await time(() => thread.map(trivialTask, tiny)));
const cLoop = [];
for (let r = 0; r < ROUNDS; r++) cLoop.push(await time(() => sequential(tiny, trivial)));
const cBare = SKIP_SLOW ? Number.NaN : await time(() => Promise.all(tiny.map((x) => poolTrivial.run(x))));
console.log(`\n(c) 200,000 trivial items (ours: median of ${ROUNDS}; bare tinypool: one run)`);
console.log(`  ${"processor.map (thread, 'auto')".padEnd(44)} ${fmt(median(cOurs)).padStart(10)}`);
console.log(`  ${'bare tinypool.run per item'.padEnd(44)} ${fmt(cBare).padStart(10)}`);
console.log(`  ${'sequential loop in-process'.padEnd(44)} ${fmt(median(cLoop)).padStart(10)}`);

// the metrics were really recorded
const { resourceMetrics } = await readers[0].collect();
const tasksMetric = resourceMetrics.scopeMetrics
  .flatMap((s) => s.metrics)
  .find((m) => m.descriptor.name === 'aiva.pool.tasks');
const counted = tasksMetric.dataPoints.reduce((t, p) => t + p.value, 0);

const ratio = (x, y) => (x / y).toFixed(2);
console.log('\nsummary (ratio, target)');
console.log(
  `  (a) ours / bare tinypool, chunkSize 1:        ${ratio(a['processor.map (thread, metrics on)'], a['bare tinypool.run per item (worker_threads)'])}×  (target ≤ 1.10)`,
);
console.log(
  `  (b) speed-up of 'auto' over the loop:          ${ratio(b['sequential loop in-process'], b["processor.map (thread, 'auto')"])}×  (target ≥ 1.6)`,
);
console.log(
  `  (c) per-item tinypool / ours:                  ${ratio(cBare, median(cOurs))}×  (target ≥ 50)`,
);
console.log(
  `  (d) speed-up over the loop:                    ${ratio(d['sequential loop in-process'], d["processor.map (thread, 'auto')"])}×  (target ≥ 1.85; bare tinypool ${ratio(d['sequential loop in-process'], d['bare tinypool.run per item'])}×)`,
);
console.log(
  `  (e) process / thread, chunkSize 1:             ${ratio(e['processor.map (process, chunkSize 1)'], a['processor.map (thread, metrics on)'])}×  (ours / bare in process mode ${ratio(e['processor.map (process, chunkSize 1)'], e['bare tinypool.run per item (child_process)'])}×)`,
);
console.log(
  `  (e) process / thread, 'auto':                  ${ratio(e["processor.map (process, 'auto')"], b["processor.map (thread, 'auto')"])}×`,
);
console.log(`  items counted by aiva.pool.tasks (thread pool): ${counted}`);

await Promise.all([
  thread.close(),
  proc.close(),
  poolThread.destroy(),
  poolProcess.destroy(),
  poolTrivial.destroy(),
]);
