// `npm run soak [-- --minutes 60 --sample-seconds 10]`: the reliability soak of issue 13.
// Runs the demo (dist/) with bench/fixtures/soak-load.js preloaded — cardinality abuse, alert flapping,
// pool faults, memory-manager churn — while this driver scrapes /metrics every second and fires a
// 50-way concurrent burst every 30 s (a scrape counts as failed after 30 s). Every `--sample-seconds` it samples the demo's RSS, JS heap,
// active handles and exported series; at the end it prints start / middle / end, the slope of each
// over the last half, scrape latency p50/p99, and a verdict (exit code 0 = PASS). Bounded: it stops
// by itself after `--minutes`, and kills the demo if it does not stop within 15 s. 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mallocInfoEnvironment, readMallocInfo } from './fixtures/malloc-info.js';
import { lastHalfSlopeInterval, lastHalfSlopePer10Min, meansPer5Min } from './lib.js';

const { values: args } = parseArgs({
  options: {
    // 60: the verdict judges the last 30 minutes. RSS wanders over tens of minutes (V8's pages, the
    // threads' arenas) in a band ~4 MB wide: from minute 20 on, 15-minute slopes of seven 60-minute runs
    // moved with a standard deviation of 1.2 MB/10 min (175 windows), so the last half of a 30-minute
    // run fails a steady demo about half the time; 30-minute ones 0.7 (sessions 13 and 14).
    minutes: { type: 'string', default: '60' },
    // 10 s: 5 s (session 12, four runs) narrowed the after-GC slope's 90% interval (widths 1.2–1.9
    // against 1.7–2.4 MB/10 min) but not the RSS one (1.7–2.5 against 1.0–1.9), for twice the demo's
    // memory-reducing GCs
    'sample-seconds': { type: 'string', default: '10' },
    'burst-every-seconds': { type: 'string', default: '30' },
    burst: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    // leave load parts out (abuse, flap, pool, thread-deaths, memory; --burst-every-seconds past --minutes: no bursts)
    without: { type: 'string', default: '' },
    // glibc's malloc_info() in the demo, next to RSS (Linux, needs cc): bench/fixtures/malloc-info.js
    'malloc-info': { type: 'boolean', default: false },
    // a deliberate leak in the demo (filled buffers kept for good, added every second): the verdict must catch it
    'leak-mb-per-10min': { type: 'string', default: '0' },
  },
});
const minutes = Number(args.minutes);
const sampleMillis = Number(args['sample-seconds']) * 1000;
const burstEveryMillis = Number(args['burst-every-seconds']) * 1000;
const burstSize = Number(args.burst);
const leakMbPer10Min = Number(args['leak-mb-per-10min']);
if (
  !(minutes > 0) ||
  !(sampleMillis > 0) ||
  !(burstEveryMillis > 0) ||
  !(burstSize > 0) ||
  !(leakMbPer10Min >= 0 && Number.isFinite(leakMbPer10Min))
) {
  console.error(
    'usage: node bench/soak.js [--minutes 60] [--sample-seconds 10] [--burst-every-seconds 30] [--burst 50] [--without abuse,flap,pool,thread-deaths,memory] [--malloc-info] [--leak-mb-per-10min 0]',
  );
  process.exit(2);
}
const durationMillis = minutes * 60_000;
const root = fileURLToPath(new URL('..', import.meta.url));

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const mallocInfo = args['malloc-info'] ? mallocInfoEnvironment(root, sampleMillis / 1000) : undefined;
const spawnedAt = performance.now();
const child = spawn(
  process.execPath,
  // --expose-gc: each sample is taken after a full GC, so heap and RSS show what is retained, not where
  // the collector happened to be.
  ['--expose-gc', '--import', './bench/fixtures/soak-load.js', 'dist/src/demo/main.js'],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // the demo stops itself a minute after the soak should have ended, whatever happens here
    env: {
      ...process.env,
      AIVA_SOAK_LOAD: '1',
      AIVA_SOAK_WITHOUT: args.without,
      AIVA_SOAK_LEAK_MB_PER_10MIN: String(leakMbPer10Min),
      PORT: String(port),
      AIVA_DEMO_DURATION_MS: String(durationMillis + 60_000),
      ...mallocInfo?.env,
    },
  },
);
const stderrTail = [];
child.stdout.resume();
child.stderr.setEncoding('utf8').on('data', (chunk) => {
  stderrTail.push(chunk);
  if (stderrTail.length > 50) stderrTail.shift();
});
let exited = false;
child.once('exit', () => {
  exited = true;
});

function sampleChild() {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, 5000);
    const onMessage = (message) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send('sample');
  });
}

