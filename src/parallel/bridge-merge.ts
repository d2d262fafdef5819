/**
 * The main-thread side of the worker metrics bridge: merges what workers
 * commit with their chunk answers into the service's own instruments (the
 * processor's MeterProvider), created with the worker's meter name, version,
 * schema URL, instrument name, kind, unit, description and advice — so the
 * SDK sees one instrument and exports one series per attribute set, whichever
 * thread recorded. Recording goes through `@opentelemetry/api` only, so the
 * SDK's own rules apply as for any other instrument: a name registered again
 * with another kind or unit is reported once through the diag logger,
 * cardinality limits cap the attribute sets.
 *
 * A commit is records (`bridge-ring.ts`) — each changed cell's totals since its worker started — read
 * from the worker's shared ring up to the position its answer stamped (thread mode) or carried by the
 * answer itself (process mode), plus, when the worker shipped an instrument or attribute set for the
 * first time, a short text naming it. What grew since the last merge is summed per instrument and
 * attribute set first (`bridge-accumulator.ts`), then:
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
  learnCell,
  newSinceMerged,
  replayHistogram,
} from './bridge-accumulator.js';
import { type CommitText, sessionOf } from './bridge-protocol.js';
import { type RecordValues, RingReader, readInline } from './bridge-ring.js';
import { createTarget, type Target } from './bridge-targets.js';

/** How long received records wait for others before they are merged together. */
const MERGE_DELAY_MILLIS = 10;
/** Distinct warnings the merger logs (worker diag messages, merge failures) before it stops logging new ones. */
const MAX_WARNINGS = 200;
/**
 * Workers whose instrument tables are kept (least recently heard from dropped first): a backstop, as
 * a pool retires the sessions of its exited workers (see {@link WorkerMetricsMerger.retire}).
 */
const MAX_SESSIONS = 1024;
/** Retired sessions remembered, so a late commit of one is dropped rather than merged from zero again. */
const MAX_RETIRED = 4096;

/** One worker instrument: where it merges, and the worker's cells as announced so far. */
interface SessionInstrument {
  readonly target: Target;
  readonly cells: (KnownCell | undefined)[];
}

/**
 * A worker's records (see `bridge-ring.ts`): its ring (thread mode) or the records its answers carried
 * (process mode), and the visitor that merges them.
 */
interface RecordSession {
  readonly reader: RingReader | undefined;
  /** Process mode: records received and not merged yet, in the order they arrived. */
  queued: (readonly number[])[];
  readonly visit: (instrument: number, cell: number, values: RecordValues) => void;
}

/** Process mode: answers' records queued per worker before they are merged without waiting for the flush. */
const MAX_QUEUED_RECORDS = 1024;

/** Merges worker commits into the instruments of one MeterProvider. */
export class WorkerMetricsMerger {
  readonly #provider: MeterProvider;
  readonly #targets = new Map<string, Target>();
  /** Per worker session: its instrument ids → targets and the cells the worker announced. */
  readonly #sessions = new Map<number, (SessionInstrument | undefined)[]>();
  readonly #warned = new Set<string>();
  /** Per pool (its lane), the session each of its workers reported: sessions retire with their worker. */
  readonly #workers = new Map<object, Map<number, number>>();
  /** Sessions of exited workers, oldest first: their commits are no longer merged. */
  readonly #retired = new Set<number>();
  /** Workers' rings (thread mode) or queued records (process mode), per session. */
  readonly #records = new Map<number, RecordSession>();
  /** What records brought since the last flush. */
  #accumulator = new BatchAccumulator<Target>();
  #flushScheduled = false;
  readonly #flushSoon = (): void => this.flush();

