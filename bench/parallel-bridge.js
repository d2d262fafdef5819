// Cost of bridging metrics recorded inside pool workers (issue 16), against the build:
//   npx tsc -p tsconfig.json && node bench/parallel-bridge.js [--quick]
// The task records one counter add and one histogram record per item (bench/tasks/bridge-tasks.js).
// (a) 20,000 × 50 µs items, chunkSize 1 (per-task overhead): bridgeWorkerMetrics on vs off, thread and process
// (b) 200,000 trivial items, chunkSize 'auto' (the worst case: nothing but recording): on vs off
// (c) the bridge's cost per item (on − off, wall and main-thread busy) vs recording the same two
//     instruments on the main thread with sdk-metrics
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { defineTask, ParallelProcessor } from '../dist/src/parallel/index.js';
import { median, nsPerOpSync } from './lib.js';

const QUICK = process.argv.includes('--quick');
// Nine rounds: on the 2-core machine the same build's on/off ratio moved 0.99–1.22× between runs of five.
const ROUNDS = QUICK ? 3 : 9;
const WORKERS = Math.min(2, availableParallelism());
const TASKS = new URL('./tasks/bridge-tasks.js', import.meta.url);
const recordOne = defineTask(TASKS, 'recordOne');

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const mainBusy = new Map();
const processCpu = new Map();
const push = (map, label, value) => (map.get(label) ?? map.set(label, []).get(label)).push(value);
/** CPU time (ms) the child processes `pids` have used so far (Linux `/proc/<pid>/schedstat`; 0 elsewhere). */
function childrenCpuMillis(pids) {
  let ns = 0;
  for (const pid of pids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // not Linux, or the child exited: counted as 0
    }
  }
  return ns / 1e6;
}

async function time(label, { run, children }) {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const pids = children();
  const childCpu = childrenCpuMillis(pids);
  const t = performance.now();
  await run();
  const wall = performance.now() - t;
  const used = performance.eventLoopUtilization(elu);
  const { user, system } = process.cpuUsage(cpu);
  push(mainBusy, label, used.active);
  // every thread of this process (thread mode: the workers too) and, in process mode, the child processes
  push(processCpu, label, (user + system) / 1000 + childrenCpuMillis(pids) - childCpu);
  return wall;
}

async function rounds(title, variants) {
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // alternate the order so drift on a shared machine hits both sides
    const names = r % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of names) times[name].push(await time(`${title}/${name}`, variants[name]));
  }
  console.log(`\n${title}  (median of ${ROUNDS}, load average ${loadavg()[0].toFixed(2)})`);
  const medians = {};
  // Each round runs both variants back to back (alternating which goes first): its own ratio shows how
  // far this machine moves between rounds, which the medians alone hide.
  const [first, second] = Object.keys(variants);
  if (second !== undefined) {
    const perRound = times[first].map((t, i) => t / times[second][i]).sort((x, y) => x - y);
    medians.spread = `${perRound[0].toFixed(3)}–${perRound[perRound.length - 1].toFixed(3)}×`;
  }
  for (const [name, samples] of Object.entries(times)) {
    const label = `${title}/${name}`;
    medians[name] = {
      wall: median(samples),
      busy: median(mainBusy.get(label)),
      cpu: median(processCpu.get(label)),
    };
    console.log(
      `  ${name.padEnd(36)} ${fmt(medians[name].wall).padStart(10)}   main thread busy ${fmt(medians[name].busy).padStart(9)}   CPU of all threads and child processes ${fmt(medians[name].cpu).padStart(9)}`,
    );
  }
  return medians;
}

function processor(mode, bridgeWorkerMetrics) {
  const reader = new Reader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const pool = new ParallelProcessor({
    name: `bridge-${mode}-${bridgeWorkerMetrics ? 'on' : 'off'}`,
    mode,
    maxWorkers: WORKERS,
    minWorkers: WORKERS,
    meterProvider,
    bridgeWorkerMetrics,
  });
  return { pool, reader };
}

