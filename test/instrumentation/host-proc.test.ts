import { describe, expect, it } from 'vitest';
import {
  createWholeDiskFilter,
  parseDiskstats,
  parseMeminfo,
  parseNetDev,
  readLinuxHost,
} from '../../src/instrumentation/host-proc.js';

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

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 353110862   10496    3    7    0     0          0         0   595265    5974    2    5    0     0       0          0
wlp2s0:123456789012    9999   11   12    0     0          0         0 98765    77   13   14    0     0       0          0
eth0:1:42 1 0 0 0 0 0 0 43 1 0 0 0 0 0 0
 broken: 1 2 3
`;

describe('parseNetDev', () => {
  it('reads bytes, errors and drops per direction, skipping the two header lines', () => {
    const byDevice = new Map(parseNetDev(NET_DEV).map((n) => [n.device, n]));
    expect([...byDevice.keys()]).toEqual(['lo', 'eth0', 'wlp2s0', 'eth0:1']);
    expect(byDevice.get('eth0')).toEqual({
      device: 'eth0',
      rxBytes: 353110862,
      rxErrors: 3,
      rxDropped: 7,
      txBytes: 595265,
      txErrors: 2,
      txDropped: 5,
    });
  });

  it('handles a counter glued to the colon and a name containing a colon', () => {
    const byDevice = new Map(parseNetDev(NET_DEV).map((n) => [n.device, n]));
    expect(byDevice.get('wlp2s0')).toMatchObject({
      rxBytes: 123456789012,
      rxErrors: 11,
      rxDropped: 12,
      txBytes: 98765,
      txErrors: 13,
      txDropped: 14,
    });
    expect(byDevice.get('eth0:1')).toMatchObject({ rxBytes: 42, txBytes: 43 });
  });

  it('skips a line without 16 counters and returns nothing for an empty file', () => {
    expect(parseNetDev(NET_DEV).some((n) => n.device === 'broken')).toBe(false);
    expect(parseNetDev('')).toEqual([]);
  });
});

describe('readLinuxHost network', () => {
  const files: Record<string, string> = { '/proc/net/dev': NET_DEV };
  const readText = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT ${path}`);
    return text;
  };

  it('keeps every interface but lo', () => {
    const r = readLinuxHost(readText, () => true);
    expect(r.network?.map((n) => n.device)).toEqual(['eth0', 'wlp2s0', 'eth0:1']);
  });

  it('does not read /proc/net/dev with network: false', () => {
    const read: string[] = [];
    readLinuxHost(
      (path) => {
        read.push(path);
        return readText(path);
      },
      () => true,
      { network: false },
    );
    expect(read).not.toContain('/proc/net/dev');
  });

  it('reports no interface for an empty file, undefined when /proc/net/dev is unreadable', () => {
    expect(
      readLinuxHost(
        () => '',
        () => true,
      ).network,
    ).toEqual([]);
    expect(
      readLinuxHost(
        () => {
          throw new Error('EACCES');
        },
        () => true,
      ).network,
    ).toBeUndefined();
  });
});
