import { availableParallelism, cpus } from 'node:os';
import { type Attributes, type BatchObservableResult, diag, type MeterProvider } from '@opentelemetry/api';
import { ATTR, METRIC } from '../core/metric-names.js';
import { ReadingCache } from '../core/reading-cache.js';
import {
  type CpuObservation,
  type CpuStat,
  CpuUtilizationTracker,
  cpuStatFromOs,
  parseCpuStat,
} from './host-cpu.js';
import {
  createWholeDiskFilter,
  type HostReading,
  type ReadText,
  readFallbackHost,
  readLinuxHost,
} from './host-proc.js';
import { conventionAttributes, RENAMED_INSTRUMENTS, type SemconvStability } from './semconv.js';

/** Meter name of the instruments this module adds to what @opentelemetry/host-metrics emits. */
export const HOST_METER = 'aiva-performance/host';

export interface ExtraDeps {
  readText: ReadText;
  now: () => number;
  linux: boolean;
  /** Emit `system.network.*` from /proc/net/dev (host.ts switches host-metrics' network group off then). */
  procNetwork: boolean;
  maxAgeMillis: number;
}

interface Snapshot {
  reading: HostReading;
  cpuUtilization: CpuObservation[];
}

/**
 * CPU utilization (machine-wide, or per CPU with perCpu), load average,
 * memory limit and MemAvailable, swap, disk I/O and (with `procNetwork`)
 * network I/O, errors and drops, from one cached /proc reading.
 */
