import { readdirSync, readFileSync } from 'node:fs';
import { loadavg, totalmem } from 'node:os';
import { type CpuStat, cpuStatFromOs, parseCpuStat } from './host-cpu.js';

/**
 * Host readings that `@opentelemetry/host-metrics` does not provide: the
 * machine-wide CPU times, load average, memory limit and MemAvailable, swap,
 * and per-disk I/O. On Linux they come straight from `/proc` (a few small
 * synchronous reads, ~50 µs in all); elsewhere from `os` and
 * `systeminformation`.
 */

export interface DiskCounters {
  device: string;
  readBytes: number;
  writeBytes: number;
  readOperations: number;
  writeOperations: number;
}

export interface HostReading {
  /** /proc/stat (or os.cpus()) in seconds per state. */
  cpu: CpuStat | undefined;
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

const SECTOR_BYTES = 512;

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

/** Takes one Linux reading from /proc: three small files plus `os.loadavg()`. */
export function readLinuxHost(readText: ReadText, isWholeDisk: (device: string) => boolean): HostReading {
  // Each file on its own: a sandbox may hide one (often /proc/diskstats); the others still count.
  const tryRead = (path: string): string | undefined => {
    try {
      return readText(path);
    } catch {
      return undefined;
    }
  };
  const meminfo = tryRead('/proc/meminfo');
  const diskstats = tryRead('/proc/diskstats');
  const stat = tryRead('/proc/stat');
  const mem = meminfo === undefined ? new Map<string, number>() : parseMeminfo(meminfo);
  const swapTotal = mem.get('SwapTotal');
  const swapFree = mem.get('SwapFree');
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  return {
    cpu: stat === undefined ? undefined : parseCpuStat(stat),
    loadAverage: [l1, l5, l15],
    memoryLimitBytes: mem.get('MemTotal') ?? totalmem(),
    memoryAvailableBytes: mem.get('MemAvailable'),
    swapUsedBytes: swapTotal !== undefined && swapFree !== undefined ? swapTotal - swapFree : undefined,
    swapFreeBytes: swapFree,
    disks: diskstats === undefined ? [] : parseDiskstats(diskstats, isWholeDisk),
  };
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
    cpu: cpuStatFromOs(),
    loadAverage: [l1, l5, l15],
    memoryLimitBytes: mem.total,
    memoryAvailableBytes: mem.available,
    swapUsedBytes: mem.swapused,
    swapFreeBytes: mem.swapfree,
    disks,
  };
}
