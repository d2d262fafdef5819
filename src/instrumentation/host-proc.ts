import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/**
 * Host readings that `@opentelemetry/host-metrics` does not provide: the
 * machine-wide CPU times, load average, memory limit and MemAvailable, swap,
 * and per-disk I/O. On Linux they come straight from `/proc` (a few small
 * synchronous reads, ~50 µs in all); elsewhere from `os` and
 * `systeminformation`.
 */

/** Cumulative machine-wide CPU time per state, in seconds (the aggregate `cpu` line of /proc/stat). */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  /** irq + softirq */
  interrupt: number;
  steal: number;
}

export interface DiskCounters {
  device: string;
  readBytes: number;
  writeBytes: number;
  readOperations: number;
  writeOperations: number;
}

export interface HostReading {
  cpu: CpuTimes | undefined;
  loadAverage: readonly [number, number, number];
  memoryLimitBytes: number;
  memoryAvailableBytes: number | undefined;
  swapUsedBytes: number | undefined;
  swapFreeBytes: number | undefined;
  disks: DiskCounters[];
}

/** Reads a file as text; injected so tests can count /proc reads. */
export type ReadText = (path: string) => string;

export const readTextSync: ReadText = (path) => readFileSync(path, 'utf8');

/** USER_HZ: /proc/stat counts clock ticks of 1/100 s on every Linux ABI Node supports. */
const TICKS_PER_SECOND = 100;
const SECTOR_BYTES = 512;

/** Parses the aggregate `cpu ` line of /proc/stat into seconds per state. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n', 1)[0];
  if (line === undefined || !line.startsWith('cpu ')) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number): number => (Number.isFinite(f[i]) ? (f[i] as number) / TICKS_PER_SECOND : 0);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user/nice.
  return {
    user: at(0),
    nice: at(1),
    system: at(2),
    idle: at(3),
    iowait: at(4),
    interrupt: at(5) + at(6),
    steal: at(7),
  };
}

/** Parses /proc/meminfo into bytes per field (values are in kB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) {
      out.set(m[1], Number(m[2]) * (line.endsWith('kB') ? 1024 : 1));
    }
  }
  return out;
}

/**
 * Parses /proc/diskstats, keeping only devices for which `isWholeDisk`
 * returns true. Bytes are sectors × 512 (the kernel always counts 512-byte
 * sectors here, whatever the device's block size).
 */
export function parseDiskstats(text: string, isWholeDisk: (device: string) => boolean): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const device = f[2];
    if (f.length < 10 || device === undefined || !isWholeDisk(device)) continue;
    out.push({
      device,
      readOperations: Number(f[3]),
      readBytes: Number(f[5]) * SECTOR_BYTES,
      writeOperations: Number(f[7]),
      writeBytes: Number(f[9]) * SECTOR_BYTES,
    });
  }
  return out;
}

/** Parses /proc/net/dev into received/transmitted bytes per interface (used by the accuracy tests). */
export function parseNetDev(text: string): Map<string, { rxBytes: number; txBytes: number }> {
  const out = new Map<string, { rxBytes: number; txBytes: number }>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    out.set(line.slice(0, colon).trim(), { rxBytes: Number(f[0]), txBytes: Number(f[8]) });
  }
  return out;
}

const VIRTUAL_DISK = /^(loop|ram|zram)\d*$/;
const PARTITION = /^((sd|hd|vd|xvd)[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+)p\d+)$/;

/**
 * Decides whether a /proc/diskstats device is a whole disk: it must be listed
 * in /sys/block (partitions never are) and not be a loop or RAM device. When
 * /sys is not mounted (some containers), falls back to the kernel's naming
 * patterns. The /sys/block listing is re-read only when an unknown device
 * appears (hot-plug).
 */
export function createWholeDiskFilter(listBlockDevices: () => string[] = () => readdirSync('/sys/block')) {
  let known: Set<string> | undefined;
  const verdicts = new Map<string, boolean>();
  return (device: string): boolean => {
    const cached = verdicts.get(device);
    if (cached !== undefined) return cached;
    let verdict: boolean;
    if (VIRTUAL_DISK.test(device)) {
      verdict = false;
    } else {
      try {
        if (known === undefined || !known.has(device)) known = new Set(listBlockDevices());
        verdict = known.has(device);
      } catch {
        verdict = !PARTITION.test(device);
      }
    }
    verdicts.set(device, verdict);
    return verdict;
  };
}

