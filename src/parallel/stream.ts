import { AbortError } from './errors.js';
import { type Chunk, epochMillis, Job } from './job.js';
import type { TaskMetrics, TaskOutcome } from './metrics.js';
import type { Scheduler } from './scheduler.js';
import type { TaskDefinition } from './task.js';

/** A wake-up flag for one waiter; a notify with nobody waiting is remembered. */
class Wakeup {
  #resolve: (() => void) | undefined;
  #pending = false;

  notify(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) {
      this.#pending = true;
      return;
    }
    this.#resolve = undefined;
    resolve();
  }

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
}

/** The job behind `mapStream`: a bounded buffer of pulled items and the results not yet yielded. */
export class StreamJob extends Job {
  #buffer: unknown[] = [];
  #bufferStart = 0;
  #bufferSince = 0;
  readonly #settle: boolean;
  readonly #ordered: boolean;
  /** Ordered mode: results by index. Unordered: arrival order. */
  readonly results = new Map<number, unknown>();
  readonly arrivals: unknown[] = [];
  readonly consumer = new Wakeup();
  readonly feeder = new Wakeup();
  failure: Error | undefined;
  delivered = 0;
  errors = 0;
  readonly #onDone: (job: StreamJob, outcome: TaskOutcome) => void;

  constructor(
    task: TaskDefinition,
    metrics: TaskMetrics,
    chunkSize: 'auto' | number,
    timeoutMillis: number,
    signal: AbortSignal | undefined,
    settle: boolean,
    ordered: boolean,
    onDone: (job: StreamJob, outcome: TaskOutcome) => void,
  ) {
    super(task, metrics, chunkSize, timeoutMillis, signal);
    this.#settle = settle;
    this.#ordered = ordered;
    this.#onDone = onDone;
  }

  push(item: unknown): void {
    if (this.#buffer.length === 0) this.#bufferSince = epochMillis();
    this.#buffer.push(item);
  }

  available(): number {
    return this.#buffer.length;
  }

  protected take(count: number): Chunk {
    const start = this.#bufferStart;
    let items: unknown[];
    if (count >= this.#buffer.length) {
      items = this.#buffer;
      this.#buffer = [];
    } else {
      items = this.#buffer.slice(0, count);
      this.#buffer = this.#buffer.slice(count);
    }
    this.#bufferStart += items.length;
    const chunk = { start, items, enqueuedAt: this.#bufferSince };
    this.#bufferSince = epochMillis();
    return chunk;
  }

  #store(index: number, value: unknown): void {
    if (this.#ordered) this.results.set(index, value);
    else this.arrivals.push(value);
    this.delivered++;
  }

  onValue(index: number, value: unknown): void {
    if (this.finished) return;
    this.#store(index, this.#settle ? { ok: true, value } : value);
  }

  onError(index: number, error: Error): void {
    if (this.finished) return;
    if (!this.#settle) {
      this.fail(error, 'error');
      return;
    }
    this.errors++;
    this.#store(index, { ok: false, error });
  }

  afterChunk(): void {
    this.consumer.notify();
  }

  /** The consumer drained everything: record and release. */
  complete(): void {
    if (this.finished) return;
    this.finish();
    this.#onDone(this, this.errors > 0 ? 'error' : 'ok');
  }

  fail(error: Error, outcome: TaskOutcome): void {
    if (this.finished) return;
    this.finish();
    this.abortInFlight();
    this.failure = error;
    this.#onDone(this, outcome);
    this.consumer.notify();
    this.feeder.notify();
  }
}

/**
 * Drives a StreamJob: a feeder pulls from the source while fewer than
 * `maxPending` items are pulled-but-not-yielded; the generator yields
 * results (in input order when `ordered`).
 */
export async function* runStream(
  job: StreamJob,
  lane: Scheduler,
  source: AsyncIterable<unknown> | Iterable<unknown>,
  ordered: boolean,
  maxPending: number,
): AsyncGenerator<unknown, void, undefined> {
  const iterator: AsyncIterator<unknown> | Iterator<unknown> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
  let pulled = 0;
  let yielded = 0;
  let sourceDone = false;
  let stopped = false;

  const feed = async (): Promise<void> => {
    try {
      while (!stopped && !job.finished) {
        if (pulled - yielded >= maxPending) {
          await job.feeder.wait();
          continue;
        }
        const next = await iterator.next();
        if (stopped || job.finished) return;
        if (next.done === true) {
          sourceDone = true;
          break;
        }
        pulled++;
        job.push(next.value);
        lane.added(job, 1);
      }
    } catch (error) {
      job.fail(error instanceof Error ? error : new Error(String(error)), 'error');
    } finally {
      job.consumer.notify();
    }
  };

  void feed();
  try {
    while (true) {
      if (job.failure !== undefined) throw job.failure;
      let value: unknown;
      let have = false;
      if (ordered) {
        if (job.results.has(yielded)) {
          value = job.results.get(yielded);
          job.results.delete(yielded);
          have = true;
        }
      } else if (job.arrivals.length > 0) {
        value = job.arrivals.shift();
        have = true;
      }
      if (have) {
        yield value;
        // counted once the consumer asks for more: the item it holds is still "in flight"
        yielded++;
        job.feeder.notify();
        continue;
      }
      if (sourceDone && yielded === pulled) break;
      await job.consumer.wait();
    }
    job.complete();
  } finally {
    stopped = true;
    if (!job.finished) job.fail(new AbortError('the stream was closed before it ended'), 'cancelled');
    if (!sourceDone) {
      try {
        const closing = iterator.return?.();
        if (closing instanceof Promise) closing.catch(() => {});
      } catch {
        // the source's own clean-up failed; nothing to do
      }
    }
  }
}