  constructor(provider: MeterProvider) {
    this.#provider = provider;
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
   * the text of a `CommitText` when the commit had one, and the ring itself in the worker's first
   * answer that recorded. Records up to `position` are merged with the next flush (or now, when the
   * ring fills up), so a `map` resolves with its measurements in (a job's end flushes) and the answer's
   * next chunk goes out first.
   */
  received(
    pool: object,
    worker: number,
    position: number,
    text: string | undefined,
    ring: SharedArrayBuffer | undefined,
  ): void {
    const entry = this.#recordSession(pool, worker, text, ring);
    if (entry?.reader === undefined) return;
    entry.reader.answered(position);
    if (text !== undefined) this.#commitText(entry, text);
    if (entry.reader.unread > entry.reader.capacity / 4) entry.reader.read(entry.visit);
    this.#scheduleFlush();
  }

  /**
   * A process-mode answer: the records of what its worker recorded since its previous answer (see
   * `WorkerMeterProvider.commitRecords`), with the text of a `CommitText` when it announced
   * instruments or cells. Merged with the next flush.
   */
  receivedRecords(pool: object, worker: number, records: readonly number[], text: string | undefined): void {
    const entry = this.#recordSession(pool, worker, text, undefined);
    if (entry === undefined) return;
    if (text !== undefined) this.#commitText(entry, text);
    entry.queued.push(records);
    if (entry.queued.length >= MAX_QUEUED_RECORDS) this.#readQueued(entry);
    this.#scheduleFlush();
  }

  /** The records of a pool's worker; its first answer's text names its session (and opens it). */
  #recordSession(
    pool: object,
    worker: number,
    text: string | undefined,
    ring: SharedArrayBuffer | undefined,
  ): RecordSession | undefined {
    let session = this.#workers.get(pool)?.get(worker);
    if (text !== undefined) {
      session = sessionOf(text);
      if (!Number.isSafeInteger(session)) {
        this.#warn('aiva-performance: a pool worker sent unreadable metrics: no "<session> " header');
        return undefined;
      }
      this.#remember(pool, worker, session);
      if (!this.#records.has(session) && !this.#retired.has(session)) this.#openSession(session, ring);
    }
    return session === undefined ? undefined : this.#records.get(session);
  }

  #readQueued(entry: RecordSession): void {
    const { queued, visit } = entry;
    entry.queued = [];
    for (const records of queued) readInline(records, visit);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(this.#flushSoon, MERGE_DELAY_MILLIS);
  }

  /** Merges every commit received so far. */
  flush(): void {
    this.#flushScheduled = false;
    const accumulator = this.#accumulator;
    for (const entry of this.#records.values()) {
      if (entry.reader !== undefined && entry.reader.unread > 0) entry.reader.read(entry.visit);
      if (entry.queued.length > 0) this.#readQueued(entry);
    }
    this.#accumulator = new BatchAccumulator<Target>();
    this.#apply(accumulator);
  }

  #openSession(session: number, buffer: SharedArrayBuffer | undefined): void {
    let reader: RingReader | undefined;
    try {
      reader = buffer === undefined ? undefined : new RingReader(buffer);
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
          this.#accumulator.addValue(target, cell, values.at(0), 0, false);
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
    this.#records.set(session, { reader, queued: [], visit });
  }

  /** Learns a commit's new instruments and cells and logs its warnings; merges inline records. */
  #commitText(entry: RecordSession, text: string): void {
    let commit: CommitText;
    const session = sessionOf(text);
    try {
      const space = text.indexOf(' ');
      if (!(space > 0)) throw new SyntaxError('no "<session> " header');
      commit = JSON.parse(text.slice(space + 1)) as CommitText;
    } catch (error) {
      this.#warn(`aiva-performance: a pool worker sent unreadable metrics: ${String(error)}`);
      return;
    }
    const table = this.#table(session);
    if (commit.d !== undefined) this.#describe(table, commit.d);
    if (commit.c !== undefined) {
      for (const [id, cell] of commit.c) {
        const instrument = table[id];
        if (instrument !== undefined) learnCell(instrument.cells, cell);
      }
    }
    if (commit.w !== undefined) for (const message of commit.w) this.#warn(`pool worker: ${message}`);
    if (commit.r !== undefined) {
      // the ring had no room for this commit: what it holds comes first
      entry.reader?.read(entry.visit);
      readInline(commit.r, entry.visit);
    }
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
    this.#records.delete(session);
  }

  #describe(
    table: (SessionInstrument | undefined)[],
    descriptors: readonly (readonly [id: number, descriptor: string])[],
  ): void {
    for (const [id, key] of descriptors) {
      if (table[id] !== undefined) continue; // shipped once per worker: a repeat changes nothing
      try {
        table[id] = { target: this.#target(key), cells: [] };
      } catch (error) {
        this.#warn(`aiva-performance: re-creating a worker instrument (${key}) failed: ${String(error)}`);
      }
    }
  }

  /** Observable counters add what a worker's total grew by; observable gauges take a value newly set. */
  #observedCell(
    target: Extract<Target, { kind: 'observable' }>,
    cell: KnownCell,
    total: number,
    times: number,
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
   * A commit that still arrives from a retired worker is dropped, never merged from zero again.
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
    this.#records.clear();
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
