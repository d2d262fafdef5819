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
  /**
   * Thread mode: shared slots the worker stamps with its start [0] and end [1] times (epoch ms), the
   * start of the item blocking it [2], with the bridge on its metrics ring position [3], and which
   * item runs synchronously now [4] (index + 1; 0: none).
   */
  readonly t?: Float64Array;
  /** Process mode with a timeout: 1 = send a {@link StartedMessage} to the parent when starting. */
  readonly c?: 1;
  /** Items the worker runs at once: a number, or 0 = adaptive (see `concurrency.ts`). Absent = 1. */
  readonly k?: number;
  /** Cap of the adaptive figure. */
  readonly x?: number;
  /** Input position of the first item (handed to the task as `context.index`). */
  readonly o?: number;
  /** Per-item time limit in ms, enforced in the worker by aborting the item's signal (0/absent = none). */
  readonly to?: number;
  /** 1 = bridge worker metrics: install the worker MeterProvider and ship its measurements back (`x`). */
  readonly b?: 1;
}

/** `WorkerErrorInfo.code` of an item the worker gave up on after its per-item time limit. */
export const ITEM_TIMEOUT_CODE = 'AIVA_ITEM_TIMEOUT';

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
  /** Wall time from the first item's start to the last item's end, seconds (less than `d` when items overlap). */
  readonly w: number;
  /** The worker's items-at-once figure after this chunk. */
  readonly k: number;
  /** The worker: thread id, or pid in a child process. */
  readonly id: number;
  /** 1 when an item returned a promise. */
  readonly a?: 1;
  /**
   * Bridge on, when the worker shipped an instrument or attribute set for the first time (or warned):
   * the text of a `CommitText` (bridge-protocol.ts).
   */
  x?: string;
  /** Process mode, bridge on: the records of what changed since the previous answer (laid out as in `bridge-ring.ts`). */
  r?: number[];
  /** Thread mode, bridge on: the worker's metrics ring (`bridge-ring.ts`), in its first answer that records. */
  l?: SharedArrayBuffer;
}