/** The bench counter's total in a reader: proves the measurements arrived (bridge on) or not (off). */
async function itemsCounted(reader) {
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === 'bench.items') return metric.dataPoints.reduce((t, p) => t + p.value, 0);
    }
  }
  return 0;
}

const small = Array.from({ length: QUICK ? 5_000 : 20_000 }, () => 50);
const tiny = Array.from({ length: 200_000 }, () => 0);
console.log(
  `node ${process.version}, ${WORKERS} workers, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const pools = {
  threadOn: processor('thread', true),
  threadOff: processor('thread', false),
  processOn: processor('process', true),
  processOff: processor('process', false),
};
for (const { pool } of Object.values(pools)) await pool.map(recordOne, small.slice(0, 400), { chunkSize: 1 });

const ratio = (on, off) => (on / off).toFixed(3);
/** A timed variant: what it runs, and the pool's child processes (whose CPU counts too). */
const variant = (pool, run) => ({ run, children: () => pool.workerIds('process') });
const results = {};
for (const mode of ['thread', 'process']) {
  const on = pools[`${mode}On`].pool;
  const off = pools[`${mode}Off`].pool;
  const a = await rounds(
    `(a) ${mode}: ${small.length} × 50 µs, chunkSize 1, one counter + one histogram per item`,
    {
      'bridge on': variant(on, () => on.map(recordOne, small, { chunkSize: 1 })),
      'bridge off': variant(off, () => off.map(recordOne, small, { chunkSize: 1 })),
    },
  );
  console.log(
    `  ratio on/off: ${ratio(a['bridge on'].wall, a['bridge off'].wall)}×  (target ≤ 1.10×); round by round ${a.spread}` +
      `; CPU of all threads and processes on/off ${ratio(a['bridge on'].cpu, a['bridge off'].cpu)}×`,
  );
  const b = await rounds(`(b) ${mode}: ${tiny.length} trivial items, chunkSize 'auto'`, {
    'bridge on': variant(on, () => on.map(recordOne, tiny)),
    'bridge off': variant(off, () => off.map(recordOne, tiny)),
  });
  console.log(
    `  ratio on/off: ${ratio(b['bridge on'].wall, b['bridge off'].wall)}×  (reported); round by round ${b.spread}`,
  );
  results[mode] = { a, b };
}

// (c) the same two recordings on the main thread, straight into sdk-metrics
const reader = new Reader();
const meter = new MeterProvider({ readers: [reader] }).getMeter('bench-main');
const counter = meter.createCounter('bench.items', { unit: '{item}' });
const histogram = meter.createHistogram('bench.latency', {
  unit: 's',
  advice: { explicitBucketBoundaries: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01] },
});
const attributes = Object.freeze({ 'bench.kind': 'scan' });
let v = 0;
const mainNs = nsPerOpSync(() => {
  counter.add(1, attributes);
  histogram.record((v++ % 100) / 1e5, attributes);
});
console.log(
  `\n(c) per item: main-thread counter.add + histogram.record (sdk-metrics 3.1): ${(mainNs / 1000).toFixed(2)} µs`,
);
for (const mode of ['thread', 'process']) {
  const { a, b } = results[mode];
  const perItem = (x, n) => ((x['bridge on'].wall - x['bridge off'].wall) * 1000) / n;
  const busyPerItem = (x, n) => ((x['bridge on'].busy - x['bridge off'].busy) * 1000) / n;
  console.log(
    `  ${mode}: bridge extra per item, wall ${perItem(a, small.length).toFixed(2)} µs (a) / ${perItem(b, tiny.length).toFixed(2)} µs (b); ` +
      `main-thread busy ${busyPerItem(a, small.length).toFixed(2)} µs (a) / ${busyPerItem(b, tiny.length).toFixed(2)} µs (b)`,
  );
}
for (const [name, { pool, reader: r }] of Object.entries(pools)) {
  console.log(`  bench.items counted by ${name}: ${await itemsCounted(r)}`);
  await pool.close();
}
