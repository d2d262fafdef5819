/**
 * The main-thread side of the worker metrics bridge: merges the batches
 * workers ship with their chunk answers into the service's own instruments
 * (the processor's MeterProvider), created with the worker's meter name,
 * version, schema URL, instrument name, kind, unit, description and advice —
 * so the SDK sees one instrument and exports one series per attribute set,
 * whichever thread recorded. Recording goes through `@opentelemetry/api`
 * only, so the SDK's own rules apply as for any other instrument: a name
 * registered again with another kind or unit is reported once through the
 * diag logger, cardinality limits cap the attribute sets.
 *
 * A batch carries each cell's totals since its worker started; what grew since the batch merged
 * last is summed per instrument and attribute set first (`bridge-accumulator.ts`), then:
 * - counters, up-down counters: `add(sum)` per attribute set and flush;
 * - gauges: `record(last value)`;
 * - histograms: each bucket's recordings are replayed so that every bucket
 *   count, the count, the sum (to rounding), the min and the max are the
 *   workers' (see {@link replayHistogram});
 * - observables: an observable of the same kind on the main thread reports
 *   the totals (counters: each worker's growth, summed over workers) or the
 *   last values (gauges).
 */
import {
  type Attributes,
  type Counter,
  diag,
  type Gauge,
  type Histogram,
  type MeterProvider,
  type Observable,
  type ObservableCallback,
  type UpDownCounter,
} from '@opentelemetry/api';
import {
  BatchAccumulator,
  type KnownCell,
  newSinceMerged,
  replayHistogram,
  resolveCell,
} from './bridge-accumulator.js';
import {
  type BridgedDescriptor,
  type BridgedPoint,
  batchEpoch,
  type MetricsBatch,
  SDK_DEFAULT_BOUNDARIES,
  sessionOf,
} from './bridge-protocol.js';

/** How long a received batch waits for others before they are merged together. */
const MERGE_DELAY_MILLIS = 10;
/** Distinct warnings the merger logs (worker diag messages, merge failures) before it stops logging new ones. */
const MAX_WARNINGS = 200;
/**
 * Workers whose instrument tables are kept (least recently heard from dropped first): a backstop, as
 * a pool retires the sessions of its exited workers (see {@link WorkerMetricsMerger.retire}).
 */
const MAX_SESSIONS = 1024;
/** Retired sessions remembered, so a late batch of one is dropped rather than merged from zero again. */
const MAX_RETIRED = 4096;

type Target =
  | { readonly kind: 'sum'; readonly instrument: Counter | UpDownCounter }
  | { readonly kind: 'gauge'; readonly instrument: Gauge }
  | { readonly kind: 'histogram'; readonly instrument: Histogram; readonly boundaries: readonly number[] }
  | {
      readonly kind: 'observable';
      readonly gauge: boolean;
      readonly values: Map<string, { readonly a: Attributes; v: number }>;
      readonly instrument: Observable;
      readonly callback: ObservableCallback;
    };

/** One worker instrument: where it merges, and the worker's cells as announced so far. */
interface SessionInstrument {
  readonly target: Target;
  readonly cells: (KnownCell | undefined)[];
}

/** Merges worker batches into the instruments of one MeterProvider. */
export class WorkerMetricsMerger {
  readonly #provider: MeterProvider;
  readonly #targets = new Map<string, Target>();
  /** Per worker session: its instrument ids → targets and the cells the worker announced. */
  readonly #sessions = new Map<number, (SessionInstrument | undefined)[]>();
  readonly #warned = new Set<string>();
  /** Per pool (its lane), the session each of its workers reported: sessions retire with their worker. */
  readonly #workers = new Map<object, Map<number, number>>();
  /** Sessions of exited workers, oldest first: their batches are no longer merged. */
  readonly #retired = new Set<number>();
  /** Batches received and not merged yet, the newest per worker session and epoch (see {@link enqueue}). */
  #pending = new Map<string, string>();
  #flushScheduled = false;
  readonly #flushSoon = (): void => this.flush();

