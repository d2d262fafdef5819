// Host metrics: the cost of collecting them, ours vs the obvious alternatives, in one run.
//
// 1. One collection round of three readers (Prometheus pull, in-process, OTLP), each
//    round with a fresh host reading:
//      ours  - startHostMetrics (host-metrics behind the per-interval cache + the /proc extras)
//      bare  - @opentelemetry/host-metrics 0.39 as shipped (every reader's collect reads again)
// 2. Where a fresh reading's time goes (Linux):
//      extras  - readLinuxHost: load, memory, swap, disks from four small /proc reads
//      network - systeminformation.networkStats() as host-metrics calls it (an execSync of
//                `ip route` to find the default interface, then a shell running cat), vs
//                parsing /proc/net/dev for every interface
//
// Each fresh-reading case pauses 510 ms (untimed) before a round so systeminformation's own
// 500 ms network cache has expired, as it has in production at a 10 s interval.
// Build first: npx tsc -p tsconfig.json. Bounded: about one minute.

import { readFileSync } from 'node:fs';
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
const WARMUP = 5;
const PAUSED_ROUNDS = 30;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Median ms of `round`; `pauseMs` (untimed) before each round lets systeminformation's 500 ms cache expire. */
async function timeRounds(round, pauseMs = 0, rounds = ROUNDS) {
  for (let i = 0; i < WARMUP; i++) await round(i);
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    if (pauseMs > 0) await pause(pauseMs);
    const t0 = performance.now();
    await round(i);
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

function threeReaders() {
  const readers = [new PullReader(), new PullReader(), new PullReader()];
  return { readers, meterProvider: new MeterProvider({ readers }) };
}

const collectAll = async (readers) => {
  for (const r of readers) await r.collect();
};

// 1a. ours: the clock advances one interval per round, so every round takes one fresh reading.
const ours = threeReaders();
let clock = 0;
const handle = startHostMetricsWith(
  { meterProvider: ours.meterProvider, intervalMillis: 10_000, perCpu: false },
  { now: () => clock },
);
const oursMs = await timeRounds(
  async () => {
    clock += 10_000;
    await collectAll(ours.readers);
  },
  510,
  PAUSED_ROUNDS,
);
const oursReads = handle.libraryReads;
handle.shutdown();

// 1b. bare host-metrics: no cache, each collect reads.
const bare = threeReaders();
new HostMetrics({ meterProvider: bare.meterProvider }).start();
const bareMs = await timeRounds(() => collectAll(bare.readers), 510, PAUSED_ROUNDS);

// 2. parts of one fresh reading.
const rows = [
  ['3-reader collect round, fresh reading', 'ours (cached)', oursMs, 'host-metrics bare', bareMs],
];
if (process.platform === 'linux') {
  const filter = createWholeDiskFilter();
  const extrasMs = await timeRounds(() => readLinuxHost(readTextSync, filter));
  rows.push([
    'extras reading (load/mem/swap/disk)',
    'ours (/proc)',
    extrasMs,
    '(no alternative)',
    Number.NaN,
  ]);
  // systeminformation throttles a network read to one per 500 ms per interface: wait it out.
  const netProcMs = await timeRounds(() => parseNetDev(readFileSync('/proc/net/dev', 'utf8')));
  const netSiMs = await timeRounds(() => networkStats(), 510, PAUSED_ROUNDS);
  rows.push(['network counters, one reading', '/proc/net/dev', netProcMs, 'si.networkStats', netSiMs]);
}
console.log(
  `host metrics bench (node ${process.version}, ${process.platform}; medians of ${PAUSED_ROUNDS} paused / ${ROUNDS} back-to-back rounds)`,
);
for (const [what, a, am, b, bm] of rows) {
  console.log(
    `${what.padEnd(38)} ${a.padEnd(14)} ${am.toFixed(3).padStart(8)} ms | ${b.padEnd(18)} ${Number.isNaN(bm) ? '       -' : bm.toFixed(3).padStart(8)} ms | ratio ${Number.isNaN(bm) ? '-' : `${(bm / am).toFixed(1)}x`}`,
  );
}
console.log(
  `library readings taken by ours: ${oursReads} for ${PAUSED_ROUNDS + WARMUP} rounds of 3 collects`,
);
await Promise.all([ours.meterProvider.shutdown(), bare.meterProvider.shutdown()]);
