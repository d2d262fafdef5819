import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  diag,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api';
import {
  BoundedMap,
  cardinalityLimitOf,
  distinctValuesWithin,
  OVERFLOW_ATTRIBUTE,
  overflowAttributes,
} from '../core/bounded-attributes.js';
import { DURATION_SECONDS_BUCKETS } from '../core/buckets.js';
import { setLiveSeries } from '../core/live-series.js';
import { boundHistogram, observedUpDownCounter, type RecordValue } from '../core/local-histogram.js';

export const TASK_METER_NAME = 'aiva-performance/tasks';

/** How a unit of work ended; kept to a closed set so the outcome attribute stays low-cardinality. */
export type TaskOutcome = 'ok' | 'error' | 'timeout' | 'cancelled';
const OUTCOMES: readonly TaskOutcome[] = ['ok', 'error', 'timeout', 'cancelled'];

/** Ends a timer started by {@link startTimer}; returns the elapsed seconds. A second call records nothing. */
export type EndTimer = (outcome?: TaskOutcome) => number;

/**
 * Distinct task names recorded per MeterProvider under the default `cardinalityLimit` of 2000 (the
 * bound is `distinctValuesWithin(cardinalityLimit, 4)`); later names share the overflow series
 * (`otel.metric.overflow=true`, outcome kept) in both `aiva.task.duration` and `aiva.task.active`,
 * so the SDK never splits one task's series and totals stay exact.
 */
export const MAX_TASK_NAMES = distinctValuesWithin(2000, 4);
/** Longest accepted task or queue name; a longer one is almost always an id or a URL pasted into a name. */
export const MAX_NAME_LENGTH = 255;
/** The attribute that marks the overflow series of every name past the bound (`otel.metric.overflow: true`). */
export const OVERFLOW_TASK_NAME = OVERFLOW_ATTRIBUTE;
/** Task or queue name recorded in place of an empty, non-string or too long one. */
export const INVALID_NAME = 'invalid';

interface TaskAttributes {
  /** The shared entry of every name past the bound. */
  readonly overflow: boolean;
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

function taskAttributes(
  name: string | undefined,
  bind: (attributes: Attributes) => RecordValue,
): TaskAttributes {
  // Null prototype: an outcome such as 'toString' from untyped code must not find an inherited member.
  const byOutcome = Object.create(null) as Record<TaskOutcome, RecordValue>;
  for (const outcome of OUTCOMES) {
    byOutcome[outcome] = bind(
      name === undefined
        ? overflowAttributes({ 'aiva.task.outcome': outcome })
        : Object.freeze({ 'aiva.task.name': name, 'aiva.task.outcome': outcome }),
    );
  }
  return {
    overflow: name === undefined,
    active: name === undefined ? overflowAttributes() : Object.freeze({ 'aiva.task.name': name }),
    byOutcome: Object.freeze(byOutcome),
    running: 0,
  };
}

/** Queue-size callbacks, shared by every recorder so a queue registered before the SDK starts is still exported. */
const queues = new Map<string, () => number>();
const queueWarnings = new Set<string>();
/**
 * sdk-metrics keeps exporting the last value of an attribute set that a gauge callback stops
 * observing, so a removed queue would show its old size forever: the readers drop the series of
 * queues that are no longer registered (the overflow series stays: it is one series).
 */
setLiveSeries(
  'aiva.task.queue.size',
  (attributes) =>
    attributes[OVERFLOW_ATTRIBUTE] === true || queues.has(String(attributes['aiva.queue.name'])),
);

/** Task instruments bound to one MeterProvider. */
export class TaskRecorder {
  readonly #duration: (attributes: Attributes) => RecordValue;
  /** The first names recorded (`invalid` included), then one overflow entry: the active count observes exactly these. */
  readonly #attributes: BoundedMap<TaskAttributes>;
  /** Queue names with their own series; later ones are summed into the overflow series. */
  readonly #queueNames: BoundedMap<Attributes>;
  readonly #warnings = new Set<string>();

  constructor(meterProvider: MeterProvider) {
    const limit = cardinalityLimitOf(meterProvider);
    this.#duration = boundHistogram(meterProvider, TASK_METER_NAME, 'aiva.task.duration', {
      description: 'Processing time of tracked tasks, by task name and outcome.',
      unit: 's',
      boundaries: DURATION_SECONDS_BUCKETS,
    });
    this.#attributes = new BoundedMap(
      distinctValuesWithin(limit, OUTCOMES.length),
      (name) => taskAttributes(name, this.#duration),
      () => taskAttributes(undefined, this.#duration),
    );
    this.#queueNames = new BoundedMap(
      distinctValuesWithin(limit),
      (name) => Object.freeze({ 'aiva.queue.name': name }),
      () => overflowAttributes(),
    );
    observedUpDownCounter(
      meterProvider,
      TASK_METER_NAME,
      'aiva.task.active',
      { description: 'Tracked tasks currently running.', unit: '{task}' },
      (report) => {
        for (const attributes of this.#attributes.values()) report(attributes.running, attributes.active);
      },
    );
    meterProvider
      .getMeter(TASK_METER_NAME)
      .createObservableGauge('aiva.task.queue.size', {
        description: 'Items waiting in each registered queue.',
        unit: '{item}',
      })
      .addCallback((result) => this.#observeQueues(result));
  }

  /** Every registered queue; those past the bound are summed into one overflow series, so the total stays exact. */
  #observeQueues(result: ObservableResult): void {
    let overflow = 0;
    for (const [name, size] of queues) {
      let value: number;
      try {
        value = size();
      } catch {
        continue; // a broken size callback must not hide the other queues
      }
      if (!Number.isFinite(value)) continue;
      const attributes = this.#queueNames.get(name);
      if (attributes[OVERFLOW_ATTRIBUTE] === true) overflow += value;
      else result.observe(value, attributes);
    }
    if (this.#queueNames.overflowed) result.observe(overflow, this.#queueNames.overflowEntry());
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
    const cached = typeof name === 'string' ? this.#attributes.own(name) : undefined;
    if (cached) return cached;
    if (!validName(name)) {
      warnOnce(
        this.#warnings,
        'invalid',
        `task name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters, got ${describeName(name)}; recorded as "${INVALID_NAME}"`,
      );
      return this.#attributes.get(INVALID_NAME);
    }
    const attributes = this.#attributes.get(name);
    if (attributes.overflow) {
      warnOnce(
        this.#warnings,
        'overflow',
        `more than ${this.#attributes.size} task names; "${name}" and later new names are recorded in the overflow series (${OVERFLOW_ATTRIBUTE}=true)`,
      );
    }
    return attributes;
  }
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
  return () => {
    if (queues.get(queue) === size) queues.delete(queue);
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
 * the OpenTelemetry diag logger and recorded as `invalid`; past `cardinalityLimit / 4 - 1` distinct names
 * (498 by default), new names share the `otel.metric.overflow=true` series of both instruments. Only a `fn` that is not a function throws (TypeError).
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
