// Async and I/O-bound work in the pool (issue 10), against the build:
//   npx tsc -p tsconfig.json && node bench/parallel-async.js [--quick]
// (a) 2,000 × sleep(20 ms): asyncMap, concurrency 100 vs a plain concurrency-limited Promise.all loop
// (b) the same through mode 'thread' + concurrency 'auto' vs (a)'s loop and vs one item per worker (today)
// (c) 2,000 × (20 ms wait + 2 ms CPU): thread + 'auto' vs asyncMap on the main thread vs piscina with
//     concurrentTasksPerWorker set by hand; against the bound max(CPU ÷ cores, wait ÷ in-flight limit)
// (d) 200 × 10 ms CPU: 'auto' vs concurrency 1 (today's one item at a time per worker)
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { defineTask, ParallelProcessor } from '../dist/src/parallel/index.js';
import { median } from './lib.js';
import { burn } from './tasks/parallel-tasks.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 5;
const CORES = availableParallelism();
const TASKS = new URL('./tasks/async-tasks.js', import.meta.url);
const waitTask = defineTask(TASKS, 'wait');
const mixedTask = defineTask(TASKS, 'waitThenBurn');
const cpuTask = defineTask(TASKS, 'cpu');
const ITEMS = 2000;
const WAIT_MILLIS = 20;
const LIMIT = 100;
const PISCINA_PER_WORKER = 16;

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const ratio = (x, y) => (x / y).toFixed(2);

/** Iterations of burn() that take about `micros` µs here (median of several probes). */
function calibrate(micros) {
  let n = 1000;
  for (let i = 0; i < 200; i++) burn(n);
  for (;;) {
    const samples = [];
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      for (let i = 0; i < 20; i++) burn(n);
      samples.push(((performance.now() - t) * 1000) / 20);
    }
    const perCall = median(samples);
    if (perCall > micros * 0.8) return Math.round((n * micros) / perCall);
    n *= 2;
  }
}

/** The obvious alternative: `limit` loops pulling from a shared index, under one Promise.all. */
async function limitedAll(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const loop = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, loop));
  return out;
}

async function rounds(label, variants, count = ROUNDS) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < count; r++) {
    // alternate the order so drift on a shared machine hits every side
    const names = r % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of names) {
      const t = performance.now();
      await variants[name]();
      times[name].push(performance.now() - t);
    }
  }
  const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`\n${label}  (median of ${count})`);
  for (const [k, v] of Object.entries(medians)) console.log(`  ${k.padEnd(52)} ${fmt(v).padStart(9)}`);
  return medians;
}

const n2ms = calibrate(2000);
const n10ms = calibrate(10_000);
console.log(`node ${process.version}, ${CORES} cores/workers, burn(${n2ms}) ≈ 2 ms, burn(${n10ms}) ≈ 10 ms`);

const waits = Array.from({ length: ITEMS }, () => WAIT_MILLIS);
const mixed = Array.from({ length: ITEMS }, () => ({ waitMillis: WAIT_MILLIS, burn: n2ms }));
const heavy = Array.from({ length: 200 }, () => n10ms);
const cpuParts = Array.from({ length: ITEMS }, () => n2ms);
const sleepFn = (ms) => sleep(ms).then(() => ms);

const processor = new ParallelProcessor({ name: 'bench-async', maxWorkers: CORES, minWorkers: CORES });
const piscina = new Piscina({
  filename: TASKS.href,
  minThreads: CORES,
  maxThreads: CORES,
  concurrentTasksPerWorker: PISCINA_PER_WORKER,
});
// warm the workers and the task modules
await processor.map(waitTask, waits.slice(0, 200));
await processor.map(cpuTask, heavy.slice(0, 4), { concurrency: 1 });
await processor.asyncMap(mixedTask, mixed.slice(0, 10));
await Promise.all(mixed.slice(0, 50).map((item) => piscina.run(item, { name: 'waitThenBurn' })));

