import type { MetricSnapshot, Sample, Series } from '../core/query.js';
import { samplesOf } from '../core/query.js';

/** Samples kept per range; the baseline is accurate to `rangeMillis / RESOLUTION`. */
const RESOLUTION = 10;

interface Entry {
  readonly timeMs: number;
  readonly samples: Map<string, Sample>;
}

/**
 * Per-rule memory of past samples, so `rate` and `pNN` cover a range
 * (`rangeMillis`, like PromQL's `[5m]`) rather than only the last interval.
 * The baseline is the newest sample at least `rangeMillis` old, else the
 * oldest kept; with none yet, callers count from the series' start time.
 * A sample is kept at most every `rangeMillis / 10`, so memory is bounded
 * (≤ 11 samples per selection) and the range is accurate to a tenth.
 */
export class RangeMemory {
  private readonly slots = new Map<string, Entry[]>();

  constructor(private readonly rangeMillis: number) {}

  baseline(slot: string, nowMs: number): Map<string, Sample> | undefined {
    const entries = this.slots.get(slot);
    if (!entries || entries.length === 0) return undefined;
    const cutoff = nowMs - this.rangeMillis;
    let chosen = entries[0] as Entry;
    for (const e of entries) {
      if (e.timeMs <= cutoff) chosen = e;
      else break;
    }
    return chosen.samples;
  }

  record(slot: string, nowMs: number, series: readonly Series[]): void {
    let entries = this.slots.get(slot);
    if (!entries) {
      entries = [];
      this.slots.set(slot, entries);
    }
    // keep at most ~RESOLUTION samples per range: memory stays bounded whatever the interval
    const last = entries[entries.length - 1];
    if (last && nowMs - last.timeMs < this.rangeMillis / RESOLUTION) return;
    entries.push({ timeMs: nowMs, samples: samplesOf(series) });
    const cutoff = nowMs - this.rangeMillis;
    // keep the newest entry at or before the cutoff, drop everything older
    let firstKept = 0;
    for (let i = 0; i < entries.length; i++) if ((entries[i] as Entry).timeMs <= cutoff) firstKept = i;
    if (firstKept > 0) entries.splice(0, firstKept);
  }
}

/** What a value function gets: the snapshot, the engine's clock and the rule's range memory. */
export interface EvalContext {
  readonly snap: MetricSnapshot;
  readonly nowMs: number;
  readonly memory: RangeMemory;
}
