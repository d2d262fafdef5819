// Host metrics: the cost of collecting them, ours vs the obvious alternatives, in one run.
//
// 1. One full fresh host reading, one reader, and one collection round of three readers
//    (Prometheus pull, in-process, OTLP) with a fresh reading:
//      ours  - startHostMetrics: host-metrics (CPU time, memory, process; its network group off
//              on Linux) behind the per-interval cache + the /proc extras, network included
//      bare  - @opentelemetry/host-metrics 0.39 as shipped (every reader's collect reads again,
//              network through systeminformation)
//    Reported as wall time (median), CPU time per round (mean, this process plus the child
//    processes systeminformation spawns, from /proc/self/stat utime+stime+cutime+cstime) and
//    the longest event-loop block in a round (median over rounds, monitorEventLoopDelay).
// 2. Where a fresh reading's time goes (Linux):
//      extras  - readLinuxHost: load, memory, swap, disks, network from four small /proc reads
//      network - systeminformation.networkStats() as host-metrics calls it (an execSync of
//                `ip route` to find the default interface, then a shell running cat), vs
//                parsing /proc/net/dev for every interface
// Fresh-reading cases pause 510 ms (untimed) before each round so systeminformation's own
// 500 ms network cache has expired, as it has in production at a 10 s interval.
// Build first: npx tsc -p tsconfig.json. Bounded: about one minute.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HostMetrics } from '@opentelemetry/host-metrics';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { networkStats } from 'systeminformation';
import { startHostMetricsWith } from '../dist/src/instrumentation/host.js';
import {
  createWholeDiskFilter,
  parseNetDev,
  readLinuxHost,
  readTextSync,
} from '../dist/src/instrumentation/host-proc.js';

class PullReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

const ROUNDS = 40;
const PAUSED_ROUNDS = 30;
const WARMUP = 5;
const linux = process.platform === 'linux';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU ms used so far by this process and its reaped children (10 ms ticks on Linux). */
function cpuMs() {
  if (!linux) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14-17 of /proc/pid/stat (utime stime cutime cstime) are indexes 11-14 after the comm.
  return [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0) * 10;
}

/**
 * Median wall ms, mean CPU ms and median longest event-loop block (ms) per round; `pauseMs`
 * is waited before each round, untimed. `trackBlock` samples the event loop every 1 ms
 * during the round (its timer adds a little CPU, so it is off for the sub-ms cases).
 */
async function measure(round, pauseMs = 0, rounds = ROUNDS, trackBlock = false) {
  for (let i = 0; i < WARMUP; i++) await round();
  const samples = [];
  const blocks = [];
  let cpu = 0;
  // Enabled ahead of the rounds: the histogram records the gap between two ticks of its timer,
  // so a block before its first tick would go unseen.
  const h = trackBlock ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
  h?.enable();
  for (let i = 0; i < rounds; i++) {
    if (pauseMs > 0 || h) await pause(Math.max(pauseMs, 5));
    h?.reset();
    const c0 = cpuMs();
    const t0 = performance.now();
    await round();
    samples.push(performance.now() - t0);
    cpu += cpuMs() - c0;
    if (h) await pause(2); // let the timer tick once more, so a block at the round's end is recorded
    // max is in ns and includes the 1 ms sampling interval.
    if (h) blocks.push(h.count > 0 ? Math.max(0, h.max / 1e6 - 1) : 0);
  }
  h?.disable();
  return { wall: median(samples), cpu: cpu / rounds, block: trackBlock ? median(blocks) : Number.NaN };
}

function threeReaders() {
  const readers = [new PullReader(), new PullReader(), new PullReader()];
  return { readers, meterProvider: new MeterProvider({ readers }) };
}

const collectAll = async (readers) => {
  for (const r of readers) await r.collect();
};

// 1a. ours, one reader: the clock advances one interval per round, so every round reads afresh.
let clock = 0;
const ours1 = threeReaders();
const handle1 = startHostMetricsWith(
  { meterProvider: ours1.meterProvider, intervalMillis: 10_000, perCpu: false },
  { now: () => clock },
);
const oursOne = await measure(
  async () => {
    clock += 10_000;
    await ours1.readers[0].collect();
  },
  510,
  PAUSED_ROUNDS,
  true,
);
const networkFromProc = handle1.networkFromProc;
handle1.shutdown();

