/**
 * Worker entry, loaded by tinypool in a worker thread or a child process
 * (`dist/src/parallel/worker.js`). Imports the task module once, runs a chunk
 * of items through the named export, and measures the time spent in the task.
 * A throwing item becomes an error entry; the rest of the chunk still runs.
 * Up to `limit` async items run at once over all the chunks the worker holds
 * (see `concurrency.ts`); a synchronous item never takes a slot beyond its call.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { DiagLogLevel, diag, metrics } from '@opentelemetry/api';
import { RingWriter } from './bridge-ring.js';
import { ConcurrencyLimit } from './concurrency.js';
import type { WorkerErrorInfo } from './errors.js';
import { type ChunkRequest, type ChunkResponse, ITEM_TIMEOUT_CODE } from './protocol.js';
import { WorkerMeterProvider } from './worker-meter.js';

/** What a task receives besides its item. */
interface TaskContext {
  readonly signal: AbortSignal;
  readonly index: number;
}
type TaskFunction = (item: unknown, context: TaskContext) => unknown;

const functions = new Map<string, TaskFunction | Promise<TaskFunction>>();
const limit = new ConcurrencyLimit();
/** Handed to tasks when there is no per-item time limit: nothing can abort an item inside the worker then. */
const NEVER_ABORTED = new AbortController().signal;
const WORKER_ID = threadId === 0 ? process.pid : threadId;
/** The worker's MeterProvider, once a chunk asked for bridged metrics (before the task module loads). */
let bridge: WorkerMeterProvider | undefined;
/** Thread mode: where the bridge's commits go, once something was recorded. */
let ring: RingWriter | undefined;

function installBridge(): WorkerMeterProvider {
  const provider = new WorkerMeterProvider();
  metrics.setGlobalMeterProvider(provider);
  diag.setLogger(provider.logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return provider;
}

/**
 * The answer with what was recorded since the previous one (bridge on): in thread mode committed to
 * the shared ring, its position stamped in the chunk's slot; in process mode attached as a batch.
 */
function withMetrics(response: ChunkResponse, slot: Float64Array | undefined): ChunkResponse {
  if (bridge === undefined) return response;
  if (slot !== undefined && slot.length > 3) {
    const first = ring === undefined;
    const commit = bridge.commit(() => {
      ring ??= new RingWriter();
      return ring;
    }, ring);
    if (commit === undefined) return response;
    if (typeof commit === 'number') slot[3] = commit;
    else {
      slot[3] = commit.position;
      response.x = commit.text;
    }
    if (first && ring !== undefined) response.l = ring.buffer;
    return response;
  }
  const commit = bridge.commitRecords();
  if (commit === undefined) return response;
  response.r = commit.records;
  if (commit.text !== undefined) response.x = commit.text;
  return response;
}

function toInfo(error: unknown): WorkerErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: `non-Error value thrown: ${String(error)}` };
}

async function load(moduleUrl: string, exportName: string): Promise<TaskFunction> {
  const module = (await import(moduleUrl)) as Record<string, unknown>;
  const fn = module[exportName];
  if (typeof fn !== 'function') {
    throw new TypeError(`module ${moduleUrl} has no function export named "${exportName}"`);
  }
  return fn as TaskFunction;
}

function lookup(request: ChunkRequest): TaskFunction | Promise<TaskFunction> {
  const key = `${request.m}#${request.e}`;
  let fn = functions.get(key);
  if (fn === undefined) {
    const loading = load(request.m, request.e);
    fn = loading;
    functions.set(key, loading);
    loading.then(
      (loaded) => functions.set(key, loaded),
      () => functions.delete(key),
    );
  }
  return fn;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as PromiseLike<unknown>).then === 'function';