export function startExtraHostMetrics(
  resolved: { meterProvider: MeterProvider; perCpu: boolean; semconvStability: SemconvStability },
  deps: ExtraDeps,
) {
  const meter = resolved.meterProvider.getMeter(HOST_METER);
  const stability = resolved.semconvStability;
  // Attributes are written with the current keys; `conventionAttributes` turns them into the keys in
  // force (old, or both) once per frozen attribute object.
  const attrs = (instrument: string, a: Attributes) =>
    conventionAttributes(stability, instrument, a) as Attributes;
  const isWholeDisk = createWholeDiskFilter();
  const readCpu = (): CpuStat | undefined => {
    if (!deps.linux) return cpuStatFromOs();
    try {
      return parseCpuStat(deps.readText('/proc/stat'));
    } catch {
      return undefined;
    }
  };
  // Baseline now, so the first collect already has a utilization window.
  const cpuTracker = new CpuUtilizationTracker(resolved.perCpu, readCpu());

  const cache = new ReadingCache<Snapshot>(
    async () => {
      const reading = deps.linux
        ? readLinuxHost(deps.readText, isWholeDisk, { network: deps.procNetwork })
        : await readFallbackHost();
      return { reading, cpuUtilization: reading.cpu ? cpuTracker.update(reading.cpu) : [] };
    },
    deps.maxAgeMillis,
    deps.now,
  );

  // On Linux from /proc/stat, with iowait and steal (host-metrics reads os.cpus(), which has neither).
  const cpuTime = deps.linux
    ? meter.createObservableCounter(METRIC.cpuTime, {
        description: 'Seconds each logical CPU spent in each mode, from /proc/stat',
        unit: 's',
      })
    : undefined;
  const cpuUtil = meter.createObservableGauge(METRIC.cpuUtilization, {
    description: 'CPU utilization per state (0-1) since the previous reading, from /proc/stat',
    unit: '1',
  });
  const loadNames = { '1m': METRIC.loadAverage1m, '5m': METRIC.loadAverage5m, '15m': METRIC.loadAverage15m };
  const load = (['1m', '5m', '15m'] as const).map((w) =>
    meter.createObservableGauge(loadNames[w], {
      description: `System load average over ${w.replace('m', ' minute(s)')}`,
      unit: '{thread}',
    }),
  );
  // Dashboards divide the load average by it ("load per core"). Not semconv's system.cpu.logical.count:
  // in Prometheus that ends in `_count`, which promtool rejects for anything but a histogram/summary.
  const logicalCpus = meter.createObservableUpDownCounter(METRIC.hostCpuLogical, {
    description: 'Logical CPUs available to the system',
    unit: '{cpu}',
  });
  // Machine-wide, like the load average (availableParallelism is this process's affinity); read once.
  const logicalCpuCount = cpus().length || availableParallelism();
  const memLimit = meter.createObservableUpDownCounter(METRIC.memoryLimit, {
    description: 'Total memory available to the system',
    unit: 'By',
  });
  const memAvailable = meter.createObservableUpDownCounter(METRIC.memoryAvailable, {
    description:
      'Memory available for new work without swapping (MemAvailable; excludes reclaimable page cache)',
    unit: 'By',
  });
  const paging = meter.createObservableUpDownCounter(METRIC.pagingUsage, {
    description: 'Swap space used and free',
    unit: 'By',
  });
  const diskIo = meter.createObservableCounter(METRIC.diskIo, {
    description: 'Bytes read from and written to whole disks (sectors x 512)',
    unit: 'By',
  });
  const diskOps = meter.createObservableCounter(METRIC.diskOperations, {
    description: 'Read and write operations completed on whole disks',
    unit: '{operation}',
  });

  // Same names, types and attributes as @opentelemetry/host-metrics 0.39, plus units.
  const network = deps.procNetwork
    ? {
        io: meter.createObservableCounter(METRIC.networkIo, {
          description: 'Bytes received and transmitted per network interface (all but lo)',
          unit: 'By',
        }),
        errors: meter.createObservableCounter(METRIC.networkErrors, {
          description: 'Receive and transmit errors per network interface (all but lo)',
          unit: '{error}',
        }),
        // Renamed by the conventions (system.network.dropped → system.network.packet.dropped): 'dup' emits both.
        dropped: droppedNames(stability).map((name) =>
          meter.createObservableCounter(name, {
            description: 'Packets dropped on receive and transmit per network interface (all but lo)',
            unit: '{packet}',
          }),
        ),
      }
    : undefined;

  const pagingUsed = Object.freeze({ [ATTR.pagingState]: 'used' });
  const pagingFree = Object.freeze({ [ATTR.pagingState]: 'free' });
  const diskAttrs = new Map<string, { read: Attributes; write: Attributes }>();
  const attrsFor = (device: string) => {
    let a = diskAttrs.get(device);
    if (a === undefined) {
      a = {
        read: attrs(
          METRIC.diskIo,
          Object.freeze({ [ATTR.diskDevice]: device, [ATTR.diskDirection]: 'read' }),
        ),
        write: attrs(
          METRIC.diskIo,
          Object.freeze({ [ATTR.diskDevice]: device, [ATTR.diskDirection]: 'write' }),
        ),
      };
      diskAttrs.set(device, a);
    }
    return a;
  };

  const netAttrs = new Map<string, { receive: Attributes; transmit: Attributes }>();
  const netAttrsFor = (device: string) => {
    let a = netAttrs.get(device);
    if (a === undefined) {
      a = {
        receive: attrs(
          METRIC.networkIo,
          Object.freeze({ [ATTR.networkDevice]: device, [ATTR.networkDirection]: 'receive' }),
        ),
        transmit: attrs(
          METRIC.networkIo,
          Object.freeze({ [ATTR.networkDevice]: device, [ATTR.networkDirection]: 'transmit' }),
        ),
      };
      netAttrs.set(device, a);
    }
    return a;
  };

  const observables = [logicalCpus, memLimit, memAvailable, paging, diskIo, diskOps, ...load, cpuUtil];
  if (cpuTime) observables.push(cpuTime);
  if (network) observables.push(network.io, network.errors, ...network.dropped);
  const callback = async (result: BatchObservableResult) => {
    let snap: Snapshot;
    try {
      snap = await cache.get();
    } catch (err) {
      diag.debug('aiva-performance/host: host reading failed', err);
      return;
    }
    const r = snap.reading;
    for (const o of snap.cpuUtilization)
      result.observe(cpuUtil, o.value, attrs(METRIC.cpuUtilization, o.attributes));
    if (cpuTime && r.cpu) {
      for (const o of cpuTracker.times(r.cpu))
        result.observe(cpuTime, o.value, attrs(METRIC.cpuTime, o.attributes));
    }
    r.loadAverage.forEach((v, i) => {
      const gauge = load[i];
      if (gauge) result.observe(gauge, v);
    });
    result.observe(logicalCpus, logicalCpuCount);
    result.observe(memLimit, r.memoryLimitBytes);
    if (r.memoryAvailableBytes !== undefined) result.observe(memAvailable, r.memoryAvailableBytes);
    if (r.swapUsedBytes !== undefined) result.observe(paging, r.swapUsedBytes, pagingUsed);
    if (r.swapFreeBytes !== undefined) result.observe(paging, r.swapFreeBytes, pagingFree);
    for (const d of r.disks) {
      const a = attrsFor(d.device);
      result.observe(diskIo, d.readBytes, a.read);
      result.observe(diskIo, d.writeBytes, a.write);
      result.observe(diskOps, d.readOperations, a.read);
      result.observe(diskOps, d.writeOperations, a.write);
    }
    if (network && r.network) {
      for (const n of r.network) {
        const a = netAttrsFor(n.device);
        result.observe(network.io, n.rxBytes, a.receive);
        result.observe(network.io, n.txBytes, a.transmit);
        result.observe(network.errors, n.rxErrors, a.receive);
        result.observe(network.errors, n.txErrors, a.transmit);
        for (const dropped of network.dropped) {
          result.observe(dropped, n.rxDropped, a.receive);
          result.observe(dropped, n.txDropped, a.transmit);
        }
      }
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return {
    cache,
    shutdown: () => meter.removeBatchObservableCallback(callback, observables),
  };
}

/** `system.network.packet.dropped`, its old name, or both. */
function droppedNames(stability: SemconvStability): string[] {
  const old = RENAMED_INSTRUMENTS[METRIC.networkDropped] as string;
  if (stability === 'new') return [METRIC.networkDropped];
  if (stability === 'old') return [old];
  return [METRIC.networkDropped, old];
}
