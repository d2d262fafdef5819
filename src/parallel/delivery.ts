import { TaskError, TaskTimeoutError } from './errors.js';
import type { Chunk, Job } from './job.js';
import type { PoolMetrics } from './metrics.js';
import { type ChunkResponse, ITEM_TIMEOUT_CODE } from './protocol.js';

/** Hands a worker's answer for one chunk to its job: values, per-item errors, counts, metrics, sizing. */
export function deliverChunk(job: Job, chunk: Chunk, response: ChunkResponse, metrics: PoolMetrics): void {
  const count = chunk.items.length;
  const errors = response.e;
  const counts = job.metrics.counts;
  let failed = 0;
  if (errors === null) {
    for (let i = 0; i < count; i++) job.onValue(chunk.start + i, response.v[i]);
  } else {
    for (let i = 0; i < count; i++) {
      const info = errors[i];
      const index = chunk.start + i;
      if (info === null || info === undefined) job.onValue(index, response.v[i]);
      else if (info.code === ITEM_TIMEOUT_CODE) {
        // the worker's own timer gave up on the item and aborted its signal; the worker lives on
        failed++;
        counts.timeout++;
        job.onError(index, new TaskTimeoutError(job.task.name, index, job.timeoutMillis));
      } else {
        failed++;
        counts.error++;
        job.onError(index, new TaskError(job.task.name, index, info));
      }
    }
  }
  counts.ok += count - failed;
  if (response.a === 1) job.sawAsync = true;
  // chunk sizing follows the wall time per item: with items overlapping it is below the task time
  job.estimator.update(response.w / count);
  const wait = Math.max(0, (response.s - chunk.enqueuedAt) / 1000);
  metrics.recordDispatch(job.metrics, response.d / count, wait, failed > 0 ? 'error' : 'ok');
  job.afterChunk();
}

/** The error of an item whose worker died under it (exit, uncaught exception, out of memory). */
export function crashError(taskName: string, index: number, error: unknown): TaskError {
  const info =
    error instanceof Error
      ? {
          name: error.name,
          message: error.message,
          ...(error.stack === undefined ? {} : { stack: error.stack }),
        }
      : { name: 'Error', message: String(error) };
  return new TaskError(
    taskName,
    index,
    info,
    `task "${taskName}" failed on item ${index}: its worker crashed (${info.message})`,
  );
}
