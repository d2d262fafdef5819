import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  type Histogram,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api';
import { DURATION_SECONDS_BUCKETS } from '../core/buckets.js';

export const TASK_METER_NAME = 'aiva-performance/tasks';

/** How a unit of work ended; kept to a closed set so the outcome attribute stays low-cardinality. */
export type TaskOutcome = 'ok' | 'error' | 'timeout' | 'cancelled';
const OUTCOMES: readonly TaskOutcome[] = ['ok', 'error', 'timeout', 'cancelled'];

/** Ends a timer started by {@link startTimer}; returns the elapsed seconds. A second call records nothing. */
export type EndTimer = (outcome?: TaskOutcome) => number;

/** Names whose attribute objects are cached; past this, attributes are built per call (the SDK's cardinality limit still applies). */
const MAX_CACHED_TASK_NAMES = 1000;

interface TaskAttributes {
  readonly active: Attributes;
  readonly byOutcome: Readonly<Record<TaskOutcome, Attributes>>;
  /** Tasks of this name running now: a plain number read at collection, so a task pays one instrument call, not three. */
  running: number;
}

/** Queue-size callbacks, shared by every recorder so a queue registered before the SDK starts is still exported. */
const queues = new Map<string, () => number>();
/**
 * Unregistered queues. sdk-metrics keeps exporting the last value of an attribute set that a gauge
 * callback stops observing, so a removed queue would show its old size forever; it reports 0 instead.
 */
const retiredQueues = new Set<string>();
const MAX_RETIRED_QUEUES = 1000;

/** Task instruments bound to one MeterProvider. */
export class TaskRecorder {
  readonly #duration: Histogram;
  readonly #attributes = new Map<string, TaskAttributes>();

  constructor(meterProvider: MeterProvider) {
    const meter = meterProvider.getMeter(TASK_METER_NAME);
    this.#duration = meter.createHistogram('aiva.task.duration', {
      description: 'Processing time of tracked tasks, by task name and outcome.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_SECONDS_BUCKETS] },
    });
    meter
      .createObservableUpDownCounter('aiva.task.active', {
        description: 'Tracked tasks currently running.',
        unit: '{task}',
      })
      .addCallback((result) => {
        for (const attributes of this.#attributes.values())
          result.observe(attributes.running, attributes.active);
      });
    meter
      .createObservableGauge('aiva.task.queue.size', {
        description: 'Items waiting in each registered queue.',
        unit: '{item}',
      })
      .addCallback(observeQueues);
  }

  startTimer(name: string): EndTimer {
    const attributes = this.#attributesFor(name);
    const startedAt = performance.now();
    let elapsedSeconds = -1;
    attributes.running++;
    return (outcome: TaskOutcome = 'ok') => {
      if (elapsedSeconds >= 0) return elapsedSeconds;
      elapsedSeconds = (performance.now() - startedAt) / 1000;
      attributes.running--;
      this.#duration.record(elapsedSeconds, attributes.byOutcome[outcome] ?? attributes.byOutcome.error);
      return elapsedSeconds;
    };
  }

  trackTask<T>(name: string, fn: () => T): T {
    if (typeof fn !== 'function') throw new TypeError(`trackTask: fn must be a function, got ${typeof fn}`);
    const end = this.startTimer(name);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      end('error');
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          end('ok');
          return value;
        },
        (error: unknown) => {
          end('error');
          throw error;
        },
      ) as T;
    }
    end('ok');
    return result;
  }

  #attributesFor(name: string): TaskAttributes {
    const cached = this.#attributes.get(name);
    if (cached) return cached;
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(
        `task name must be a non-empty string, got ${typeof name === 'string' ? '""' : typeof name}`,
      );
    }
    const active = Object.freeze({ 'aiva.task.name': name });
    const byOutcome = {} as Record<TaskOutcome, Attributes>;
    for (const outcome of OUTCOMES) {
      byOutcome[outcome] = Object.freeze({ 'aiva.task.name': name, 'aiva.task.outcome': outcome });
    }
    const attributes: TaskAttributes = { active, byOutcome: Object.freeze(byOutcome), running: 0 };
    if (this.#attributes.size < MAX_CACHED_TASK_NAMES) this.#attributes.set(name, attributes);
    return attributes;
  }
}

function observeQueues(result: ObservableResult): void {
  for (const [name, size] of queues) {
    let value: number;
    try {
      value = size();
    } catch {
      continue; // a broken size callback must not hide the other queues
    }
    if (Number.isFinite(value)) result.observe(value, { 'aiva.queue.name': name });
  }
  for (const name of retiredQueues) result.observe(0, { 'aiva.queue.name': name });
}

/**
 * Exports `aiva.task.queue.size{aiva.queue.name}` from `size()`, read at each collection.
 * Returns a function that unregisters the queue.
 * @example const unregister = registerQueue('jobs', () => jobs.length);
 */
export function registerQueue(name: string, size: () => number): () => void {
  if (typeof name !== 'string' || name === '')
    throw new TypeError('registerQueue: name must be a non-empty string');
  if (typeof size !== 'function')
    throw new TypeError('registerQueue: size must be a function returning a number');
  if (queues.has(name)) throw new TypeError(`registerQueue: a queue named "${name}" is already registered`);
  queues.set(name, size);
  retiredQueues.delete(name);
  return () => {
    if (queues.get(name) !== size) return;
    queues.delete(name);
    if (retiredQueues.size < MAX_RETIRED_QUEUES) retiredQueues.add(name);
  };
}

const recorders = new WeakMap<MeterProvider, TaskRecorder>();

/** The recorder for a provider; the API has no proxy for metrics, so the global one is looked up on each call. */
export function taskRecorderFor(meterProvider: MeterProvider = metrics.getMeterProvider()): TaskRecorder {
  let recorder = recorders.get(meterProvider);
  if (!recorder) {
    recorder = new TaskRecorder(meterProvider);
    recorders.set(meterProvider, recorder);
  }
  return recorder;
}

/**
 * Runs `fn` (sync or async), recording `aiva.task.duration{aiva.task.name, aiva.task.outcome}` and
 * `aiva.task.active`. Errors are recorded as outcome `error` and rethrown; the return value is passed through.
 * @example const user = await trackTask('load_user', () => db.find(id));
 */
export function trackTask<T>(name: string, fn: () => T): T {
  return taskRecorderFor().trackTask(name, fn);
}

/**
 * Starts timing a unit of work; call the returned function with the outcome when it ends.
 * @example const end = startTimer('render'); try { render(); end(); } catch (e) { end('error'); throw e; }
 */
export function startTimer(name: string): EndTimer {
  return taskRecorderFor().startTimer(name);
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
