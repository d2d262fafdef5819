import type {
  Attributes,
  BatchObservableResult,
  Histogram,
  Meter,
  MeterProvider,
  ObservableCounter,
  ObservableGauge,
} from '@opentelemetry/api';
import { cardinalityLimitOf, distinctValuesWithin } from '../core/bounded-attributes.js';
import { COUNT_BUCKETS, DURATION_SECONDS_BUCKETS } from '../core/buckets.js';
import { boundHistogram, type RecordValue } from '../core/local-histogram.js';
import type { ProcessorMode } from './options.js';

export const PARALLEL_METER_NAME = 'aiva-performance/parallel';

/** How an item ended; the same closed set as the SDK's task metrics. */
export type TaskOutcome = 'ok' | 'error' | 'timeout' | 'cancelled';
const OUTCOMES: readonly TaskOutcome[] = ['ok', 'error', 'timeout', 'cancelled'];

/** Per (mode, task) counters and pre-built attribute objects; the hot path only increments numbers. */
export interface TaskMetrics {
  readonly counts: Record<TaskOutcome, number>;
  readonly byOutcome: Readonly<Record<TaskOutcome, Attributes>>;
  readonly base: Attributes;
  /** Per-dispatch recorders, bound once per (mode, task, outcome): the hot path hashes nothing. */
  readonly durationByOutcome: Readonly<Record<TaskOutcome, RecordValue>>;
  readonly wait: RecordValue;
}

/** What the gauges observe from one mode's lane. */
export interface LaneSnapshot {
  readonly mode: ProcessorMode;
  readonly queued: number;
  readonly busy: number;
  readonly workers: number;
  readonly utilization: number;
  /** Items running or handed to workers. */
  readonly inFlight: number;
  /** Items one worker runs at once (async mode: the running calls' limits, summed). */
  readonly concurrency: number;
}

interface LaneAttributes {
  readonly base: Attributes;
  readonly busy: Attributes;
  readonly idle: Attributes;
}

/**
 * The processor's instruments. Item counts are kept as plain numbers and
 * reported by an observable counter (a synchronous `add` per item costs
 * microseconds of attribute hashing); histograms record once per dispatch.
 */
export class PoolMetrics {
  readonly #meter: Meter;
  readonly #pool: string;
  readonly #tasks = new Map<string, TaskMetrics>();
  readonly #lanes = new Map<ProcessorMode, LaneAttributes>();
  readonly #taskCounter: ObservableCounter;
  readonly #queue: ObservableGauge;
  readonly #workers: ObservableGauge;
  readonly #utilization: ObservableGauge;
  readonly #inFlight: ObservableGauge;
  readonly #concurrency: ObservableGauge;
  readonly #duration: (attributes: Attributes) => RecordValue;
  readonly #wait: (attributes: Attributes) => RecordValue;
  /**
   * (mode, task) pairs with their own series: as many as fit the provider's cardinality limit with one
   * attribute set per outcome (core/bounded-attributes.ts); later pairs share one overflow entry.
   */
  readonly #maxTasks: number;
  /** The task entry shared by (mode, task) pairs past {@link PoolMetrics.#maxTasks}, per mode. */
  readonly #overflow = new Map<ProcessorMode, TaskMetrics>();
  readonly #mapDuration: Histogram;
  readonly #mapItems: Histogram;
  readonly #observe: (result: BatchObservableResult) => void;
  #closed = false;

