import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const TASK_BRAND: unique symbol = Symbol.for('aiva-performance.parallel.task');

/**
 * A function that can run in a worker: an ES module plus the name of one of
 * its exports. Create it with {@link defineTask}; a plain function cannot be
 * sent to a worker thread or child process.
 */
export interface TaskDefinition<In = unknown, Out = unknown> {
  readonly [TASK_BRAND]: true;
  /** `file:` URL of the module, as the worker imports it. */
  readonly moduleUrl: string;
  /** Name of the export to call with each item. */
  readonly exportName: string;
  /** Value of the `aiva.task.name` metric attribute (default: the export name). */
  readonly name: string;
  /** Phantom fields carrying the item and result types; never set. */
  readonly __types?: { in: In; out: Out };
}

/** What a task receives besides its item: the item's position and a signal that aborts it. */
export interface TaskContext {
  /**
   * Aborted when the item passes its `timeoutMillis`, and in `'async'` mode also when the call is
   * aborted or the processor closes: pass it on to `fetch`, timers, streams so the I/O stops.
   */
  readonly signal: AbortSignal;
  /** Position of the item in the input. */
  readonly index: number;
}

/** A plain function, accepted by `'async'` mode only (it runs on the calling thread). */
export type AsyncTaskFunction<In = unknown, Out = unknown> = (
  item: In,
  context: TaskContext,
) => Out | Promise<Out>;

const LOCAL_FUNCTION: unique symbol = Symbol('aiva-performance.parallel.localFunction');

/** A plain function wrapped as a task for `'async'` mode; its metric name is the function's name. */
export function localTask(fn: AsyncTaskFunction): TaskDefinition {
  const name = fn.name.length > 0 ? fn.name : 'anonymous';
  return Object.freeze({
    [TASK_BRAND]: true as const,
    moduleUrl: '',
    exportName: name,
    name,
    [LOCAL_FUNCTION]: fn,
  });
}

/** The function of a {@link localTask}, if `task` is one. */
export function localFunction(task: TaskDefinition): AsyncTaskFunction | undefined {
  return (task as { [LOCAL_FUNCTION]?: AsyncTaskFunction })[LOCAL_FUNCTION];
}

/** Options of {@link defineTask}. */
export interface DefineTaskOptions {
  /**
   * Value of the `aiva.task.name` attribute on this task's metrics. Keep it
   * low-cardinality (a fixed name, never an item value).
   * @default the export name
   * @example defineTask(url, 'scanTarget', { name: 'scan' })
   */
  name?: string;
}

/**
 * Names a task: the module that holds it and the export to call. The export
 * receives one item and returns (or resolves to) its result; it runs in a
 * worker, so items and results must be structured-cloneable.
 *
 * @example
 * const scan = defineTask<string, Report>(new URL('./scan.js', import.meta.url), 'scanTarget');
 * const reports = await processor.map(scan, ['site1.com', 'site2.com']);
 */
export function defineTask<In = unknown, Out = unknown>(
  module: URL | string,
  exportName = 'default',
  options: DefineTaskOptions = {},
): TaskDefinition<In, Out> {
  let moduleUrl: string;
  if (module instanceof URL) {
    moduleUrl = module.href;
  } else if (typeof module === 'string' && module.startsWith('file:')) {
    moduleUrl = new URL(module).href;
  } else if (typeof module === 'string' && isAbsolute(module)) {
    moduleUrl = pathToFileURL(module).href;
  } else {
    throw new TypeError(
      "defineTask: module must be a URL or an absolute path, e.g. new URL('./task.js', import.meta.url)",
    );
  }
  if (!moduleUrl.startsWith('file:')) {
    throw new TypeError(`defineTask: module must be a file: URL, got ${moduleUrl}`);
  }
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw new TypeError('defineTask: exportName must be a non-empty string');
  }
  const name = options.name ?? exportName;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('defineTask: options.name must be a non-empty string');
  }
  return Object.freeze({ [TASK_BRAND]: true as const, moduleUrl, exportName, name });
}

/** True when `value` came from {@link defineTask}. */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK_BRAND] === true
  );
}

/**
 * The TypeError for anything that is not a task definition. A plain function
 * gets an explanation, because passing one is the natural first attempt.
 */
export function notATaskError(method: string, value: unknown): TypeError {
  if (typeof value === 'function') {
    return new TypeError(
      `${method}: got a function, but functions cannot cross a worker boundary (workers receive copies of ` +
        'data, not closures). Put the function in its own module, export it, and pass ' +
        "defineTask(new URL('./task.js', import.meta.url), 'exportName') instead, or run it on this " +
        "thread with { mode: 'async' } / asyncMap.",
    );
  }
  return new TypeError(`${method}: task must be created with defineTask(moduleUrl, exportName)`);
}
