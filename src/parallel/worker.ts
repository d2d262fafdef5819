/**
 * Worker entry, loaded by tinypool in a worker thread or a child process
 * (`dist/src/parallel/worker.js`). Imports the task module once, runs a chunk
 * of items through the named export, and measures the time spent in the task.
 * A throwing item becomes an error entry; the rest of the chunk still runs.
 */
import { performance } from 'node:perf_hooks';
import type { WorkerErrorInfo } from './errors.js';
import type { ChunkRequest, ChunkResponse } from './protocol.js';

type TaskFunction = (item: unknown) => unknown;

const functions = new Map<string, TaskFunction | Promise<TaskFunction>>();

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

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** End of the chunk now running: a pipelined chunk waits for it, so chunks never overlap in a worker. */
let previous: Promise<void> = Promise.resolve();

/** Runs one chunk, after the one before it. Never rejects for task errors: they come back per item. */
export async function runChunk(request: ChunkRequest): Promise<ChunkResponse> {
  const before = previous;
  let release = (): void => {};
  previous = new Promise<void>((resolve) => {
    release = resolve;
  });
  await before;
  try {
    return await runOne(request);
  } finally {
    release();
  }
}

async function runOne(request: ChunkRequest): Promise<ChunkResponse> {
  const items = request.i;
  const count = items.length;
  const values: unknown[] = new Array(count);
  let errors: (WorkerErrorInfo | null)[] | null = null;
  const key = `${request.m}#${request.e}`;
  let fn = functions.get(key);
  if (fn === undefined) {
    fn = load(request.m, request.e);
    functions.set(key, fn);
    fn.then(
      (loaded) => functions.set(key, loaded),
      () => functions.delete(key),
    );
  }
  const start = now();
  if (request.t !== undefined) request.t[0] = start;
  else if (request.c === 1 && process.send !== undefined) {
    // wait until the IPC write is done: a task that blocks the event loop would otherwise hold it back
    await new Promise<void>((resolve) => {
      process.send?.({ aivaChunkStarted: start }, undefined, undefined, () => resolve());
    });
  }
  let resolved: TaskFunction;
  try {
    resolved = typeof fn === 'function' ? fn : await fn;
  } catch (error) {
    const info = toInfo(error);
    return { v: values, e: new Array<WorkerErrorInfo>(count).fill(info), s: start, d: 0 };
  }
  const taskStart = performance.now();
  for (let index = 0; index < count; index++) {
    try {
      let value = resolved(items[index]);
      if (
        value !== null &&
        typeof value === 'object' &&
        typeof (value as Promise<unknown>).then === 'function'
      ) {
        value = await value;
      }
      values[index] = value;
    } catch (error) {
      if (errors === null) errors = new Array<WorkerErrorInfo | null>(count).fill(null);
      errors[index] = toInfo(error);
    }
  }
  const taskEnd = performance.now();
  // "finished" stamp: if the worker dies before the main thread reads this response, the chunk is resent
  if (request.t !== undefined) request.t[1] = performance.timeOrigin + taskEnd;
  return { v: values, e: errors, s: start, d: (taskEnd - taskStart) / 1000 };
}
