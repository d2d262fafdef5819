import { Tier } from './rings.js';

/** Sizing of a {@link HistoryStore}. */
export interface HistoryStoreOptions {
  /** Sampling interval in ms; the finest tier keeps the last hour at this step (at least 1000 ms). */
  samplingMillis: number;
  /** Days the coarsest (5-minute) tier keeps. */
  retentionDays: number;
  /** Most series kept; later new names are dropped and counted in {@link HistoryStore.droppedSeries}. */
  maxSeries: number;
}

/** The range a query asks for; times in ms since the epoch. */
export interface HistoryQuery {
  from: number;
  to: number;
  /** Wanted step in ms; the answer's step is at least the chosen resolution's. Default: that resolution. */
  step?: number;
  /** Series to return: exact names, or a prefix ending in `*`. Default: all. */
  series?: readonly string[];
}

/** Columns of one series: one entry per timestamp, NaN (`null` in JSON) where there is no data. */
export interface HistoryColumn {
  min: number[];
  avg: number[];
  max: number[];
}

/** What `monitor.history()` returns. */
export interface HistoryColumns {
  from: number;
  to: number;
  /** Width of each returned step in ms. */
  stepMillis: number;
  /** Step of the stored resolution the answer was read from. */
  resolutionMillis: number;
  /** Start of each step. */
  timestamps: number[];
  series: Record<string, HistoryColumn>;
}

export const HOUR_MILLIS = 3_600_000;
export const DAY_MILLIS = 86_400_000;
/** Most steps one answer holds; a wider range gets a coarser step. */
export const MAX_POINTS = 1500;
/** The fixed tiers after the finest: 1-minute steps for a day, 5-minute steps for `retentionDays`. */
const COARSE_TIERS = Object.freeze([
  { stepMillis: 60_000, spanMillis: DAY_MILLIS },
  { stepMillis: 300_000, spanMillis: Number.NaN },
]);

/**
 * Multi-resolution history in fixed typed-array rings (see {@link Tier}): every sample is folded into
 * each tier (the last hour at the sampling step, the last day at 1 min, `retentionDays` at 5 min, each
 * keeping min / avg / max). Memory is allocated at construction and never grows:
 * {@link memoryBoundBytes}.
 */
export class HistoryStore {
  readonly #maxSeries: number;
  readonly #retentionDays: number;
  readonly #index = new Map<string, number>();
  readonly #names: string[] = [];
  readonly #values: Float64Array;
  #tiers: Tier[];
  #dropped = 0;
  #lastMillis = Number.NaN;

  constructor(options: HistoryStoreOptions) {
    this.#maxSeries = options.maxSeries;
    this.#retentionDays = options.retentionDays;
    this.#values = new Float64Array(options.maxSeries);
    this.#tiers = [this.#finest(options.samplingMillis), ...this.#coarse()];
  }

  /** The bound for these options, in bytes: what the rings allocate, whatever is recorded. */
  static memoryBoundBytes(options: HistoryStoreOptions): number {
    const s = options.maxSeries;
    const tiers = new HistoryStore({ ...options, maxSeries: 1 }).#tiers;
    // Per slot: 8 B start time + 12 B (min, avg, max as Float32) per series; per series: 4 B open count
    // per tier and 8 B of scratch. Names (≤ 255 characters each) come on top.
    return tiers.reduce((sum, t) => sum + t.capacity * (8 + 12 * s) + 4 * s, 0) + 8 * s;
  }

  /** Bytes the rings hold now (equal to the bound: they are allocated up front). */
  get bytes(): number {
    return this.#tiers.reduce((sum, t) => sum + t.bytes, 0) + this.#values.byteLength;
  }

  /** Series names in the order they were first seen. */
  get seriesNames(): readonly string[] {
    return this.#names;
  }

  /** New series refused because {@link HistoryStoreOptions.maxSeries} was reached. */
  get droppedSeries(): number {
    return this.#dropped;
  }

  /** Time of the newest sample, NaN before the first. */
  get lastMillis(): number {
    return this.#lastMillis;
  }

  /** The steps kept, finest first, with how far back each reaches. */
  get resolutions(): { stepMillis: number; spanMillis: number }[] {
    return this.#tiers.map((t) => ({ stepMillis: t.stepMillis, spanMillis: t.stepMillis * t.capacity }));
  }

