/** Messages between the processor and its worker entry (`worker.ts`). Internal. */

import type { WorkerErrorInfo } from './errors.js';

/** One dispatch: a module export and the items to call it with, in order. */
export interface ChunkRequest {
  /** Module URL. */
  readonly m: string;
  /** Export name. */
  readonly e: string;
  /** Items. */
  readonly i: readonly unknown[];
  /** Thread mode: shared slots the worker stamps with its start [0] and end [1] times (epoch ms). */
  readonly t?: Float64Array;
  /** Process mode with a timeout: 1 = send a {@link StartedMessage} to the parent when starting. */
  readonly c?: 1;
}

/** Sent by a child process when it starts a chunk (only for chunks with a timeout). */
export interface StartedMessage {
  readonly aivaChunkStarted: number;
}

/** The worker's answer. Per-item errors stay per item. */
export interface ChunkResponse {
  /** Results, one per item (undefined where the item failed). */
  readonly v: unknown[];
  /** Errors, one slot per item, or null when no item failed (the common case). */
  readonly e: (WorkerErrorInfo | null)[] | null;
  /** Start of the first item, epoch milliseconds (performance.timeOrigin + now) for queue-wait. */
  readonly s: number;
  /** Total time spent in the task function over all items, seconds, measured in the worker. */
  readonly d: number;
}
