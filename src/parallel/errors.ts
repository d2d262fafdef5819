/**
 * Error classes of the parallel processor. Every failure of a `map`, `run` or
 * `mapStream` is one of these, with `name` set so callers can branch without
 * `instanceof` across realms.
 */

/** What a worker reported about the error thrown by a task, copied across the worker boundary. */
export interface WorkerErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

function rebuild(info: WorkerErrorInfo): Error {
  const error = new Error(info.message);
  error.name = info.name;
  if (info.stack !== undefined) error.stack = info.stack;
  if (info.code !== undefined) Object.assign(error, { code: info.code });
  return error;
}

/**
 * A task failed on one item: it threw (or rejected) in the worker, or the
 * worker running it crashed or exited. `index` is the item's position in the
 * input; `cause` is the worker's error, rebuilt with its name, message and stack.
 */
export class TaskError extends Error {
  override readonly name: string = 'TaskError';
  /** Position of the failing item in the input (array index, or the n-th item of a stream). */
  readonly index: number;
  /** The task's metric name (see `defineTask`). */
  readonly taskName: string;
  /** The error as the worker reported it. */
  readonly workerError: WorkerErrorInfo;

  constructor(taskName: string, index: number, workerError: WorkerErrorInfo, message?: string) {
    super(
      message ?? `task "${taskName}" failed on item ${index}: ${workerError.name}: ${workerError.message}`,
      {
        cause: rebuild(workerError),
      },
    );
    this.index = index;
    this.taskName = taskName;
    this.workerError = workerError;
  }
}

/** A task ran longer than its timeout; its worker was terminated and replaced. */
export class TaskTimeoutError extends TaskError {
  override readonly name: string = 'TaskTimeoutError';
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMillis: number;

  constructor(taskName: string, index: number, timeoutMillis: number) {
    super(
      taskName,
      index,
      { name: 'TaskTimeoutError', message: `exceeded ${timeoutMillis} ms` },
      `task "${taskName}" timed out on item ${index} after ${timeoutMillis} ms`,
    );
    this.timeoutMillis = timeoutMillis;
  }
}

/** The operation was aborted through its `signal`; `cause` is the signal's reason. */
export class AbortError extends Error {
  override readonly name: string = 'AbortError';
  constructor(message = 'the operation was aborted', options?: ErrorOptions) {
    super(message, options);
  }
}

/** Accepting the items would take the queue past `maxQueue`; nothing was queued. */
export class QueueOverflowError extends Error {
  override readonly name: string = 'QueueOverflowError';
  /** The configured limit, in items. */
  readonly maxQueue: number;
  /** Items waiting when the call was refused. */
  readonly queueSize: number;

  constructor(maxQueue: number, queueSize: number, requested: number) {
    super(
      `queue overflow: ${requested} item(s) requested, ${queueSize} already waiting, options.maxQueue is ${maxQueue}`,
    );
    this.maxQueue = maxQueue;
    this.queueSize = queueSize;
  }
}

/** The processor was closed before the work could finish (or the call came after `close()`). */
export class ProcessorClosedError extends Error {
  override readonly name: string = 'ProcessorClosedError';
  constructor(poolName: string) {
    super(`parallel processor "${poolName}" is closed`);
  }
}