async function scrape(latencies) {
  const started = performance.now();
  try {
    const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(30_000) });
    const body = await response.text();
    latencies.push(performance.now() - started);
    if (response.status !== 200) {
      failureReasons.set(`HTTP ${response.status}`, (failureReasons.get(`HTTP ${response.status}`) ?? 0) + 1);
      return { ok: false };
    }
    let series = 0;
    for (const line of body.split('\n')) if (line !== '' && line[0] !== '#') series++;
    return { ok: true, series };
  } catch (error) {
    const reason = String(error?.cause?.code ?? error?.name ?? error);
    failureReasons.set(reason, (failureReasons.get(reason) ?? 0) + 1);
    return { ok: false };
  }
}
const failureReasons = new Map();

// wait for the demo (bounded)
for (let attempt = 0; ; attempt++) {
  if (exited) throw new Error(`the demo exited early:\n${stderrTail.join('')}`);
  if (attempt > 150) throw new Error('the demo did not answer /healthz within 30 s');
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  await sleep(200);
}

const startedAt = performance.now();
const elapsed = () => performance.now() - startedAt;
const regular = [];
const burst = [];
let failedScrapes = 0;
let scrapes = 0;
let lastSeries = 0;
const samples = [];
const mappingText = (parts) =>
  parts
    ? `${Object.entries(parts)
        .map(([kind, mb]) => `${kind} ${mb.toFixed(1)}`)
        .join(' ')} MB`
    : '';
let nextSample = 0;
let nextBurst = burstEveryMillis;
// After the first sample, samples run half a period off the burst schedule: a sample taken right after
// a 50-way burst caught its 50 response bodies still in flight (external memory up 30-40 MB), which is
// noise in a slope that must stay under 1 MB per 10 minutes.
const sampleOffsetMillis = sampleMillis / 2;

while (elapsed() < durationMillis && !exited) {
  const tick = performance.now();
  const result = await scrape(regular);
  scrapes++;
  if (result.ok) lastSeries = result.series;
  else failedScrapes++;
  if (elapsed() >= nextBurst) {
    nextBurst += burstEveryMillis;
    const results = await Promise.all(Array.from({ length: burstSize }, () => scrape(burst)));
    scrapes += results.length;
    failedScrapes += results.filter((r) => !r.ok).length;
  }
  if (elapsed() >= nextSample) {
    nextSample = nextSample === 0 ? sampleOffsetMillis : nextSample + sampleMillis;
    const sample = await sampleChild();
    if (sample) {
      samples.push({ minute: elapsed() / 60_000, ...sample, series: lastSeries });
      if (!args.json) {
        const s = samples.at(-1);
        console.log(
          `  ${s.minute.toFixed(1).padStart(5)} min  rss ${s.rssMb.toFixed(1)} MB${s.rssMeanMb === undefined ? '' : ` (mean of 1 s reads ${s.rssMeanMb.toFixed(1)} MB)`}  heap ${s.heapMb.toFixed(1)} MB  external ${s.externalMb.toFixed(1)} MB  array buffers ${s.arrayBuffersMb.toFixed(1)} MB  ${s.manager ? `memory manager used ${s.manager.usedMb.toFixed(1)} pooled ${s.manager.pooledFreeMb.toFixed(1)} MB  ` : ''}heap committed ${s.heapPhysicalMb.toFixed(1)} MB  v8 malloc ${s.v8MallocMb.toFixed(1)} MB  code ${s.codeMb.toFixed(1)} MB  anon ${s.anonymousMb?.toFixed(1)} MB  file ${s.fileMb?.toFixed(1)} MB  ${mappingText(
            s.byMapping,
          )}  threads ${s.threads} (${s.threadsEnded ?? 0} ended)${s.workers ? ` (worker heaps ${s.workers.physicalMb.toFixed(1)} MB in ${s.workers.threads})` : ''}  handles ${s.handles}  series ${s.series}  task names ${s.taskNames}  ${
            s.retained
              ? `| after a memory-reducing GC: rss ${s.retainedRssMb.toFixed(1)} MB  heap committed ${s.retained.heapPhysicalMb.toFixed(1)} MB  ${mappingText(s.retained.byMapping)}`
              : ''
          }`,
        );
      }
    }
  }
  const wait = 1000 - (performance.now() - tick);
  if (wait > 0) await sleep(wait);
}
const final = await sampleChild();
if (final) samples.push({ minute: elapsed() / 60_000, ...final, series: lastSeries });

child.kill('SIGTERM');
const stopped = await Promise.race([once(child, 'exit').then(() => true), sleep(15_000).then(() => false)]);
if (!stopped) child.kill('SIGKILL');