  constructor(meterProvider: MeterProvider, pool: string, snapshot: () => readonly LaneSnapshot[]) {
    this.#pool = pool;
    this.#maxTasks = distinctValuesWithin(cardinalityLimitOf(meterProvider), OUTCOMES.length);
    this.#meter = meterProvider.getMeter(PARALLEL_METER_NAME);
    const m = this.#meter;
    this.#taskCounter = m.createObservableCounter('aiva.pool.tasks', {
      description: 'Items processed by the pool, by task and outcome.',
      unit: '{task}',
    });
    this.#duration = boundHistogram(meterProvider, PARALLEL_METER_NAME, 'aiva.pool.task.duration', {
      description:
        'Time per item spent in the task function, measured in the worker (one record per dispatch).',
      unit: 's',
      boundaries: DURATION_SECONDS_BUCKETS,
    });
    this.#wait = boundHistogram(meterProvider, PARALLEL_METER_NAME, 'aiva.pool.task.wait', {
      description: 'Time from queueing to the start of work in the worker (one record per dispatch).',
      unit: 's',
      boundaries: DURATION_SECONDS_BUCKETS,
    });
    this.#mapDuration = m.createHistogram('aiva.pool.map.duration', {
      description: 'Wall time of map, run and mapStream calls.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_SECONDS_BUCKETS] },
    });
    this.#mapItems = m.createHistogram('aiva.pool.map.items', {
      description: 'Items per map, run and mapStream call.',
      unit: '{item}',
      advice: { explicitBucketBoundaries: [...COUNT_BUCKETS] },
    });
    this.#queue = m.createObservableGauge('aiva.pool.queue.size', {
      description: 'Items waiting for a worker.',
      unit: '{item}',
    });
    this.#workers = m.createObservableGauge('aiva.pool.workers', {
      description: 'Live workers by state (busy or idle).',
      unit: '{worker}',
    });
    this.#utilization = m.createObservableGauge('aiva.pool.utilization', {
      description: 'Busy share of the worker capacity over the last 1-2 seconds (0..1).',
      unit: '1',
    });
    this.#inFlight = m.createObservableGauge('aiva.pool.in_flight', {
      description: 'Items running or handed to workers.',
      unit: '{item}',
    });
    this.#concurrency = m.createObservableGauge('aiva.pool.concurrency', {
      description:
        "Items one worker runs at once (the figure concurrency: 'auto' adapts); mode async: the running calls' limits.",
      unit: '{item}',
    });
    this.#observe = (result) => {
      for (const task of this.#allTasks()) {
        for (const outcome of OUTCOMES) {
          const count = task.counts[outcome];
          if (count > 0) result.observe(this.#taskCounter, count, task.byOutcome[outcome]);
        }
      }
      for (const lane of snapshot()) {
        const attributes = this.#laneAttributes(lane.mode);
        result.observe(this.#queue, lane.queued, attributes.base);
        result.observe(this.#inFlight, lane.inFlight, attributes.base);
        result.observe(this.#concurrency, lane.concurrency, attributes.base);
        if (lane.mode === 'async') continue; // no workers on the calling thread
        result.observe(this.#workers, lane.busy, attributes.busy);
        result.observe(this.#workers, Math.max(0, lane.workers - lane.busy), attributes.idle);
        result.observe(this.#utilization, lane.utilization, attributes.base);
      }
    };
    m.addBatchObservableCallback(this.#observe, [
      this.#taskCounter,
      this.#queue,
      this.#workers,
      this.#utilization,
      this.#inFlight,
      this.#concurrency,
    ]);
  }

  #laneAttributes(mode: ProcessorMode): LaneAttributes {
    let attributes = this.#lanes.get(mode);
    if (attributes === undefined) {
      const base = { 'aiva.pool.name': this.#pool, 'aiva.pool.mode': mode };
      attributes = Object.freeze({
        base: Object.freeze(base),
        busy: Object.freeze({ ...base, 'aiva.pool.worker.state': 'busy' }),
        idle: Object.freeze({ ...base, 'aiva.pool.worker.state': 'idle' }),
      });
      this.#lanes.set(mode, attributes);
    }
    return attributes;
  }

  /** The counters and attributes of one task in one mode (cached). */
  task(mode: ProcessorMode, taskName: string): TaskMetrics {
    const key = `${mode}\u0000${taskName}`;
    let task = this.#tasks.get(key);
    if (task === undefined && this.#tasks.size >= this.#maxTasks) {
      // Bound series are kept for good: past the cap, new names share one overflow entry per mode.
      task = this.#overflow.get(mode);
      if (task === undefined) {
        task = this.#newTask(mode, 'otel.metric.overflow');
        this.#overflow.set(mode, task);
      }
      return task;
    }
    if (task === undefined) {
      task = this.#newTask(mode, taskName);
      this.#tasks.set(key, task);
    }
    return task;
  }

  #newTask(mode: ProcessorMode, taskName: string): TaskMetrics {
    {
      const base = Object.freeze({
        'aiva.pool.name': this.#pool,
        'aiva.pool.mode': mode,
        'aiva.task.name': taskName,
      });
      const byOutcome = {} as Record<TaskOutcome, Attributes>;
      for (const outcome of OUTCOMES)
        byOutcome[outcome] = Object.freeze({ ...base, 'aiva.task.outcome': outcome });
      const durationByOutcome = {} as Record<TaskOutcome, RecordValue>;
      for (const outcome of OUTCOMES) durationByOutcome[outcome] = this.#duration(byOutcome[outcome]);
      return {
        counts: { ok: 0, error: 0, timeout: 0, cancelled: 0 },
        byOutcome: Object.freeze(byOutcome),
        base,
        durationByOutcome: Object.freeze(durationByOutcome),
        wait: this.#wait(base),
      };
    }
  }

  /** Item counters of every task, all modes. */
  allCounts(): IterableIterator<Readonly<Record<TaskOutcome, number>>> {
    return this.#allTasks()
      .map((task) => task.counts)
      .values();
  }

  #allTasks(): TaskMetrics[] {
    return [...this.#tasks.values(), ...this.#overflow.values()];
  }

  /** One dispatch came back: per-item time (mean over the chunk) and queue wait, in seconds. */
  recordDispatch(task: TaskMetrics, perItemSeconds: number, waitSeconds: number, outcome: TaskOutcome): void {
    if (this.#closed) return;
    task.durationByOutcome[outcome](perItemSeconds);
    task.wait(waitSeconds);
  }

  /** A map / run / stream call ended. */
  recordMap(task: TaskMetrics, seconds: number, items: number, outcome: TaskOutcome): void {
    if (this.#closed) return;
    this.#mapDuration.record(seconds, task.byOutcome[outcome]);
    this.#mapItems.record(items, task.byOutcome[outcome]);
  }

  /** Removes the observable callback; later records are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#meter.removeBatchObservableCallback(this.#observe, [
      this.#taskCounter,
      this.#queue,
      this.#workers,
      this.#utilization,
      this.#inFlight,
      this.#concurrency,
    ]);
  }
}
