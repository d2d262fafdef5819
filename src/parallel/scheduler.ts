import type { Job } from './job.js';
import type { LaneSnapshot } from './metrics.js';
import type { ProcessorMode } from './options.js';

/** One mode's scheduler as the processor and streams see it: worker lanes and the async lane alike. */
export interface Scheduler {
  readonly mode: ProcessorMode;
  /** Items waiting to start. */
  readonly queued: number;
  /** Workers running a chunk (async mode: items running). */
  readonly busy: number;
  /** Live workers (0 in async mode). */
  readonly workers: number;
  readonly workerIds: number[];
  /** Items at once per worker (async mode: the running calls' limits, summed). */
  readonly concurrency: number;
  submit(job: Job): void;
  /** A stream job buffered `added` more items. */
  added(job: Job, added: number): void;
  drop(job: Job): void;
  resize(size: number): void;
  snapshot(): LaneSnapshot;
  utilization(): number;
  close(poolName: string): Promise<void>;
}