const a = await rounds(`(a) ${ITEMS} × sleep(${WAIT_MILLIS} ms), ${LIMIT} at once`, {
  [`asyncMap, concurrency ${LIMIT}`]: () => processor.asyncMap(sleepFn, waits, { concurrency: LIMIT }),
  [`concurrency-limited Promise.all loop (${LIMIT})`]: () => limitedAll(waits, LIMIT, sleepFn),
});
const b = await rounds(`(b) the same in mode 'thread', concurrency 'auto'`, {
  "map, mode 'thread', concurrency 'auto'": () => processor.map(waitTask, waits, { mode: 'thread' }),
});
const today = await rounds(
  '(b) one item at a time per worker (before this change)',
  { "map, mode 'thread', concurrency 1": () => processor.map(waitTask, waits, { concurrency: 1 }) },
  1,
);
const c = await rounds(`(c) ${ITEMS} × (${WAIT_MILLIS} ms wait + 2 ms CPU)`, {
  "map, mode 'thread', concurrency 'auto'": () => processor.map(mixedTask, mixed),
  [`asyncMap on the main thread, concurrency ${LIMIT}`]: () =>
    processor.asyncMap(mixedTask, mixed, { concurrency: LIMIT }),
  [`piscina, concurrentTasksPerWorker ${PISCINA_PER_WORKER}`]: () =>
    Promise.all(mixed.map((item) => piscina.run(item, { name: 'waitThenBurn' }))),
  // reference, not a contender: the same CPU with no waits, i.e. what the cores give us right now
  'reference: the 2 ms CPU parts alone through the pool': () => processor.map(cpuTask, cpuParts),
});
const d = await rounds('(d) 200 × 10 ms CPU-bound', {
  "map, concurrency 'auto'": () => processor.map(cpuTask, heavy),
  'map, concurrency 1 (before this change)': () => processor.map(cpuTask, heavy, { concurrency: 1 }),
});
const concurrencyAfterCpu = processor.stats().concurrency.thread;

// the bound for (c): CPU spread over the cores, or the waits spread over the in-flight limit
const cpuMillis = ITEMS * 2;
const inFlightLimit = CORES * processor.options.maxConcurrency;
const bound = Math.max(cpuMillis / CORES, (ITEMS * WAIT_MILLIS) / inFlightLimit);
const loop = a[`concurrency-limited Promise.all loop (${LIMIT})`];
const cOurs = c["map, mode 'thread', concurrency 'auto'"];
const cpuFloor = c['reference: the 2 ms CPU parts alone through the pool'];
console.log('\nsummary (ratio, target)');
console.log(
  `  (a) asyncMap / limited Promise.all:            ${ratio(a[`asyncMap, concurrency ${LIMIT}`], loop)}×  (target ≤ 1.10)`,
);
console.log(
  `  (b) thread+'auto' / (a)'s Promise.all loop:     ${ratio(b["map, mode 'thread', concurrency 'auto'"], loop)}×  (target ≤ 1.5)`,
);
console.log(
  `  (b) one-per-worker / thread+'auto':            ${ratio(today["map, mode 'thread', concurrency 1"], b["map, mode 'thread', concurrency 'auto'"])}×  (target ≥ 20)`,
);
console.log(
  `  (c) ours / bound ${fmt(bound)}:                       ${ratio(cOurs, bound)}×  (target ≤ 1.3); asyncMap / ours ${ratio(c[`asyncMap on the main thread, concurrency ${LIMIT}`], cOurs)}×, piscina / ours ${ratio(c[`piscina, concurrentTasksPerWorker ${PISCINA_PER_WORKER}`], cOurs)}× (target: both ≥ 1)`,
);
console.log(
  `  (c) ours / the CPU parts alone (measured floor): ${ratio(cOurs, cpuFloor)}×  (the bound above assumes ${CORES} idle cores)`,
);
console.log(
  `  (d) 'auto' / concurrency 1, CPU-bound:          ${ratio(d["map, concurrency 'auto'"], d['map, concurrency 1 (before this change)'])}×  (target ≤ 1.05; items at once per worker after it: ${concurrencyAfterCpu})`,
);
await Promise.all([processor.close(), piscina.destroy()]);
