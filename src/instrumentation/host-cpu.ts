import { cpus } from 'node:os';
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../core/metric-names.js';
import type { CachedObservation } from '../core/reading-cache.js';

/** Cumulative CPU time per state, in seconds. */
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

/** One /proc/stat reading: the aggregate `cpu` line and every `cpuN` line. */
export interface CpuStat {
  total: CpuTimes | undefined;
  cpus: { cpu: number; times: CpuTimes }[];
}

export const CPU_STATES = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'interrupt',
  'steal',
] as const satisfies readonly (keyof CpuTimes)[];

/** USER_HZ: /proc/stat counts clock ticks of 1/100 s on every Linux ABI Node supports. */
const TICKS_PER_SECOND = 100;

function timesFrom(fields: string[]): CpuTimes {
  const at = (i: number): number => {
    const v = Number(fields[i]);
    return Number.isFinite(v) ? v / TICKS_PER_SECOND : 0;
  };
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

/** Parses the `cpu` and `cpuN` lines of /proc/stat into seconds per state. */
export function parseCpuStat(text: string): CpuStat {
  const out: CpuStat = { total: undefined, cpus: [] };
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) break; // the cpu lines come first
    const fields = line.trim().split(/\s+/);
    const label = fields.shift() ?? '';
    if (label === 'cpu') out.total = timesFrom(fields);
    else out.cpus.push({ cpu: Number(label.slice(3)), times: timesFrom(fields) });
  }
  return out;
}

/** The aggregate `cpu` line only. */
export function parseProcStat(text: string): CpuTimes | undefined {
  return parseCpuStat(text).total;
}

/** `os.cpus()` as a CpuStat (macOS, Windows: no iowait/steal there). */
export function cpuStatFromOs(): CpuStat {
  const total: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, interrupt: 0, steal: 0 };
  const list = cpus().map((c, cpu) => {
    const times: CpuTimes = {
      user: c.times.user / 1000,
      nice: c.times.nice / 1000,
      system: c.times.sys / 1000,
      idle: c.times.idle / 1000,
      iowait: 0,
      interrupt: c.times.irq / 1000,
      steal: 0,
    };
    for (const s of CPU_STATES) total[s] += times[s];
    return { cpu, times };
  });
  return { total, cpus: list };
}

/**
 * CPU utilization (0–1) per state between two readings; undefined when the
 * window holds no more than `minTotalSeconds` of CPU time.
 */
export function cpuUtilization(prev: CpuTimes, curr: CpuTimes, minTotalSeconds = 0): CpuTimes | undefined {
  let total = 0;
  for (const k of CPU_STATES) total += Math.max(0, curr[k] - prev[k]);
  if (total <= minTotalSeconds) return undefined;
  const out = { ...curr };
  for (const k of CPU_STATES) out[k] = Math.max(0, curr[k] - prev[k]) / total;
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
 * Utilization between readings. /proc/stat counts 10 ms ticks, so a window of
 * a few ticks is noise (one tick of `user` reads as 100 % busy): a window
 * shorter than 100 ms per CPU does not advance the baseline and the previous
 * utilization is reported again. Before the first full window (a collect
 * right after start), the average since boot is reported, like the first
 * frame of `top`.
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

export interface CpuObservation {
  value: number;
  attributes: Attributes;
}

/**
 * Turns successive CpuStat readings into `system.cpu.utilization`
 * observations: one series per state machine-wide (from the aggregate line),
 * or per state and `system.cpu.logical_number` with `perCpu`. Attribute
 * objects are built once per CPU and state.
 */
export class CpuUtilizationTracker {
  readonly #perCpu: boolean;
  readonly #windows = new Map<number, CpuUtilizationWindow>();
  readonly #attrs = new Map<number, Attributes[]>();

  constructor(perCpu: boolean, baseline: CpuStat | undefined) {
    this.#perCpu = perCpu;
    if (baseline) {
      for (const { cpu, times } of this.#entries(baseline)) {
        this.#windows.set(cpu, new CpuUtilizationWindow(times, this.#cpuCount(baseline)));
      }
    }
  }

  update(stat: CpuStat): CpuObservation[] {
    const out: CpuObservation[] = [];
    for (const { cpu, times } of this.#entries(stat)) {
      let w = this.#windows.get(cpu);
      if (w === undefined) {
        w = new CpuUtilizationWindow(undefined, this.#cpuCount(stat));
        this.#windows.set(cpu, w);
      }
      const u = w.update(times);
      if (u === undefined) continue;
      const attrs = this.#attributesFor(cpu);
      CPU_STATES.forEach((s, i) => {
        out.push({ value: u[s], attributes: attrs[i] as Attributes });
      });
    }
    return out;
  }

  /** Cumulative seconds per mode (machine-wide or per CPU, as configured), for `system.cpu.time`. */
  times(stat: CpuStat): CpuObservation[] {
    const out: CpuObservation[] = [];
    for (const { cpu, times } of this.#entries(stat)) {
      const attrs = this.#attributesFor(cpu);
      CPU_STATES.forEach((s, i) => {
        out.push({ value: times[s], attributes: attrs[i] as Attributes });
      });
    }
    return out;
  }

  /** Machine-wide: the aggregate line under key -1. */
  #entries(stat: CpuStat): { cpu: number; times: CpuTimes }[] {
    if (this.#perCpu) return stat.cpus;
    return stat.total ? [{ cpu: -1, times: stat.total }] : [];
  }

  /** CPUs the window spans: all of them for the aggregate line, one per `cpuN` line. */
  #cpuCount(stat: CpuStat): number {
    return this.#perCpu ? 1 : Math.max(1, stat.cpus.length);
  }

  #attributesFor(cpu: number): Attributes[] {
    let a = this.#attrs.get(cpu);
    if (a === undefined) {
      a = CPU_STATES.map((s) =>
        Object.freeze(
          cpu < 0 ? { [ATTR.cpuMode]: s } : { [ATTR.cpuMode]: s, [ATTR.cpuLogicalNumber]: String(cpu) },
        ),
      );
      this.#attrs.set(cpu, a);
    }
    return a;
  }
}

const CPU_TIME = 'system.cpu.time';
const CPU_STATE = 'system.cpu.state';
const stateAttributeCache = new Map<string, Attributes>();

/**
 * Sums host-metrics' `system.cpu.time` over logical CPUs, one series per `system.cpu.state`,
 * before the SDK sees it (`perCpu: false`); other observations pass through unchanged.
 */
export function sumCpuTimeOverCpus(observations: CachedObservation[]): CachedObservation[] {
  const sums = new Map<string, number>();
  let instrument: CachedObservation['instrument'];
  const out: CachedObservation[] = [];
  for (const o of observations) {
    if (o.name !== CPU_TIME) {
      out.push(o);
      continue;
    }
    instrument = o.instrument;
    const state = String(o.attributes?.[CPU_STATE] ?? 'unknown');
    sums.set(state, (sums.get(state) ?? 0) + o.value);
  }
  for (const [state, value] of sums) {
    let attributes = stateAttributeCache.get(state);
    if (attributes === undefined) {
      attributes = Object.freeze({ [CPU_STATE]: state });
      stateAttributeCache.set(state, attributes);
    }
    out.push({ name: CPU_TIME, instrument, value, attributes });
  }
  return out;
}