/** Takes one Linux reading from /proc: four small files. */
export function readLinuxHost(readText: ReadText, isWholeDisk: (device: string) => boolean): HostReading {
  const mem = parseMeminfo(readText('/proc/meminfo'));
  const swapTotal = mem.get('SwapTotal');
  const swapFree = mem.get('SwapFree');
  let disks: DiskCounters[] = [];
  try {
    disks = parseDiskstats(readText('/proc/diskstats'), isWholeDisk);
  } catch {
    // /proc/diskstats can be hidden in sandboxes; the other readings still count.
  }
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  return {
    cpu: parseProcStat(readText('/proc/stat')),
    loadAverage: [l1, l5, l15],
    memoryLimitBytes: mem.get('MemTotal') ?? totalmem(),
    memoryAvailableBytes: mem.get('MemAvailable'),
    swapUsedBytes: swapTotal !== undefined && swapFree !== undefined ? swapTotal - swapFree : undefined,
    swapFreeBytes: swapFree,
    disks,
  };
}

/** Sums `os.cpus()` into machine-wide times (macOS, Windows: no iowait/steal there). */
export function cpuTimesFromOs(): CpuTimes {
  const t: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, interrupt: 0, steal: 0 };
  for (const cpu of cpus()) {
    t.user += cpu.times.user / 1000;
    t.nice += cpu.times.nice / 1000;
    t.system += cpu.times.sys / 1000;
    t.idle += cpu.times.idle / 1000;
    t.interrupt += cpu.times.irq / 1000;
  }
  return t;
}

/** Non-Linux fallback through systeminformation; disks are reported as one `total` device. */
export async function readFallbackHost(): Promise<HostReading> {
  const si = await import('systeminformation');
  const [mem, fs, io] = await Promise.all([
    si.mem(),
    si.fsStats().catch(() => undefined),
    si.disksIO().catch(() => undefined),
  ]);
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  const disks: DiskCounters[] = [];
  if (fs && io && Number.isFinite(fs.rx)) {
    disks.push({
      device: 'total',
      readBytes: fs.rx,
      writeBytes: fs.wx,
      readOperations: io.rIO,
      writeOperations: io.wIO,
    });
  }
  return {
    cpu: cpuTimesFromOs(),
    loadAverage: [l1, l5, l15],
    memoryLimitBytes: mem.total,
    memoryAvailableBytes: mem.available,
    swapUsedBytes: mem.swapused,
    swapFreeBytes: mem.swapfree,
    disks,
  };
}

/**
 * Machine-wide CPU utilization (0–1) per state between two readings;
 * undefined when the window holds no more than `minTotalSeconds` of CPU time.
 */
export function cpuUtilization(prev: CpuTimes, curr: CpuTimes, minTotalSeconds = 0): CpuTimes | undefined {
  const keys = Object.keys(curr) as (keyof CpuTimes)[];
  let total = 0;
  for (const k of keys) total += Math.max(0, curr[k] - prev[k]);
  if (total <= minTotalSeconds) return undefined;
  const out = { ...curr };
  for (const k of keys) out[k] = Math.max(0, curr[k] - prev[k]) / total;
  return out;
}

const ZERO_CPU: CpuTimes = Object.freeze({
  user: 0,
  nice: 0,
  system: 0,
  idle: 0,
  iowait: 0,
  interrupt: 0,
  steal: 0,
});

/**
 * Machine-wide utilization between readings. /proc/stat counts 10 ms ticks,
 * so a window of a few ticks is noise (one tick of `user` reads as 100 %
 * busy): a window shorter than 100 ms per CPU does not advance the baseline
 * and the previous utilization is reported again. Before the first full
 * window (a collect right after start), the average since boot is reported,
 * like the first frame of `top`.
 */
export class CpuUtilizationWindow {
  #baseline: CpuTimes | undefined;
  #last: CpuTimes | undefined;
  readonly #minWindowSeconds: number;

  constructor(baseline: CpuTimes | undefined, cpuCount: number) {
    this.#baseline = baseline;
    this.#minWindowSeconds = 0.1 * Math.max(1, cpuCount);
  }

  update(current: CpuTimes): CpuTimes | undefined {
    const windowed = this.#baseline && cpuUtilization(this.#baseline, current, this.#minWindowSeconds);
    if (windowed) {
      this.#last = windowed;
      this.#baseline = current;
    } else if (this.#baseline === undefined) {
      this.#baseline = current;
    }
    this.#last ??= cpuUtilization(ZERO_CPU, current);
    return this.#last;
  }
}