  constructor(provider: MeterProvider) {
    this.#provider = provider;
  }

  /**
   * Takes one worker's batch and merges it with those that arrive in the next
   * {@link MERGE_DELAY_MILLIS}: off the critical path of the chunk answer that carried it (the
   * worker's next chunk goes out first), and summed with its neighbours so a busy pool reaches the
   * SDK once per attribute set and flush rather than once per chunk. A job's end calls
   * {@link flush}, so a map() still resolves with its measurements in.
   */
  enqueue(text: string, from?: { readonly pool: object; readonly worker: number }): void {
    // A newer batch of the same epoch holds everything an older one does (see `MetricsBatch`).
    const epoch = batchEpoch(text);
    this.#pending.set(epoch, text);
    if (from !== undefined) {
      let workers = this.#workers.get(from.pool);
      if (workers === undefined) {
        workers = new Map();
        this.#workers.set(from.pool, workers);
      }
      if (!workers.has(from.worker)) workers.set(from.worker, sessionOf(epoch));
    }
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(this.#flushSoon, MERGE_DELAY_MILLIS);
  }

  /** Merges every batch received so far. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.size === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    const accumulator = new BatchAccumulator<Target>();
    for (const text of pending.values()) this.#accumulate(text, accumulator);
    this.#apply(accumulator);
  }

  /**
   * Merges one worker's batch (the JSON text of a {@link MetricsBatch}) now, with any received before it.
   * Never throws: a failure is reported once through the diag logger.
   */
  merge(text: string): void {
    this.#pending.set(batchEpoch(text), text);
    this.flush();
  }

  #accumulate(text: string, accumulator: BatchAccumulator<Target>): void {
    let batch: MetricsBatch;
    const epoch = batchEpoch(text);
    const session = sessionOf(epoch);
    if (this.#retired.has(session)) return;
    try {
      if (!(epoch.length < text.length && Number.isSafeInteger(session)))
        throw new SyntaxError('no "<session>/<epoch> " header');
      batch = JSON.parse(text.slice(epoch.length + 1)) as MetricsBatch;
    } catch (error) {
      this.#warn(`aiva-performance: a pool worker sent unreadable metrics: ${String(error)}`);
      return;
    }
    let table = this.#sessions.get(session);
    if (table === undefined) {
      table = [];
      if (this.#sessions.size >= MAX_SESSIONS)
        this.#sessions.delete(this.#sessions.keys().next().value as number);
    } else this.#sessions.delete(session); // re-inserted below: most recently heard from last
    this.#sessions.set(session, table);
    if (batch.d !== undefined) {
      for (const [id, key] of batch.d) {
        if (table[id] !== undefined) continue; // repeated by every batch of its epoch
        try {
          table[id] = { target: this.#target(key), cells: [] };
        } catch (error) {
          this.#warn(`aiva-performance: re-creating a worker instrument (${key}) failed: ${String(error)}`);
        }
      }
    }
    for (const [id, points] of batch.m) {
      const instrument = table[id];
      if (instrument === undefined) continue; // its descriptor failed above (reported there)
      const { target, cells } = instrument;
      switch (target.kind) {
        case 'sum':
        case 'gauge':
          accumulator.addValues(target, cells, points, target.kind === 'gauge');
          break;
        case 'histogram':
          accumulator.addHistogram(target, target.boundaries, cells, points);
          break;
        case 'observable':
          this.#observed(target, cells, points);
      }
    }
    if (batch.w !== undefined) for (const message of batch.w) this.#warn(`pool worker: ${message}`);
  }

  /** Observable counters add what a worker's total grew by; observable gauges take a value newly set. */
  #observed(
    target: Extract<Target, { kind: 'observable' }>,
    cells: (KnownCell | undefined)[],
    points: readonly BridgedPoint[],
  ): void {
    for (const point of points) {
      const cell = resolveCell(cells, point[0]);
      if (cell === undefined) continue;
      const v = newSinceMerged(cell, point, target.gauge);
      if (v === undefined) continue;
      const entry = target.values.get(cell.key);
      if (entry === undefined) target.values.set(cell.key, { a: cell.a, v });
      else entry.v = target.gauge ? v : entry.v + v;
    }
  }

  #apply(accumulator: BatchAccumulator<Target>): void {
    for (const [target, cells] of accumulator.values) {
      try {
        if (target.kind === 'sum') for (const { a, v } of cells.values()) target.instrument.add(v, a);
        else if (target.kind === 'gauge')
          for (const { a, v } of cells.values()) target.instrument.record(v, a);
      } catch (error) {
        this.#warn(`aiva-performance: merging a worker metric failed: ${String(error)}`);
      }
    }
    for (const [target, { boundaries, cells }] of accumulator.buckets) {
      if (target.kind !== 'histogram') continue;
      try {
        for (const cell of cells.values()) replayHistogram(target.instrument, boundaries, cell);
      } catch (error) {
        this.#warn(`aiva-performance: merging a worker metric failed: ${String(error)}`);
      }
    }
  }

  /**
   * Forgets the workers of `pool` that are not in `live` (thread ids or pids), after merging what they
   * sent: what the merger keeps then follows the live workers, however many a pool replaces over time.
   * A batch that still arrives from a retired worker is dropped, never merged from zero again.
   */
  retire(pool: object, live: ReadonlySet<number>): void {
    const workers = this.#workers.get(pool);
    if (workers === undefined) return;
    let flushed = false;
    for (const [worker, session] of workers) {
      if (live.has(worker)) continue;
      if (!flushed) {
        this.flush();
        flushed = true;
      }
      workers.delete(worker);
      this.#sessions.delete(session);
      this.#retired.add(session);
      if (this.#retired.size > MAX_RETIRED)
        this.#retired.delete(this.#retired.values().next().value as number);
    }
  }

  /** Worker sessions whose instrument tables are kept. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** Detaches the observable callbacks (their last values stop being reported). */
  close(): void {
    this.flush();
    for (const target of this.#targets.values()) {
      if (target.kind === 'observable') target.instrument.removeCallback(target.callback);
    }
    this.#targets.clear();
    this.#sessions.clear();
    this.#workers.clear();
  }

  #target(key: string): Target {
    let target = this.#targets.get(key);
    if (target !== undefined) return target;
    const [scopeName, version, schemaUrl, kind, name, options, boundaries] = JSON.parse(
      key,
    ) as BridgedDescriptor;
    const meter = this.#provider.getMeter(
      scopeName,
      version ?? undefined,
      schemaUrl === null ? undefined : { schemaUrl },
    );
    switch (kind) {
      case 'counter':
        target = { kind: 'sum', instrument: meter.createCounter(name, options) };
        break;
      case 'upDownCounter':
        target = { kind: 'sum', instrument: meter.createUpDownCounter(name, options) };
        break;
      case 'gauge':
        target = { kind: 'gauge', instrument: meter.createGauge(name, options) };
        break;
      case 'histogram':
        target = {
          kind: 'histogram',
          instrument: meter.createHistogram(name, options),
          boundaries: boundaries ?? SDK_DEFAULT_BOUNDARIES,
        };
        break;
      default: {
        const instrument =
          kind === 'observableCounter'
            ? meter.createObservableCounter(name, options)
            : kind === 'observableUpDownCounter'
              ? meter.createObservableUpDownCounter(name, options)
              : meter.createObservableGauge(name, options);
        const values = new Map<string, { readonly a: Attributes; v: number }>();
        const callback: ObservableCallback = (result) => {
          for (const entry of values.values()) result.observe(entry.v, entry.a);
        };
        instrument.addCallback(callback);
        target = { kind: 'observable', gauge: kind === 'observableGauge', values, instrument, callback };
      }
    }
    this.#targets.set(key, target);
    return target;
  }

  #warn(message: string): void {
    if (this.#warned.has(message) || this.#warned.size >= MAX_WARNINGS) return;
    this.#warned.add(message);
    diag.warn(message);
  }
}
