import { readdirSync, readFileSync } from 'node:fs';
import { loadavg, totalmem } from 'node:os';
import { type CpuStat, cpuStatFromOs, parseCpuStat } from './host-cpu.js';

/**
 * Host readings that `@opentelemetry/host-metrics` does not provide (or, for
 * the network, provides at too high a cost): the machine-wide CPU times, load
 * average, memory limit and MemAvailable, swap, per-disk I/O and, on Linux,
 * per-interface network counters. On Linux they come straight from `/proc` (a
 * few small synchronous reads, well under 1 ms in all); elsewhere from `os`
 * and `systeminformation`.
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
  /**
   * Every interface but {@link EXCLUDED_INTERFACES}, from /proc/net/dev; undefined when not
   * read (off Linux host-metrics reports the network) or unreadable.
   */
  network: NetworkCounters[] | undefined;
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

/** Counters of one network interface from /proc/net/dev (bytes, errors, dropped packets). */
export interface NetworkCounters {
  device: string;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

/** Interfaces left out of `system.network.*`: loopback traffic never leaves the host. */
export const EXCLUDED_INTERFACES: ReadonlySet<string> = new Set(['lo']);

/**
 * Parses /proc/net/dev: one line per interface, `name:` then 8 receive and 8
 * transmit counters (bytes packets errs drop fifo frame compressed multicast |
 * bytes packets errs drop fifo colls carrier compressed). The two header lines
 * have no colon and are skipped, as is any line without 16 numbers. The name
 * ends at the *last* colon: counters never contain one, an old-style alias
 * (`eth0:1`) does, and a receive-bytes value wider than the kernel's 8-column
 * field follows the colon without a space (`eth0:123456789 ...`).
 */
export function parseNetDev(text: string): NetworkCounters[] {
  const out: NetworkCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.lastIndexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const device = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (device === '' || f.length < 16 || !f.every(Number.isFinite)) continue;
    out.push({
      device,
      rxBytes: f[0] as number,
      rxErrors: f[2] as number,
      rxDropped: f[3] as number,
      txBytes: f[8] as number,
      txErrors: f[10] as number,
      txDropped: f[11] as number,
    });
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

/**
 * Takes one Linux reading from /proc: four small files (three without `network`)
 * plus `os.loadavg()`; no child process.
 */
export function readLinuxHost(
  readText: ReadText,
  isWholeDisk: (device: string) => boolean,
  options: { network?: boolean } = {},
): HostReading {
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
  const netDev = options.network === false ? undefined : tryRead('/proc/net/dev');
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
    network:
      netDev === undefined
        ? undefined
        : parseNetDev(netDev).filter((n) => !EXCLUDED_INTERFACES.has(n.device)),
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
    network: undefined,
  };
}
