import { describe, expect, it } from 'vitest';
import {
  CpuUtilizationWindow,
  cpuUtilization,
  createWholeDiskFilter,
  parseDiskstats,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
} from '../../src/instrumentation/host-proc.js';

const STAT = `cpu  9667 12 3918 43890 539 7 157 115 40 0
cpu0 3989 0 1630 23369 39 0 47 61 0 0
intr 1 2 3
`;

describe('parseProcStat', () => {
  it('reads the aggregate line in seconds, folding irq + softirq into interrupt', () => {
    const expected = {
      user: 96.67,
      nice: 0.12,
      system: 39.18,
      idle: 438.9,
      iowait: 5.39,
      interrupt: 1.64,
      steal: 1.15,
    };
    const got = parseProcStat(STAT);
    expect(Object.keys(got ?? {}).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      expect(got?.[k as keyof typeof expected], k).toBeCloseTo(v, 9);
  });

  it('returns undefined when the first line is not the aggregate', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
  });
});

describe('cpuUtilization', () => {
  it('divides each state delta by the total delta', () => {
    const a = parseProcStat(STAT);
    const b = parseProcStat('cpu  9767 12 3918 44190 539 7 157 115 0 0\n');
    if (!a || !b) throw new Error('parse failed');
    const u = cpuUtilization(a, b);
    expect(u?.user).toBeCloseTo(0.25, 10);
    expect(u?.idle).toBeCloseTo(0.75, 10);
    expect(u?.system).toBe(0);
  });

  it('is undefined when no tick elapsed', () => {
    const a = parseProcStat(STAT);
    if (!a) throw new Error('parse failed');
    expect(cpuUtilization(a, a)).toBeUndefined();
  });
});

describe('CpuUtilizationWindow', () => {
  const t = (busy: number, idle: number) => ({
    user: busy,
    nice: 0,
    system: 0,
    idle,
    iowait: 0,
    interrupt: 0,
    steal: 0,
  });

  it('reports the average since boot before the first full window (one tick is not a window)', () => {
    const w = new CpuUtilizationWindow(t(100, 300), 2);
    // One 10 ms tick of user time since the baseline would read as 100 % busy.
    const u = w.update(t(100.01, 300));
    expect(u?.user).toBeCloseTo(100.01 / 400.01, 9);
  });

  it('keeps the baseline until 100 ms per CPU have elapsed, then reports that window', () => {
    const w = new CpuUtilizationWindow(t(100, 300), 2);
    w.update(t(100.01, 300)); // too short: baseline stays at (100, 300)
    const u = w.update(t(100.12, 300.09)); // 0.21 s of CPU time since the baseline
    expect(u?.user).toBeCloseTo(0.12 / 0.21, 9);
    expect(u?.idle).toBeCloseTo(0.09 / 0.21, 9);
  });

  it('repeats the last window while the next one is too short', () => {
    const w = new CpuUtilizationWindow(t(0, 0), 1);
    const first = w.update(t(0.1, 0.12));
    expect(first?.idle).toBeCloseTo(0.12 / 0.22, 9);
    expect(w.update(t(0.11, 0.12))).toBe(first);
  });
});

describe('parseMeminfo', () => {
  it('converts kB to bytes and keeps unitless counts', () => {
    const m = parseMeminfo(
      'MemTotal:       24683656 kB\nMemAvailable:   24333144 kB\nHugePages_Total:       3\n',
    );
    expect(m.get('MemTotal')).toBe(24683656 * 1024);
    expect(m.get('MemAvailable')).toBe(24333144 * 1024);
    expect(m.get('HugePages_Total')).toBe(3);
  });
});

const DISKSTATS = `   7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 31551 6886 1564162 6962 24335 19946 3434744 19969 0 9664 30398 8301 66 266880 1744 3712 1721
 254       1 vda1 100 0 800 0 50 0 400 0 0 0 0
 253       0 zram0 1 0 8 0 1 0 8 0 0 0 0
   1       0 ram0 1 0 8 0 1 0 8 0 0 0 0
 259       0 nvme0n1 10 0 80 0 20 0 160 0 0 0 0
 259       1 nvme0n1p1 10 0 80 0 20 0 160 0 0 0 0
`;

describe('parseDiskstats', () => {
  it('keeps whole disks only and converts sectors to bytes', () => {
    const filter = createWholeDiskFilter(() => ['loop0', 'vda', 'zram0', 'ram0', 'nvme0n1']);
    expect(parseDiskstats(DISKSTATS, filter)).toEqual([
      {
        device: 'vda',
        readOperations: 31551,
        readBytes: 1564162 * 512,
        writeOperations: 24335,
        writeBytes: 3434744 * 512,
      },
      {
        device: 'nvme0n1',
        readOperations: 10,
        readBytes: 80 * 512,
        writeOperations: 20,
        writeBytes: 160 * 512,
      },
    ]);
  });

  it('falls back to naming patterns when /sys/block is unreadable', () => {
    const filter = createWholeDiskFilter(() => {
      throw new Error('ENOENT');
    });
    expect(parseDiskstats(DISKSTATS, filter).map((d) => d.device)).toEqual(['vda', 'nvme0n1']);
  });

  it('re-lists /sys/block only for a device it has not seen', () => {
    let listings = 0;
    const filter = createWholeDiskFilter(() => {
      listings++;
      return ['vda', 'sdb'];
    });
    parseDiskstats(DISKSTATS, filter);
    parseDiskstats(DISKSTATS, filter);
    const afterTwoPasses = listings;
    expect(filter('sdb')).toBe(true);
    expect(listings).toBe(afterTwoPasses); // sdb was in the last listing: no new read
  });
});

describe('parseNetDev', () => {
  it('reads receive and transmit bytes per interface', () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 353110862   10496    0    0    0     0          0         0   595265    5974    0    0    0     0       0          0
`;
    expect(parseNetDev(text).get('eth0')).toEqual({ rxBytes: 353110862, txBytes: 595265 });
    expect(parseNetDev(text).get('lo')).toEqual({ rxBytes: 3193, txBytes: 3193 });
  });
});
