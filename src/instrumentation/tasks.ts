import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  diag,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api';
import { DURATION_SECONDS_BUCKETS } from '../core/buckets.js';
import { boundHistogram, type RecordValue } from '../core/local-histogram.js';

export const TASK_METER_NAME = 'aiva-performance/tasks';

/** How a unit of work ended; kept to a closed set so the outcome attribute stays low-cardinality. */
export type TaskOutcome = 'ok' | 'error' | 'timeout' | 'cancelled';
const OUTCOMES: readonly TaskOutcome[] = ['ok', 'error', 'timeout', 'cancelled'];

/** Ends a timer started by {@link startTimer}; returns the elapsed seconds. A second call records nothing. */
export type EndTimer = (outcome?: TaskOutcome) => number;

/**
 * Distinct task names recorded per MeterProvider; later names share the {@link OVERFLOW_TASK_NAME} series
 * in both `aiva.task.duration` and `aiva.task.active`. 400 names × 4 outcomes (+ the two fallback names)
 * stay under the SDK's default cardinality limit of 2000, so the SDK never splits one task's series.
 */
export const MAX_TASK_NAMES = 400;
/** Longest accepted task or queue name; a longer one is almost always an id or a URL pasted into a name. */
export const MAX_NAME_LENGTH = 255;
/** `aiva.task.name` of every name past {@link MAX_TASK_NAMES}, after the OpenTelemetry overflow attribute. */
export const OVERFLOW_TASK_NAME = 'otel.metric.overflow';
/** Task or queue name recorded in place of an empty, non-string or too long one. */
export const INVALID_NAME = 'invalid';

interface TaskAttributes {
  readonly active: Attributes;
  /** `aiva.task.duration` recorders bound per outcome: the hot path hashes no attribute set. */
  readonly byOutcome: Readonly<Record<TaskOutcome, RecordValue>>;
  /** Tasks of this name running now: a plain number read at collection, so a task pays one instrument call, not three. */
  running: number;
}

function validName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name.length <= MAX_NAME_LENGTH;
}

function describeName(name: unknown): string {
  if (typeof name !== 'string') return typeof name;
  return name === '' ? '""' : `a string of ${name.length} characters`;
}

/** Reports a misuse through the OpenTelemetry diag logger, once per `key` and `seen` set: recording never throws. */
function warnOnce(seen: Set<string>, key: string, message: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  diag.warn(`aiva-performance: ${message} (reported once)`);
}

function taskAttributes(name: string, bind: (attributes: Attributes) => RecordValue): TaskAttributes {
  // Null prototype: an outcome such as 'toString' from untyped code must not find an inherited member.
  const byOutcome = Object.create(null) as Record<TaskOutcome, RecordValue>;
  for (const outcome of OUTCOMES) {
    byOutcome[outcome] = bind(Object.freeze({ 'aiva.task.name': name, 'aiva.task.outcome': outcome }));
  }
  return {
    active: Object.freeze({ 'aiva.task.name': name }),
    byOutcome: Object.freeze(byOutcome),
    running: 0,
  };
}

/** Queue-size callbacks, shared by every recorder so a queue registered before the SDK starts is still exported. */
const queues = new Map<string, () => number>();
/**
 * Unregistered queues. sdk-metrics keeps exporting the last value of an attribute set that a gauge
 * callback stops observing, so a removed queue would show its old size forever; it reports 0 instead.
 */
const retiredQueues = new Set<string>();
const MAX_RETIRED_QUEUES = 1000;
const queueWarnings = new Set<string>();

/** Task instruments bound to one MeterProvider. */
export class TaskRecorder {
  readonly #duration: (attributes: Attributes) => RecordValue;
  /** Every name recorded so far, fallbacks included: the active count observes exactly these. */
  readonly #attributes = new Map<string, TaskAttributes>();
  /** How many of those are fallback names ({@link INVALID_NAME}, {@link OVERFLOW_TASK_NAME}), outside the bound. */
  #fallbacks = 0;
  readonly #warnings = new Set<string>();