  /** A new sampling interval: the finest tier restarts at that step, the coarser ones keep their data. */
  setSamplingMillis(samplingMillis: number): void {
    const finest = this.#finest(samplingMillis);
    finest.complete = Number.isNaN(this.#lastMillis);
    if (finest.stepMillis !== this.#tiers[0]?.stepMillis) this.#tiers = [finest, ...this.#tiers.slice(1)];
  }

  /** Records one sample: a value per series name (NaN = no data). */
  record(timeMs: number, values: Readonly<Record<string, number>>): void {
    this.#values.fill(Number.NaN);
    for (const name in values) {
      const index = this.#indexOf(name);
      if (index !== undefined) this.#values[index] = values[name] as number;
    }
    for (const tier of this.#tiers) tier.record(timeMs, this.#values, this.#names.length);
    this.#lastMillis = timeMs;
  }

  /** Columns for `[from, to)`, from the finest resolution that still reaches back to `from`. */
  query(q: HistoryQuery): HistoryColumns {
    const from = Math.floor(q.from);
    const to = Math.max(from + 1, Math.ceil(q.to));
    const wanted = Math.max(q.step ?? 0, Math.ceil((to - from) / MAX_POINTS));
    const tier = this.#choose(from, wanted);
    const step = Math.max(tier.stepMillis, Math.ceil(wanted / tier.stepMillis) * tier.stepMillis);
    const first = Math.floor(from / step) * step;
    const timestamps: number[] = [];
    for (let t = first; t < to; t += step) timestamps.push(t);
    const n = timestamps.length;
    // Slots in range and the output step each falls in, found once for all series.
    const offsets: number[] = [];
    const buckets: number[] = [];
    tier.forEachSlot(first, to, (start, offset) => {
      const b = Math.floor((start - first) / step);
      if (b < 0 || b >= n) return;
      offsets.push(offset);
      buckets.push(b);
    });
    const series: Record<string, HistoryColumn> = {};
    const sums = new Float64Array(n);
    const counts = new Uint32Array(n);
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i] as string;
      if (!selected(name, q.series)) continue;
      const min = new Array<number>(n).fill(Number.NaN);
      const avg = new Array<number>(n).fill(Number.NaN);
      const max = new Array<number>(n).fill(Number.NaN);
      sums.fill(0);
      counts.fill(0);
      for (let j = 0; j < offsets.length; j++) {
        const offset = offsets[j] as number;
        const mean = tier.avg(offset, i);
        if (Number.isNaN(mean)) continue;
        const b = buckets[j] as number;
        const lo = tier.min(offset, i);
        const hi = tier.max(offset, i);
        if (!((min[b] as number) <= lo)) min[b] = lo;
        if (!((max[b] as number) >= hi)) max[b] = hi;
        sums[b] = (sums[b] as number) + mean;
        counts[b] = (counts[b] as number) + 1;
      }
      for (let b = 0; b < n; b++)
        if ((counts[b] as number) > 0) avg[b] = (sums[b] as number) / (counts[b] as number);
      series[name] = { min, avg, max };
    }
    return { from, to, stepMillis: step, resolutionMillis: tier.stepMillis, timestamps, series };
  }

  /** The coarsest tier whose step fits `wanted` among those reaching back to `from`, else the finest that does. */
  #choose(from: number, wanted: number): Tier {
    const covering = this.#tiers.filter(
      (t) => t.holdsAll || t.oldestMillis <= from || t === this.#tiers.at(-1),
    );
    const fitting = covering.filter((t) => t.stepMillis <= wanted);
    return (fitting.at(-1) ?? covering[0]) as Tier;
  }

  #indexOf(name: string): number | undefined {
    const known = this.#index.get(name);
    if (known !== undefined) return known;
    if (this.#names.length >= this.#maxSeries) {
      this.#dropped++;
      return undefined;
    }
    this.#index.set(name, this.#names.length);
    this.#names.push(name);
    return this.#names.length - 1;
  }

  #finest(samplingMillis: number): Tier {
    // Under a second per step would make the hour ring big for no chart anyone reads.
    const step = Math.max(1000, Math.round(samplingMillis));
    return new Tier(step, Math.ceil(HOUR_MILLIS / step), this.#maxSeries);
  }

  #coarse(): Tier[] {
    return COARSE_TIERS.map(({ stepMillis, spanMillis }) => {
      const span = Number.isNaN(spanMillis) ? this.#retentionDays * DAY_MILLIS : spanMillis;
      return new Tier(stepMillis, Math.max(1, Math.ceil(span / stepMillis)), this.#maxSeries);
    });
  }
}

function selected(name: string, patterns: readonly string[] | undefined): boolean {
  if (!patterns) return true;
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
}