// the preload's clock starts with the demo; the soak's minutes start once the demo answers
const mallocSamples = mallocInfo
  ? readMallocInfo(mallocInfo.file).map(({ seconds, ...rest }) => ({
      minute: (seconds * 1000 - (startedAt - spawnedAt)) / 60_000,
      ...rest,
    }))
  : [];
if (mallocInfo) rmSync(mallocInfo.dir, { recursive: true, force: true });
const quantile = (list, q) => {
  if (list.length === 0) return Number.NaN;
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

// Targets: flat within noise, RSS < 1 MB per 10 minutes over the last half. A short run's last half is
// still warm-up (JIT, pools, and the memory load's first cycle, whose held set grows by ~13 MB a minute
// until minute 2.5), so its limits only catch a gross leak. Between 20 and 60 minutes the target holds,
// but the last half is too short to resolve it (see --minutes): the run says so beside its verdict.
const long = minutes >= 20;
const caution =
  long && minutes < 60
    ? `the last half is ${minutes / 2} minutes: a steady demo's 15-minute slope moved by ±1.2 MB/10 min (one standard deviation) on the 2-core machine, so this verdict fails steady runs about half the time; --minutes 60 judges 30 minutes`
    : undefined;
const limits = long
  ? { rssMb: 1, retainedRssMb: 1, heapMb: 1, handles: 5, series: 1 }
  : { rssMb: 250, retainedRssMb: 250, heapMb: 30, handles: 20, series: 1 };
const last = samples.at(-1) ?? {};
const unhandled = (last.unhandled?.rejections ?? 0) + (last.unhandled?.exceptions ?? 0);
// series: flat means within 0.5% of the exported lines (a late pool outcome or alert state is bounded)
limits.series = Math.max(limits.series, 0.005 * (samples.at(-1)?.series ?? 0));
const metrics = ['rssMb', 'retainedRssMb', 'heapMb', 'handles', 'series'].map((key) => {
  const { slope, low, high } = lastHalfSlopeInterval(samples, key);
  const limit = limits[key];
  // shown rounded (the series limit is a share of the exported lines: 49.675000000000004)
  return {
    key,
    slope,
    low,
    high,
    shownLimit: Number(limit.toFixed(2)),
    ok: Number.isFinite(slope) && slope < limit,
  };
});
const reasons = [];
for (const m of metrics)
  if (!m.ok) reasons.push(`${m.key} slope ${m.slope.toFixed(2)}/10 min ≥ ${m.shownLimit}`);
if (unhandled > 0) reasons.push(`${unhandled} unhandled errors (${last.unhandled.last.split('\n')[0]})`);
if (failedScrapes > 0)
  reasons.push(
    `${failedScrapes} failed scrapes (${[...failureReasons].map(([r, n]) => `${r}: ${n}`).join(', ')})`,
  );
if (samples.length < 3) reasons.push('fewer than 3 samples');
const pick = (at) =>
  samples[Math.min(samples.length - 1, Math.max(0, Math.round(at * (samples.length - 1))))];
const result = {
  minutes,
  samples: samples.length,
  start: pick(0),
  middle: pick(0.5),
  end: pick(1),
  slopePer10Min: Object.fromEntries(metrics.map((m) => [m.key, m.slope])),
  slopeInterval90: Object.fromEntries(metrics.map((m) => [m.key, [m.low, m.high]])),
  scrapes,
  failedScrapes,
  scrapeMillis: { p50: quantile(regular, 0.5), p99: quantile(regular, 0.99) },
  burstScrapeMillis: { p50: quantile(burst, 0.5), p99: quantile(burst, 0.99) },
  failureReasons: Object.fromEntries(failureReasons),
  ...(samples.some((s) => s.rssMeanMb !== undefined)
    ? { rssMeanSlope: lastHalfSlopeInterval(samples, 'rssMeanMb') }
    : {}),
  ...(mallocInfo ? { malloc: mallocSummary(mallocSamples) } : {}),
  unhandled,
  leakMbPer10Min,
  verdict: reasons.length === 0 ? 'PASS' : 'FAIL',
  reasons,
  ...(caution ? { caution } : {}),
};
if (args.json) console.log(JSON.stringify(result));
else {
  const row = (label, s) =>
    `  ${label.padEnd(7)} ${s.minute.toFixed(1).padStart(5)} min  rss ${s.rssMb.toFixed(1)} MB (after a memory-reducing GC ${s.retainedRssMb?.toFixed(1)} MB)  heap ${s.heapMb.toFixed(1)} MB  handles ${s.handles}  series ${s.series}`;
  console.log(
    `\nsoak: ${minutes} min, ${samples.length} samples, ${scrapes} scrapes (${failedScrapes} failed)`,
  );
  console.log(row('start', result.start));
  console.log(row('middle', result.middle));
  console.log(row('end', result.end));
  console.log(
    `  slope over the last half, per 10 min: ${metrics.map((m) => `${m.key} ${m.slope.toFixed(2)} (limit ${m.shownLimit})`).join(', ')}`,
  );
  console.log(
    `  its 90% interval (noise): ${metrics.map((m) => `${m.key} ${m.low.toFixed(2)} … ${m.high.toFixed(2)}`).join(', ')}`,
  );
  if (result.rssMeanSlope)
    console.log(
      `  RSS as the mean of 1 s reads between samples (not part of the verdict): slope ${result.rssMeanSlope.slope.toFixed(2)}, 90% interval ${result.rssMeanSlope.low.toFixed(2)} … ${result.rssMeanSlope.high.toFixed(2)}`,
    );
  // where a rise is, if there is one (not part of the verdict): resident memory by kind of mapping
  const parts = (pick) =>
    Object.keys(pick(samples[0]) ?? {})
      .map((kind) => {
        const slope = lastHalfSlopePer10Min(
          samples.map((s) => ({ minute: s.minute, value: pick(s)?.[kind] })),
          'value',
        );
        return `${kind} ${slope.toFixed(2)}`;
      })
      .join(', ');
  const means = (pick) => meansPer5Min(samples, pick);
  console.log(`  RSS, mean per 5 minutes: ${means((s) => s.rssMb)} MB`);
  console.log(`  after a memory-reducing GC: ${means((s) => s.retainedRssMb)} MB`);
  if (samples.some((s) => s.workers !== undefined))
    console.log(`  pool worker threads' heaps: ${means((s) => s.workers?.physicalMb)} MB`);
  const ended = samples.at(-1)?.threadsEnded;
  if (ended !== undefined)
    console.log(`  worker threads ended: ${ended} (${((ended / minutes) * 10).toFixed(0)} per 10 min)`);
  console.log(`  by mapping, slope per 10 min: ${parts((s) => s.byMapping)}`);
  console.log(`  the same after a memory-reducing GC: ${parts((s) => s.retained?.byMapping)}`);
  console.log(
    `  scrape ms p50/p99: ${result.scrapeMillis.p50.toFixed(1)}/${result.scrapeMillis.p99.toFixed(1)}; under ${burstSize}-way bursts: ${result.burstScrapeMillis.p50.toFixed(1)}/${result.burstScrapeMillis.p99.toFixed(1)}`,
  );
  if (result.malloc) {
    const { samples: count, slopePer10Min: slope, meansPer5Min: means } = result.malloc;
    console.log(
      `  malloc_info (${count} samples), slope per 10 min: main arena in use ${slope.mainInUseMb.toFixed(2)}, held ${slope.mainHeldMb.toFixed(2)}; ` +
        `threads' arenas in use ${slope.threadsInUseMb.toFixed(2)}, held ${slope.threadsHeldMb.toFixed(2)}`,
    );
    console.log(
      `    main arena in use, mean per 5 minutes: ${means.mainInUseMb} MB; held: ${means.mainHeldMb} MB`,
    );
    console.log(`    threads' arenas in use: ${means.threadsInUseMb} MB; held: ${means.threadsHeldMb} MB`);
  }
  console.log(`  unhandled errors: ${unhandled}`);
  if (leakMbPer10Min > 0) console.log(`  deliberate leak in the demo: ${leakMbPer10Min} MB per 10 min`);
  if (caution) console.log(`  caution: ${caution}`);
  console.log(`verdict: ${result.verdict}${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
}
process.exit(result.verdict === 'PASS' ? 0 : 1);

/** Slopes over the last half and means per 5 minutes of malloc's own figures (not part of the verdict). */
function mallocSummary(list) {
  const fields = {
    mainInUseMb: (s) => s.main.inUseMb,
    mainHeldMb: (s) => s.main.heldMb,
    threadsInUseMb: (s) => s.threads.inUseMb,
    threadsHeldMb: (s) => s.threads.heldMb,
  };
  const slope = {};
  const means = {};
  for (const [name, read] of Object.entries(fields)) {
    const points = list.filter((s) => s.minute >= 0).map((s) => ({ minute: s.minute, value: read(s) }));
    slope[name] = lastHalfSlopePer10Min(points, 'value');
    means[name] = meansPer5Min(points, (point) => point.value);
  }
  return { samples: list.length, slopePer10Min: slope, meansPer5Min: means };
}