  constructor(meterProvider: MeterProvider) {
    const meter = meterProvider.getMeter(TASK_METER_NAME);
    this.#duration = boundHistogram(meterProvider, TASK_METER_NAME, 'aiva.task.duration', {
      description: 'Processing time of tracked tasks, by task name and outcome.',
      unit: 's',
      boundaries: DURATION_SECONDS_BUCKETS,
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
      try {
        (attributes.byOutcome[outcome] ?? attributes.byOutcome.error)(elapsedSeconds);
      } catch (error) {
        // A broken MeterProvider must not turn the caller's success into a failure.
        warnOnce(this.#warnings, 'record', `recording aiva.task.duration failed: ${String(error)}`);
      }
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

  #attributesFor(name: unknown): TaskAttributes {
    const cached = typeof name === 'string' ? this.#attributes.get(name) : undefined;
    if (cached) return cached;
    if (!validName(name)) {
      warnOnce(
        this.#warnings,
        'invalid',
        `task name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters, got ${describeName(name)}; recorded as "${INVALID_NAME}"`,
      );
      return this.#fallback(INVALID_NAME);
    }
    if (this.#attributes.size - this.#fallbacks >= MAX_TASK_NAMES) {
      warnOnce(
        this.#warnings,
        'overflow',
        `more than ${MAX_TASK_NAMES} task names; "${name}" and later new names are recorded as "${OVERFLOW_TASK_NAME}"`,
      );
      return this.#fallback(OVERFLOW_TASK_NAME);
    }
    const attributes = taskAttributes(name, this.#duration);
    this.#attributes.set(name, attributes);
    return attributes;
  }

  /** The shared entry of a fallback name, created on first use so an unused fallback exports no series. */
  #fallback(name: string): TaskAttributes {
    let attributes = this.#attributes.get(name);
    if (!attributes) {
      attributes = taskAttributes(name, this.#duration);
      this.#attributes.set(name, attributes);
      this.#fallbacks++;
    }
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
 * Returns a function that unregisters the queue. Never throws: a bad name is reported once through
 * the OpenTelemetry diag logger and recorded as `invalid`; registering a name again replaces the earlier
 * callback (a restarted component re-registering its queue); a `size` that is not a function registers nothing.
 * @example const unregister = registerQueue('jobs', () => jobs.length);
 */
export function registerQueue(name: string, size: () => number): () => void {
  if (typeof size !== 'function') {
    warnOnce(
      queueWarnings,
      'size',
      `registerQueue: size must be a function returning a number, got ${typeof size}`,
    );
    return () => {};
  }
  if (!validName(name)) {
    warnOnce(
      queueWarnings,
      'invalid',
      `queue name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters, got ${describeName(name)}; recorded as "${INVALID_NAME}"`,
    );
    name = INVALID_NAME;
  } else if (queues.has(name)) {
    warnOnce(
      queueWarnings,
      'duplicate',
      `registerQueue: "${name}" was already registered; the new size() replaces it`,
    );
  }
  const queue = name;
  queues.set(queue, size);
  retiredQueues.delete(queue);
  return () => {
    if (queues.get(queue) !== size) return;
    queues.delete(queue);
    if (retiredQueues.size < MAX_RETIRED_QUEUES) retiredQueues.add(queue);
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
 * Recording never throws: an empty, non-string or longer than 255 characters name is reported once through
 * the OpenTelemetry diag logger and recorded as `invalid`; past 400 distinct names, new names share the
 * `otel.metric.overflow` series of both instruments. Only a `fn` that is not a function throws (TypeError).
 * @example const user = await trackTask('load_user', () => db.find(id));
 */
export function trackTask<T>(name: string, fn: () => T): T {
  return taskRecorderFor().trackTask(name, fn);
}

/**
 * Starts timing a unit of work; call the returned function with the outcome when it ends.
 * Names are handled as in {@link trackTask}; an unknown outcome is recorded as `error`.
 * @example const end = startTimer('render'); try { render(); end(); } catch (e) { end('error'); throw e; }
 */
export function startTimer(name: string): EndTimer {
  return taskRecorderFor().startTimer(name);
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
