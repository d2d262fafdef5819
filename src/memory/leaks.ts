import type { LeakDetectionLevel } from './options.js';
import type { LeakReport, MemoryKind } from './types.js';

/** What the tracker keeps per tracked allocation (never the allocation itself). */
export interface TrackRecord {
  id: number;
  label: string;
  kind: MemoryKind;
  kindIndex: number;
  reserved: number;
  createdAt: number;
  /** Holder of a captured stack; V8 formats it only when read. */
  site: { stack?: string };
}

const MAX_GC_REPORTS = 1000;
const SCRATCH = 3;

function stackOf(site: { stack?: string }): string | undefined {
  const s = site.stack;
  if (typeof s !== 'string') return undefined;
  const nl = s.indexOf('\n');
  return nl < 0 ? s : s.slice(nl + 1);
}

/**
 * Netty-style leak detection: a FinalizationRegistry reports tracked
 * allocations that were garbage-collected without release (the manager then
 * reclaims their bytes), and tracked `scratch` allocations older than
 * `leakAgeMillis` are suspected. Tracking captures the allocate() stack.
 * FinalizationRegistry callbacks may come late or never: nothing depends on them
 * for correctness.
 */
export class LeakTracker {
  readonly #level: LeakDetectionLevel;
  readonly #sampleInterval: number;
  readonly #ageMs: number;
  readonly #live = new Map<number, TrackRecord>();
  readonly #registry: FinalizationRegistry<TrackRecord>;
  readonly #onCollected: (rec: TrackRecord, report: LeakReport) => void;
  readonly #reports: LeakReport[] = [];
  #counter = 0;
  #gcLeaks = 0;
  #closed = false;

  constructor(
    level: LeakDetectionLevel,
    sampleInterval: number,
    ageMs: number,
    onCollected: (rec: TrackRecord, report: LeakReport) => void,
  ) {
    this.#level = level;
    this.#sampleInterval = sampleInterval;
    this.#ageMs = ageMs;
    this.#onCollected = onCollected;
    this.#registry = new FinalizationRegistry((rec) => this.#collected(rec));
  }

  /** Leaks reported by garbage collection so far. */
  get gcLeaks(): number {
    return this.#gcLeaks;
  }

  /** A record when this allocation is to be tracked, else undefined. Cheap when not tracking. */
  maybeTrack(
    id: number,
    label: string,
    kind: MemoryKind,
    kindIndex: number,
    reserved: number,
    // biome-ignore lint/complexity/noBannedTypes: captureStackTrace takes any function
    caller: Function,
  ): TrackRecord | undefined {
    if (this.#level === 'off') return undefined;
    if (this.#level === 'sampled' && ++this.#counter % this.#sampleInterval !== 0) return undefined;
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, caller);
    const rec: TrackRecord = { id, label, kind, kindIndex, reserved, createdAt: Date.now(), site };
    this.#live.set(id, rec);
    return rec;
  }

  /** Watches `target` (the allocation) for collection. */
  watch(target: object, rec: TrackRecord): void {
    this.#registry.register(target, rec, rec);
  }

  /** The allocation was released: stop tracking it. */
  untrack(rec: TrackRecord): void {
    this.#live.delete(rec.id);
    this.#registry.unregister(rec);
  }

  #collected(rec: TrackRecord): void {
    if (this.#closed || !this.#live.delete(rec.id)) return;
    this.#gcLeaks++;
    const report: LeakReport = {
      id: rec.id,
      label: rec.label,
      kind: rec.kind,
      bytes: rec.reserved,
      ageMs: Date.now() - rec.createdAt,
      reason: 'gc',
    };
    const stack = stackOf(rec.site);
    if (stack !== undefined) report.stack = stack;
    if (this.#reports.length >= MAX_GC_REPORTS) this.#reports.shift();
    this.#reports.push(report);
    this.#onCollected(rec, report);
  }

  /** Tracked scratch allocations older than the age limit. */
  #aged(now: number): TrackRecord[] {
    if (this.#ageMs === 0) return [];
    const out: TrackRecord[] = [];
    for (const rec of this.#live.values()) {
      if (rec.kindIndex === SCRATCH && now - rec.createdAt > this.#ageMs) out.push(rec);
    }
    return out;
  }

  /** Suspected leaks: the last (≤ 1000) reported by GC, then live allocations over the age limit. */
  findLeaks(now = Date.now()): LeakReport[] {
    const out = this.#reports.map((r) => ({ ...r }));
    for (const rec of this.#aged(now)) {
      const report: LeakReport = {
        id: rec.id,
        label: rec.label,
        kind: rec.kind,
        bytes: rec.reserved,
        ageMs: now - rec.createdAt,
        reason: 'age',
      };
      const stack = stackOf(rec.site);
      if (stack !== undefined) report.stack = stack;
      out.push(report);
    }
    return out;
  }

  /** GC-reported leaks plus live allocations over the age limit. */
  suspected(now = Date.now()): number {
    return this.#gcLeaks + this.#aged(now).length;
  }

  close(): void {
    this.#closed = true;
    for (const rec of this.#live.values()) this.#registry.unregister(rec);
    this.#live.clear();
  }
}