// 1b. ours, three readers.
const ours = threeReaders();
const handle = startHostMetricsWith(
  { meterProvider: ours.meterProvider, intervalMillis: 10_000, perCpu: false },
  { now: () => clock },
);
const oursRound = await measure(
  async () => {
    clock += 10_000;
    await collectAll(ours.readers);
  },
  510,
  PAUSED_ROUNDS,
  true,
);
const oursReads = handle.libraryReads;
handle.shutdown();

// 1c. bare host-metrics: no cache, each collect reads.
const bare = threeReaders();
new HostMetrics({ meterProvider: bare.meterProvider }).start();
const bareOne = await measure(() => bare.readers[0].collect(), 510, PAUSED_ROUNDS, true);
const bareRound = await measure(() => collectAll(bare.readers), 510, PAUSED_ROUNDS, true);

const rows = [
  ['1 reader, fresh reading, wall (median)', 'ours', oursOne.wall, 'host-metrics bare', bareOne.wall],
  ['1 reader, fresh reading, CPU incl. children', 'ours', oursOne.cpu, 'host-metrics bare', bareOne.cpu],
  ['1 reader, longest event-loop block', 'ours', oursOne.block, 'host-metrics bare', bareOne.block],
  ['3-reader round, wall (median)', 'ours (cached)', oursRound.wall, 'host-metrics bare', bareRound.wall],
  ['3-reader round, CPU incl. children', 'ours (cached)', oursRound.cpu, 'host-metrics bare', bareRound.cpu],
  [
    '3-reader round, longest event-loop block',
    'ours (cached)',
    oursRound.block,
    'host-metrics bare',
    bareRound.block,
  ],
];

// 2. parts of one fresh reading.
if (linux) {
  const filter = createWholeDiskFilter();
  const extras = await measure(() => readLinuxHost(readTextSync, filter));
  rows.push(['extras reading (load/mem/swap/disk/net)', 'ours (/proc)', extras.wall, '(none)', Number.NaN]);
  const netProc = await measure(() => parseNetDev(readFileSync('/proc/net/dev', 'utf8')));
  const netSi = await measure(() => networkStats(), 510, PAUSED_ROUNDS);
  rows.push([
    'network counters, one read, wall',
    '/proc/net/dev',
    netProc.wall,
    'si.networkStats',
    netSi.wall,
  ]);
  // /proc/net/dev is far below the 10 ms tick of /proc/self/stat: its CPU is its wall time.
  rows.push(['network counters, one read, CPU', '/proc/net/dev', netProc.wall, 'si.networkStats', netSi.cpu]);
}

console.log(
  `host metrics bench (node ${process.version}, ${process.platform}; medians of ${PAUSED_ROUNDS} paused / ${ROUNDS} back-to-back rounds)`,
);
const fmt = (ms) => (Number.isNaN(ms) ? '       -' : ms.toFixed(3).padStart(8));
for (const [what, a, am, b, bm] of rows) {
  const ratio = Number.isNaN(bm) ? '-' : am <= 0 ? 'ours 0' : `${(bm / am).toFixed(1)}x`;
  console.log(
    `${what.padEnd(44)} ${a.padEnd(14)} ${fmt(am)} ms | ${b.padEnd(18)} ${fmt(bm)} ms | ratio ${ratio}`,
  );
}
console.log(
  `library readings taken by ours: ${oursReads} for ${PAUSED_ROUNDS + WARMUP} rounds of 3 collects; network from ${networkFromProc ? '/proc/net/dev' : 'host-metrics'}`,
);
console.log('CPU is in 10 ms ticks (mean over rounds); event-loop block has ~1 ms resolution.');
await Promise.all([
  ours1.meterProvider.shutdown(),
  ours.meterProvider.shutdown(),
  bare.meterProvider.shutdown(),
]);