/** Runs one chunk. Never rejects for task errors: they come back per item. */
export async function runChunk(request: ChunkRequest): Promise<ChunkResponse> {
  const items = request.i;
  const count = items.length;
  const values: unknown[] = new Array(count);
  let errors: (WorkerErrorInfo | null)[] | null = null;
  const fail = (index: number, info: WorkerErrorInfo): void => {
    if (errors === null) errors = new Array<WorkerErrorInfo | null>(count).fill(null);
    errors[index] = info;
  };
  limit.configure(request.k ?? 1, request.x ?? 1);
  if (request.b === 1 && bridge === undefined) bridge = installBridge();
  const fn = lookup(request);
  let resolved: TaskFunction | undefined;
  let loadError: unknown;
  try {
    resolved = typeof fn === 'function' ? fn : await fn;
  } catch (error) {
    loadError = error;
  }
  // a chunk starts when its first item gets a slot: one pipelined behind a running chunk waits here
  // (after the import: a chunk waiting for the module must not count as started)
  while (!limit.free) await limit.wait();
  const start = now();
  if (request.t !== undefined) request.t[0] = start;
  else if (request.c === 1 && process.send !== undefined) {
    // wait until the IPC write is done: a task that blocks the event loop would otherwise hold it back
    await new Promise<void>((resolve) => {
      process.send?.({ aivaChunkStarted: start }, undefined, undefined, () => resolve());
    });
  }
  if (resolved === undefined) {
    const info = toInfo(loadError);
    const e = new Array<WorkerErrorInfo>(count).fill(info);
    return withMetrics({ v: values, e, s: start, d: 0, w: 0, k: limit.limit, id: WORKER_ID }, request.t);
  }
  const offset = request.o ?? 0;
  const timeoutMillis = request.to ?? 0;
  const itemStamp = timeoutMillis > 0 && request.t !== undefined && request.t.length > 2;
  // threads: which item runs synchronously now (index + 1; 0: none), so a worker that dies inside one
  // (process.exit, a time limit) is blamed on that item alone and the chunk's others re-run together
  const running = request.t !== undefined && request.t.length > 4 ? request.t : undefined;
  let taskSeconds = 0;
  const pending: Promise<void>[] = [];
  const wallStart = performance.now();
  let t = wallStart;
  for (let index = 0; index < count; index++) {
    if (!limit.free) {
      while (!limit.free) await limit.wait();
      t = performance.now();
    }
    const controller = timeoutMillis > 0 ? new AbortController() : undefined;
    // threads: the start of the item running synchronously now, so the main thread cuts this item at
    // its own limit (not n × the limit of the chunk); 0 while no item blocks the thread
    if (itemStamp) request.t![2] = now();
    if (running !== undefined) running[4] = index + 1;
    let value: unknown;
    try {
      value = resolved(items[index], { signal: controller?.signal ?? NEVER_ABORTED, index: offset + index });
    } catch (error) {
      if (itemStamp) request.t![2] = 0;
      if (running !== undefined) running[4] = 0;
      fail(index, toInfo(error));
      const end = performance.now();
      taskSeconds += end - t;
      t = end;
      continue;
    }
    if (itemStamp) request.t![2] = 0;
    if (running !== undefined) running[4] = 0;
    if (!isThenable(value)) {
      const end = performance.now();
      // per item in every chunking mode: a synchronous item over its limit fails alone, its result dropped
      if (timeoutMillis > 0 && end - t > timeoutMillis) fail(index, timeoutInfo(timeoutMillis));
      else values[index] = value;
      taskSeconds += end - t;
      t = end;
      continue;
    }
    pending.push(
      settleItem(value, index, t, controller, timeoutMillis, values, fail, (ms) => {
        taskSeconds += ms;
      }),
    );
    t = performance.now();
  }
  if (pending.length > 0) await Promise.all(pending);
  limit.sample();
  const wallEnd = performance.now();
  // "finished" stamp: if the worker dies before the main thread reads this response, the chunk is resent
  if (request.t !== undefined) request.t[1] = performance.timeOrigin + wallEnd;
  return withMetrics(
    {
      v: values,
      e: errors,
      s: start,
      d: taskSeconds / 1000,
      w: (wallEnd - wallStart) / 1000,
      k: limit.limit,
      id: WORKER_ID,
      ...(pending.length > 0 ? { a: 1 as const } : {}),
    },
    request.t,
  );
}

function timeoutInfo(timeoutMillis: number): WorkerErrorInfo {
  return { name: 'TaskTimeoutError', message: `exceeded ${timeoutMillis} ms`, code: ITEM_TIMEOUT_CODE };
}

/** Holds a slot until an async item settles, or until its time limit aborts its signal. */
function settleItem(
  value: PromiseLike<unknown>,
  index: number,
  startedAt: number,
  controller: AbortController | undefined,
  timeoutMillis: number,
  values: unknown[],
  fail: (index: number, info: WorkerErrorInfo) => void,
  addTime: (ms: number) => void,
): Promise<void> {
  limit.acquire();
  return new Promise<void>((done) => {
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const finish = (): void => {
      if (over) return;
      over = true;
      if (timer !== undefined) clearTimeout(timer);
      addTime(performance.now() - startedAt);
      limit.release();
      done();
    };
    if (controller !== undefined) {
      timer = setTimeout(() => {
        if (over) return;
        fail(index, timeoutInfo(timeoutMillis));
        controller.abort(new Error(`item exceeded its time limit of ${timeoutMillis} ms`));
        finish();
      }, timeoutMillis);
    }
    value.then(
      (result) => {
        if (over) return;
        values[index] = result;
        finish();
      },
      (error: unknown) => {
        if (over) return;
        fail(index, toInfo(error));
        finish();
      },
    );
  });
}
