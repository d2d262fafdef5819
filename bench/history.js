// The history store: memory per series per day, the cost of one sample and of one 24 h query.
// Ours (typed-array rings at 3 resolutions, allocated up front) vs the obvious alternative (what the
// monitor did before: an array of plain sample objects, one per interval, filtered and bucketed on
// query). Both hold 56 series sampled every 10 s (the production preset), the number the SDK records
// with 8 tasks, 4 memory kinds and the pool.
// Run: npx tsc -p tsconfig.json && node --expose-gc bench/history.js
import { performance } from 'node:perf_hooks';
import { HistoryStore } from '../dist/src/sdk/history/store.js';
import { fmt, median, nsPerOpSync, printTable } from './lib.js';

const SERIES = 56;
const INTERVAL = 10_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
const names = Array.from({ length: SERIES }, (_, i) => `series_${i}`);
const sample = (i) => Object.fromEntries(names.map((n, k) => [n, (i * 7 + k) % 100]));

const gc = () => globalThis.gc?.();
const heap = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// ---- memory: 1 day and 30 days at 10 s -----------------------------------------------------------
function oursMemory(days) {
  const before = heap();
  const store = new HistoryStore({ samplingMillis: INTERVAL, retentionDays: 30, maxSeries: 64 });
  const values = sample(0);
  for (let t = 0; t < (days * DAY) / INTERVAL; t++) store.record(T0 + t * INTERVAL, values);
  return { bytes: heap() - before, store };
}

function arrayMemory(days) {
  const before = heap();
  const history = [];
  for (let t = 0; t < (days * DAY) / INTERVAL; t++)
    history.push({ timestamp: T0 + t * INTERVAL, ...sample(t) });
  return { bytes: heap() - before, history };
}

const ours1 = oursMemory(1);
const ours30 = oursMemory(30);
const array1 = arrayMemory(1);
const bound = HistoryStore.memoryBoundBytes({ samplingMillis: INTERVAL, retentionDays: 30, maxSeries: 64 });
const perSeriesDayOurs = (12 * 288) / 1; // the 5-minute tier's share of a day, per series
const perSeriesDayArray = array1.bytes / SERIES;

// ---- one sample ---------------------------------------------------------------------------------
const store = ours30.store;
let t = (30 * DAY) / INTERVAL;
const values = sample(1);
const oursSampleNs = nsPerOpSync(() => store.record(T0 + t++ * INTERVAL, values), { iterations: 20_000 });
const history = array1.history;
let u = history.length;
const arraySampleNs = nsPerOpSync(
  () => {
    history.push({ timestamp: T0 + u++ * INTERVAL, ...values });
    if (history.length > 8640) history.shift();
  },
  { iterations: 20_000 },
);

// ---- one 24 h query (all series, 300 steps, as the dashboard asks) -------------------------------
const end = T0 + 30 * DAY;
const step = DAY / 300;
const timeIt = (fn, rounds = 15) => {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
};
const oursQueryMs = timeIt(() => store.query({ from: end - DAY, to: end, step }));
const arrayQueryMs = timeIt(() => {
  const n = Math.ceil(DAY / step);
  const out = Object.fromEntries(
    names.map((name) => [name, { sum: new Float64Array(n), count: new Uint32Array(n) }]),
  );
  const from = end - DAY;
  for (const s of history) {
    const b = Math.floor((s.timestamp - from) / step);
    if (b < 0 || b >= n) continue;
    for (const name of names) {
      out[name].sum[b] += s[name];
      out[name].count[b]++;
    }
  }
  return out;
});

printTable(`History of ${SERIES} series sampled every 10 s`, [
  ['', 'ours (typed-array rings)', 'array of sample objects', 'ratio'],
  [
    'heap after 1 day',
    `${fmt(ours1.bytes / 2 ** 20)} MiB`,
    `${fmt(array1.bytes / 2 ** 20)} MiB`,
    fmt(ours1.bytes / array1.bytes),
  ],
  [
    'heap after 30 days',
    `${fmt(ours30.bytes / 2 ** 20)} MiB (bound ${fmt(bound / 2 ** 20)} MiB)`,
    `~${fmt((30 * array1.bytes) / 2 ** 20)} MiB (linear)`,
    fmt(ours30.bytes / (30 * array1.bytes)),
  ],
  [
    'per series per day kept',
    `${fmt(perSeriesDayOurs / 1024)} KiB (5-min min/avg/max)`,
    `${fmt(perSeriesDayArray / 1024)} KiB (every sample)`,
    fmt(perSeriesDayOurs / perSeriesDayArray),
  ],
  [
    'one sample (record)',
    `${fmt(oursSampleNs / 1000)} µs`,
    `${fmt(arraySampleNs / 1000)} µs`,
    fmt(oursSampleNs / arraySampleNs),
  ],
  [
    'one 24 h query, 300 steps',
    `${fmt(oursQueryMs)} ms`,
    `${fmt(arrayQueryMs)} ms`,
    fmt(oursQueryMs / arrayQueryMs),
  ],
]);
console.log(
  `\nThe bound holds whatever is recorded: ${fmt(bound / 2 ** 20)} MiB for 64 series, 30 days, 10 s; the array grows by ` +
    `${fmt(array1.bytes / 2 ** 20)} MiB a day (the old monitor capped it at 10,000 samples, 28 h, silently).`,
);
