// Idle CPU cost of the SDK with default intervals (production preset; alert rounds every 1 s / 5 s /
// 30 s, the original's) vs a bare Node process and vs prom-client's default metrics, all three running
// at once over the same window. Each metrics endpoint is scraped every 15 s, as a Prometheus would.
// Target (issue 14): SDK ≤ 0.5% of one core above bare Node.
//   node bench/idle-cpu.js            (60 s window; BENCH_IDLE_SECONDS=20 for a quick look)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, printTable } from './lib.js';

const windowSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const scrapeEverySeconds = 15;
const warmupSeconds = 5;
const fixture = fileURLToPath(new URL('./fixtures/idle-process.js', import.meta.url));
const ticksPerSecond = 100; // USER_HZ on Linux

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

async function startProcess(kind) {
  const child = spawn(process.execPath, [fixture, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) =>
    child.stdout.once('data', (chunk) => resolve(String(chunk).trim())),
  );
  return { kind, child, url };
}

// the two `sdk-no-…` processes break the SDK's cost down (alert rounds, runtime instrumentation)
const processes = await Promise.all(
  ['bare', 'sdk', 'prom-client', 'sdk-no-alerts', 'sdk-no-runtime'].map(startProcess),
);
await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
const before = processes.map((p) => cpuTicks(p.child.pid));
const scrapes = setInterval(() => {
  for (const p of processes)
    if (p.url)
      fetch(p.url)
        .then((r) => r.text())
        .catch(() => {});
}, scrapeEverySeconds * 1000);
await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
clearInterval(scrapes);
const after = processes.map((p) => cpuTicks(p.child.pid));
for (const p of processes) p.child.kill();

const percent = processes.map((_, i) => ((after[i] - before[i]) / ticksPerSecond / windowSeconds) * 100);
printTable(`Idle CPU over ${windowSeconds} s, scraped every ${scrapeEverySeconds} s (% of one core)`, [
  ['process', 'CPU %', 'extra vs bare (points)'],
  ...processes.map((p, i) => [p.kind, fmt(percent[i], 3), fmt(percent[i] - percent[0], 3)]),
]);
const sdkExtra = percent[1] - percent[0];
console.log(
  `aiva-performance idle cost: ${fmt(sdkExtra, 3)}% of one core above bare Node (target ≤ 0.5%): ${sdkExtra <= 0.5 ? 'met' : 'NOT met'}; load average ${fmt((await import('node:os')).loadavg()[0])}`,
);
