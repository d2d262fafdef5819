import { cpus, totalmem } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  DEFAULT_HOST_METRICS_OPTIONS,
  HOST_METER,
  HOST_METRICS_LIBRARY_METER,
  type HostMetricsHandle,
  hostMetricViews,
  resolveHostMetricsOptions,
  startHostMetrics,
  startHostMetricsWith,
} from '../../src/instrumentation/host.js';
import { readTextSync } from '../../src/instrumentation/host-proc.js';
import { collect, pointsNamed, providerWith } from './host-helpers.js';

const linux = process.platform === 'linux';
const handles: HostMetricsHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.shutdown();
});

describe('resolveHostMetricsOptions', () => {
  it('fills the defaults', () => {
    const r = resolveHostMetricsOptions({});
    expect(r.intervalMillis).toBe(DEFAULT_HOST_METRICS_OPTIONS.intervalMillis);
    expect(r.perCpu).toBe(false);
    expect(typeof r.meterProvider.getMeter).toBe('function');
  });

  it('rejects a non-object', () => {
    expect(() => resolveHostMetricsOptions(42)).toThrow(
      new ConfigError('options', 'must be an object, got 42'),
    );
  });

  it('rejects an unknown key, naming it', () => {
    expect(() => resolveHostMetricsOptions({ interval: 5 })).toThrow(
      /^options\.interval is not a known option/,
    );
  });

  it('rejects a meterProvider without getMeter', () => {
    expect(() => startHostMetrics({ meterProvider: {} as never })).toThrow(
      'options.meterProvider must be a MeterProvider (an object with getMeter()), got an object',
    );
  });

  it.each([0, -5, Number.NaN, '1000'])('rejects intervalMillis %s', (value) => {
    expect(() => resolveHostMetricsOptions({ intervalMillis: value })).toThrow(
      /^options\.intervalMillis must be a positive number of milliseconds/,
    );
  });

  it('rejects a non-boolean perCpu, with the SDK prefix', () => {
    const err = (() => {
      try {
        resolveHostMetricsOptions({ perCpu: 'yes' }, 'options.hostMetrics');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('options.hostMetrics.perCpu');
  });
});

/** readText that counts /proc reads by path. */
function countingReadText() {
  const counts = new Map<string, number>();
  const readText = (path: string) => {
    counts.set(path, (counts.get(path) ?? 0) + 1);
    return readTextSync(path);
  };
  return { counts, readText };
}

describe.skipIf(!linux)('reading cache (three readers)', () => {
  it('reads /proc and host-metrics once for three collects in a row, again after the interval', async () => {
    const { meterProvider, readers } = providerWith(3);
    const { counts, readText } = countingReadText();
    let clock = 1_000;
    const host = startHostMetricsWith(
      { meterProvider, intervalMillis: 10_000, perCpu: false, semconvStability: 'new' },
      { readText, now: () => clock },
    );
    handles.push(host);
    const statAtStart = counts.get('/proc/stat') ?? 0; // the utilization baseline
    expect(counts.get('/proc/net/dev')).toBe(1); // the readability check at start
    expect(host.networkFromProc).toBe(true);

    for (const r of readers) await collect(r);
    expect(host.hostReads).toBe(1);
    expect(host.libraryReads).toBe(1);
    expect(counts.get('/proc/meminfo')).toBe(1);
    expect(counts.get('/proc/stat')).toBe(statAtStart + 1);
    expect(counts.get('/proc/net/dev')).toBe(2);

    clock += 5_000; // still within the interval
    await Promise.all(readers.map((r) => collect(r)));
    expect(host.hostReads).toBe(1);
    expect(host.libraryReads).toBe(1);

    clock += 5_000; // interval elapsed
    await Promise.all(readers.map((r) => collect(r)));
    expect(host.hostReads).toBe(2);
    expect(host.libraryReads).toBe(2);
    expect(counts.get('/proc/meminfo')).toBe(2);
    expect(counts.get('/proc/diskstats')).toBe(2);
    expect(counts.get('/proc/net/dev')).toBe(3);
  });

  it('serves all three readers the same values', async () => {
    const { meterProvider, readers } = providerWith(3);
    handles.push(
      startHostMetricsWith(
        { meterProvider, intervalMillis: 60_000, perCpu: false, semconvStability: 'new' },
        { now: () => 0 },
      ),
    );
    const [a, b, c] = await Promise.all(readers.map((r) => collect(r)));
    const avail = (ps: typeof a) => pointsNamed(ps ?? [], 'system.memory.linux.available')[0]?.value;
    expect(avail(a)).toBeGreaterThan(0);
    expect(avail(b)).toBe(avail(a));
    expect(avail(c)).toBe(avail(a));
  });
});

describe('instruments', () => {
  it('emits every host metric with its unit and type', async () => {
    const { meterProvider, readers } = providerWith(1);
    handles.push(startHostMetrics({ meterProvider, intervalMillis: 50 }));
    const points = await collect(readers[0] as never);
    const expectations: [string, string, string, string][] = [
      ['system.cpu.time', linux ? HOST_METER : HOST_METRICS_LIBRARY_METER, 'counter', 's'],
      ['system.cpu.utilization', HOST_METER, 'gauge', '1'],
      ['system.cpu.load_average.1m', HOST_METER, 'gauge', '{thread}'],
      ['system.cpu.load_average.5m', HOST_METER, 'gauge', '{thread}'],
      ['system.cpu.load_average.15m', HOST_METER, 'gauge', '{thread}'],
      ['system.memory.usage', HOST_METRICS_LIBRARY_METER, 'updowncounter', 'By'],
      ['system.memory.utilization', HOST_METRICS_LIBRARY_METER, 'gauge', '1'],
      ['system.memory.limit', HOST_METER, 'updowncounter', 'By'],
      ['system.memory.linux.available', HOST_METER, 'updowncounter', 'By'],
      ['system.paging.usage', HOST_METER, 'updowncounter', 'By'],
      ['process.cpu.time', HOST_METRICS_LIBRARY_METER, 'counter', 's'],
      ['process.cpu.utilization', HOST_METRICS_LIBRARY_METER, 'gauge', '1'],
      ['process.memory.usage', HOST_METRICS_LIBRARY_METER, 'updowncounter', 'By'],
    ];
    if (linux) {
      expectations.push(['system.disk.io', HOST_METER, 'counter', 'By']);
      expectations.push(['system.disk.operations', HOST_METER, 'counter', '{operation}']);
      expectations.push(['system.network.io', HOST_METER, 'counter', 'By']);
      expectations.push(['system.network.errors', HOST_METER, 'counter', '{error}']);
      expectations.push(['system.network.packet.dropped', HOST_METER, 'counter', '{packet}']);
    } else {
      expectations.push(['system.network.io', HOST_METRICS_LIBRARY_METER, 'counter', '']);
    }
    for (const [name, scope, type, unit] of expectations) {
      const found = pointsNamed(points, name);
      expect(found.length, name).toBeGreaterThan(0);
      expect(new Set(found.map((p) => p.scope)), name).toEqual(new Set([scope]));
      expect(found[0]?.type, name).toBe(type);
      expect(found[0]?.unit, name).toBe(unit);
    }
    if (linux) {
      // From /proc/stat: every mode system.cpu.utilization has, iowait and steal included.
      const modes = pointsNamed(points, 'system.cpu.time').map((p) => p.attributes['cpu.mode']);
      expect(modes.sort()).toEqual(['idle', 'interrupt', 'iowait', 'nice', 'steal', 'system', 'user']);
    }
    const paging = pointsNamed(points, 'system.paging.usage').map((p) => p.attributes['system.paging.state']);
    expect(paging.sort()).toEqual(['free', 'used']);
    const limit = pointsNamed(points, 'system.memory.limit')[0]?.value ?? 0;
    const available = pointsNamed(points, 'system.memory.linux.available')[0]?.value ?? 0;
    expect(available).toBeGreaterThan(0);
    expect(available).toBeLessThanOrEqual(limit);
  });

  it('perCpu false: one machine-wide series per state, no logical_number', async () => {
    const { meterProvider, readers } = providerWith(1);
    handles.push(startHostMetrics({ meterProvider, intervalMillis: 50 }));
    const points = await collect(readers[0] as never);
    for (const name of ['system.cpu.utilization', 'system.cpu.time']) {
      const series = pointsNamed(points, name);
      expect(
        series.every((p) => !('cpu.logical_number' in p.attributes)),
        name,
      ).toBe(true);
      const states = series.map((p) => String(p.attributes['cpu.mode']));
      expect(new Set(states).size, name).toBe(states.length);
    }
    const util = pointsNamed(points, 'system.cpu.utilization');
    const sum = util.reduce((s, p) => s + p.value, 0);
    expect(sum).toBeCloseTo(1, 6);
    // The machine-wide cpu.time equals the sum over CPUs of os.cpus() idle time (seconds), give or take the
    // ticks since and one 10 ms tick of rounding per CPU (the aggregate /proc/stat line is kept separately).
    const idle = pointsNamed(points, 'system.cpu.time').find((p) => p.attributes['cpu.mode'] === 'idle');
    const osIdle = cpus().reduce((s, c) => s + c.times.idle / 1000, 0);
    expect(idle?.value).toBeGreaterThan(osIdle * 0.99);
    // One clock tick (10 ms) per CPU of slack: under NO_HZ the kernel computes a sleeping CPU's idle
    // time on the fly, and two reads of /proc/stat can differ by a tick in either direction on a busy box.
    expect(idle?.value).toBeLessThanOrEqual(osIdle + 0.01 * cpus().length + 1e-6);
  });

  it('perCpu true: per logical CPU, from /proc/stat, within 0..1 even right after start', async () => {
    const { meterProvider, readers } = providerWith(1);
    handles.push(startHostMetrics({ meterProvider, intervalMillis: 50, perCpu: true }));
    const points = await collect(readers[0] as never);
    const util = pointsNamed(points, 'system.cpu.utilization');
    expect(new Set(util.map((p) => p.scope))).toEqual(new Set([HOST_METER]));
    const cpusSeen = new Set(util.map((p) => p.attributes['cpu.logical_number']));
    expect(cpusSeen.size).toBe(cpus().length);
    expect(util.every((p) => p.value >= 0 && p.value <= 1)).toBe(true);
    const time = pointsNamed(points, 'system.cpu.time');
    expect(new Set(time.map((p) => p.attributes['cpu.logical_number'])).size).toBe(cpus().length);
  });

  it('shutdown removes every callback and is idempotent', async () => {
    const { meterProvider, readers } = providerWith(1);
    let clock = 0;
    const host = startHostMetricsWith(
      { meterProvider, intervalMillis: 50, perCpu: false, semconvStability: 'new' },
      { now: () => clock },
    );
    await collect(readers[0] as never);
    expect([host.hostReads, host.libraryReads]).toEqual([1, 1]);
    host.shutdown();
    host.shutdown();
    clock += 1_000;
    // The SDK keeps exporting the last cumulative points, but no reading is taken any more.
    await collect(readers[0] as never);
    expect([host.hostReads, host.libraryReads]).toEqual([1, 1]);
  });
});

describe.skipIf(!linux)('hidden /proc files', () => {
  it('still reports what it can read when /proc/meminfo and /proc/diskstats are hidden', async () => {
    const { meterProvider, readers } = providerWith(1);
    const readText = (path: string): string => {
      if (path === '/proc/stat') return readTextSync(path);
      throw new Error(`EACCES: ${path}`);
    };
    handles.push(
      startHostMetricsWith(
        { meterProvider, intervalMillis: 50, perCpu: false, semconvStability: 'new' },
        { readText },
      ),
    );
    const points = await collect(readers[0] as never);
    expect(pointsNamed(points, 'system.cpu.utilization')).toHaveLength(7);
    expect(pointsNamed(points, 'system.memory.limit')[0]?.value).toBe(totalmem());
    expect(pointsNamed(points, 'system.memory.linux.available')).toEqual([]);
    expect(pointsNamed(points, 'system.disk.io')).toEqual([]);
  });
});

describe.skipIf(!linux)('network source on Linux', () => {
  it('reads /proc/net/dev per interface and direction, without lo', async () => {
    const { meterProvider, readers } = providerWith(1);
    const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0:     100      10    1    2    0     0          0         0      200      20    3    4    0     0       0          0
  eth1:1000000000   9    5    6    0     0          0         0      300      30    7    8    0     0       0          0
`;
    const readText = (path: string) => (path === '/proc/net/dev' ? netDev : readTextSync(path));
    handles.push(
      startHostMetricsWith(
        { meterProvider, intervalMillis: 50, perCpu: false, semconvStability: 'new' },
        { readText },
      ),
    );
    const points = await collect(readers[0] as never);
    const flat = (name: string) =>
      pointsNamed(points, name)
        .map(
          (p) =>
            `${p.scope} ${p.attributes['network.interface.name']} ${p.attributes['network.io.direction']} ${p.value}`,
        )
        .sort();
    expect(flat('system.network.io')).toEqual([
      `${HOST_METER} eth0 receive 100`,
      `${HOST_METER} eth0 transmit 200`,
      `${HOST_METER} eth1 receive 1000000000`,
      `${HOST_METER} eth1 transmit 300`,
    ]);
    expect(flat('system.network.errors')).toEqual([
      `${HOST_METER} eth0 receive 1`,
      `${HOST_METER} eth0 transmit 3`,
      `${HOST_METER} eth1 receive 5`,
      `${HOST_METER} eth1 transmit 7`,
    ]);
    expect(flat('system.network.packet.dropped')).toEqual([
      `${HOST_METER} eth0 receive 2`,
      `${HOST_METER} eth0 transmit 4`,
      `${HOST_METER} eth1 receive 6`,
      `${HOST_METER} eth1 transmit 8`,
    ]);
  });

  it('keeps host-metrics for the network when /proc/net/dev cannot be read', async () => {
    const { meterProvider, readers } = providerWith(1);
    const readText = (path: string): string => {
      if (path === '/proc/net/dev') throw new Error('EACCES: /proc/net/dev');
      return readTextSync(path);
    };
    const host = startHostMetricsWith(
      { meterProvider, intervalMillis: 50, perCpu: false, semconvStability: 'new' },
      { readText },
    );
    handles.push(host);
    expect(host.networkFromProc).toBe(false);
    const points = await collect(readers[0] as never);
    const io = pointsNamed(points, 'system.network.io');
    expect(new Set(io.map((p) => p.scope))).toEqual(new Set([HOST_METRICS_LIBRARY_METER]));
  });
});

describe('non-Linux fallback (systeminformation and os), exercised here by forcing the platform', () => {
  it('emits CPU, memory, swap and the load average without /proc', async () => {
    const { meterProvider, readers } = providerWith(1);
    const readText = (path: string): string => {
      throw new Error(`unexpected read of ${path}`);
    };
    handles.push(
      startHostMetricsWith(
        { meterProvider, intervalMillis: 50, perCpu: false, semconvStability: 'new' },
        { readText, platform: 'darwin' },
      ),
    );
    const points = await collect(readers[0] as never);
    const util = pointsNamed(points, 'system.cpu.utilization');
    expect(util.map((p) => p.attributes['cpu.mode'])).toContain('idle');
    expect(util.reduce((s, p) => s + p.value, 0)).toBeCloseTo(1, 6);
    expect(pointsNamed(points, 'system.memory.limit')[0]?.value).toBeGreaterThan(0);
    expect(pointsNamed(points, 'system.memory.linux.available')[0]?.value).toBeGreaterThan(0);
    expect(pointsNamed(points, 'system.paging.usage')).toHaveLength(2);
    expect(pointsNamed(points, 'system.cpu.load_average.1m')).toHaveLength(1);
    // host-metrics keeps the network off Linux; none from our meter.
    const io = pointsNamed(points, 'system.network.io');
    expect(io.every((p) => p.scope === HOST_METRICS_LIBRARY_METER)).toBe(true);
  });
});

describe('hostMetricViews', () => {
  it('bounds the network series of both meters (ours on Linux, host-metrics elsewhere)', () => {
    const network = hostMetricViews().filter((v) => v.instrumentName === 'system.network.*');
    expect(new Set(network.map((v) => v.meterName))).toEqual(
      new Set([HOST_METER, HOST_METRICS_LIBRARY_METER]),
    );
  });

  it('guards cpu.time attributes only when perCpu is off', () => {
    const off = hostMetricViews({ perCpu: false });
    const on = hostMetricViews({ perCpu: true });
    expect(off.some((v) => v.instrumentName === 'system.cpu.time')).toBe(true);
    expect(on.some((v) => v.instrumentName === 'system.cpu.time')).toBe(false);
  });

  it('installs on a real MeterProvider without changing the folded values', async () => {
    const { meterProvider, readers } = providerWith(1, { views: hostMetricViews() });
    handles.push(startHostMetrics({ meterProvider, intervalMillis: 50 }));
    const points = await collect(readers[0] as never);
    const states = pointsNamed(points, 'system.cpu.time').map((p) => p.attributes['cpu.mode']);
    expect(new Set(states).size).toBe(states.length);
    expect(states.length).toBeGreaterThanOrEqual(4);
    // One stream per network series, not one per matching View.
    const net = pointsNamed(points, 'system.network.io').map(
      (p) => `${p.scope} ${p.attributes['network.interface.name']} ${p.attributes['network.io.direction']}`,
    );
    expect(net.length).toBeGreaterThan(0);
    expect(new Set(net).size).toBe(net.length);
  });
});
