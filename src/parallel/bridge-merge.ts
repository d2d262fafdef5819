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
 * Thread-mode workers commit to a shared ring instead (`bridge-ring.ts`): the answer stamps a ring
 * position, and the records up to it are read at the next flush; the same cells, the same totals.
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
import { diag, type MeterProvider } from '@opentelemetry/api';
import {
  BatchAccumulator,
  type KnownCell,
  newSinceMerged,
  replayHistogram,
  resolveCell,
} from './bridge-accumulator.js';
import {
  type BridgedPoint,
  batchEpoch,
  type MetricsBatch,
  RING_EPOCH,
  type RingCommit,
  sessionOf,
} from './bridge-protocol.js';
import { type RecordValues, RingReader, readInline } from './bridge-ring.js';
import { createTarget, type Target } from './bridge-targets.js';

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

/** One worker instrument: where it merges, and the worker's cells as announced so far. */
interface SessionInstrument {
  readonly target: Target;
  readonly cells: (KnownCell | undefined)[];
}

/** A thread-mode worker: its ring and the visitor that merges its records (see `bridge-ring.ts`). */
interface RingSession {
  readonly reader: RingReader;
  readonly visit: (instrument: number, cell: number, values: RecordValues) => void;
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
  /** Thread-mode workers' rings, per session. */
  readonly #rings = new Map<number, RingSession>();
  /** What ring records brought since the last flush (applied with the text batches). */
  #accumulator = new BatchAccumulator<Target>();
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
    if (from !== undefined) this.#remember(from.pool, from.worker, sessionOf(epoch));
    this.#scheduleFlush();
  }

  /** The session a pool's worker reported first: it retires with that worker (see {@link retire}). */
  #remember(pool: object, worker: number, session: number): void {
    let workers = this.#workers.get(pool);
    if (workers === undefined) {
      workers = new Map();
      this.#workers.set(pool, workers);
    }
    if (!workers.has(worker)) workers.set(worker, session);
  }

  /**
   * A thread-mode answer (see `bridge-ring.ts`): the worker's ring `position` as the answer stamped it,
   * the text of a `RingCommit` when the commit had one, and the ring itself in the worker's first
   * answer that recorded. Records up to `position` are merged with the next flush (or now, when the
   * ring fills up).
   */
  received(
    pool: object,
    worker: number,
    position: number,
    text: string | undefined,
    ring: SharedArrayBuffer | undefined,
  ): void {
    let session = this.#workers.get(pool)?.get(worker);
    if (text !== undefined) {
      session = sessionOf(batchEpoch(text));
      this.#remember(pool, worker, session);
      if (ring !== undefined && Number.isSafeInteger(session) && !this.#retired.has(session))
        this.#openRing(session, ring);
    }
    if (session === undefined) return;
    const entry = this.#rings.get(session);
    if (entry === undefined) return;
    entry.reader.answered(position);
    if (text !== undefined) this.#ringCommit(session, entry, text);
    if (entry.reader.unread > entry.reader.capacity / 4) entry.reader.read(entry.visit);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(this.#flushSoon, MERGE_DELAY_MILLIS);
  }

  /** Merges every batch received so far. */
  flush(): void {
    this.#flushScheduled = false;
    const accumulator = this.#accumulator;
    for (const { reader, visit } of this.#rings.values()) if (reader.unread > 0) reader.read(visit);
    if (this.#pending.size > 0) {
      const pending = this.#pending;
      this.#pending = new Map();
      for (const text of pending.values()) this.#accumulate(text, accumulator);
    }
    this.#accumulator = new BatchAccumulator<Target>();
    this.#apply(accumulator);
  }

  #openRing(session: number, buffer: SharedArrayBuffer): void {
    let reader: RingReader;
    try {
      reader = new RingReader(buffer);
    } catch (error) {
      this.#warn(`aiva-performance: a pool worker sent an unreadable metrics ring: ${String(error)}`);
      return;
    }
    const table = this.#table(session);
    const visit = (id: number, index: number, values: RecordValues): void => {
      const instrument = table[id];
      const cell = instrument?.cells[index];
      if (instrument === undefined || cell === undefined) return;
      const { target } = instrument;
      switch (target.kind) {
        case 'sum':
          this.#accumulator.addValue(target, cell, values.at(0), undefined, false);
          break;
        case 'gauge':
          this.#accumulator.addValue(target, cell, values.at(0), values.at(1), true);
          break;
        case 'histogram':
          this.#accumulator.addBuckets(
            target,
            target.boundaries,
            cell,
            values,
            2,
            values.at(0),
            values.at(1),
          );
          break;
        case 'observable':
          this.#observedCell(target, cell, values.at(0), values.at(1));
      }
    };
    this.#rings.set(session, { reader, visit });
  }

  /** Learns a commit's new instruments and cells and logs its warnings; merges inline records. */
  #ringCommit(session: number, entry: RingSession, text: string): void {
    let commit: RingCommit;
    try {
      const header = `${session}/${RING_EPOCH} `;
      if (!text.startsWith(header)) throw new SyntaxError(`no "${header}" header`);
      commit = JSON.parse(text.slice(header.length)) as RingCommit;
    } catch (error) {
      this.#warn(`aiva-performance: a pool worker sent unreadable metrics: ${String(error)}`);
      return;
    }
    const table = this.#table(session);
    if (commit.d !== undefined) this.#describe(table, commit.d);
    if (commit.c !== undefined) {
      for (const [id, ref] of commit.c) {
        const instrument = table[id];
        if (instrument !== undefined) resolveCell(instrument.cells, ref);
      }
    }
    if (commit.w !== undefined) for (const message of commit.w) this.#warn(`pool worker: ${message}`);
    if (commit.r !== undefined) {
      // the ring had no room for this commit: what it holds comes first
      entry.reader.read(entry.visit);
      readInline(commit.r, entry.visit);
    }
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
    const table = this.#table(session);
    if (batch.d !== undefined) this.#describe(table, batch.d);
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

  /** A worker session's instrument table, most recently heard from last (the oldest is dropped past {@link MAX_SESSIONS}). */
  #table(session: number): (SessionInstrument | undefined)[] {
    let table = this.#sessions.get(session);
    if (table === undefined) {
      table = [];
      if (this.#sessions.size >= MAX_SESSIONS) this.#forget(this.#sessions.keys().next().value as number);
    } else this.#sessions.delete(session); // re-inserted below: most recently heard from last
    this.#sessions.set(session, table);
    return table;
  }

  #forget(session: number): void {
    this.#sessions.delete(session);
    this.#rings.delete(session);
  }

  #describe(
    table: (SessionInstrument | undefined)[],
    descriptors: readonly (readonly [id: number, descriptor: string])[],
  ): void {
    for (const [id, key] of descriptors) {
      if (table[id] !== undefined) continue; // repeated by every batch of its epoch
      try {
        table[id] = { target: this.#target(key), cells: [] };
      } catch (error) {
        this.#warn(`aiva-performance: re-creating a worker instrument (${key}) failed: ${String(error)}`);
      }
    }
  }

  /** Observable counters add what a worker's total grew by; observable gauges take a value newly set. */
  #observed(
    target: Extract<Target, { kind: 'observable' }>,
    cells: (KnownCell | undefined)[],
    points: readonly BridgedPoint[],
  ): void {
    for (const point of points) {
      const cell = resolveCell(cells, point[0]);
      if (cell !== undefined) this.#observedCell(target, cell, point[1], point[2]);
    }
  }

  #observedCell(
    target: Extract<Target, { kind: 'observable' }>,
    cell: KnownCell,
    total: unknown,
    times: unknown,
  ): void {
    const v = newSinceMerged(cell, total, times, target.gauge);
    if (v === undefined) return;
    const entry = target.values.get(cell.key);
    if (entry === undefined) target.values.set(cell.key, { a: cell.a, v });
    else entry.v = target.gauge ? v : entry.v + v;
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
      this.#forget(session);
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
    this.#rings.clear();
    this.#workers.clear();
  }

  #target(key: string): Target {
    let target = this.#targets.get(key);
    if (target === undefined) {
      target = createTarget(this.#provider, key);
      this.#targets.set(key, target);
    }
    return target;
  }

  #warn(message: string): void {
    if (this.#warned.has(message) || this.#warned.size >= MAX_WARNINGS) return;
    this.#warned.add(message);
    diag.warn(message);
  }
}
