import { epochMillis } from './job.js';
import type { ProcessorMode } from './options.js';
import type { ChunkRequest, StartedMessage } from './protocol.js';

/** A tinypool run channel (child_process runtime only): receives the worker's non-tinypool messages. */
export interface StartChannel {
  postMessage(message: unknown): void;
}

/** A running time limit for one chunk. */
export interface Deadline {
  /** The request to send: it carries the start stamp slot (threads) or flag (processes). */
  readonly request: ChunkRequest;
  /** Channel to pass to tinypool's run() in process mode. */
  readonly channel: StartChannel | undefined;
  /** True once the limit passed and `onExpire` ran. */
  readonly expired: boolean;
  cancel(): void;
}

/**
 * Starts the clock of a chunk's time limit at the moment the worker starts
 * the chunk, not at dispatch: a worker still booting, or a chunk prefetched
 * behind another, must not eat the task's time. The worker stamps its start
 * time into shared memory (threads) or sends it over IPC (child processes);
 * until a stamp arrives the timer re-arms.
 */
export function startDeadline(
  mode: ProcessorMode,
  limitMillis: number,
  request: ChunkRequest,
  onExpire: () => void,
  itemLimitMillis = 0,
): Deadline {
  let startedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  let readStart: () => number;
  let readItemStart: () => number = () => 0;
  let stamped: ChunkRequest;
  let channel: StartChannel | undefined;
  if (mode === 'thread') {
    const slot = request.t ?? new Float64Array(new SharedArrayBuffer(24));
    stamped = request.t === undefined ? { ...request, t: slot } : request;
    readStart = () => slot[0] ?? 0;
    // [2]: start of the item the worker runs synchronously now (0: none)
    readItemStart = () => slot[2] ?? 0;
  } else {
    stamped = { ...request, c: 1 };
    channel = {
      postMessage: (message) => {
        const at = (message as StartedMessage | null)?.aivaChunkStarted;
        if (typeof at === 'number') startedAt = at;
      },
    };
    readStart = () => startedAt;
  }
  const check = (): void => {
    const started = readStart();
    let remaining = started === 0 ? limitMillis : limitMillis - (epochMillis() - started);
    const itemStarted = itemLimitMillis > 0 ? readItemStart() : 0;
    if (itemStarted > 0) remaining = Math.min(remaining, itemLimitMillis - (epochMillis() - itemStarted));
    // while an item may be blocking the worker, look again at its own limit, not only the chunk's
    if (remaining > 0 && itemLimitMillis > 0) remaining = Math.min(remaining, itemLimitMillis);
    if (remaining > 0) {
      timer = setTimeout(check, Math.ceil(remaining));
      return;
    }
    expired = true;
    onExpire();
  };
  timer = setTimeout(check, itemLimitMillis > 0 ? Math.min(limitMillis, itemLimitMillis) : limitMillis);
  return {
    request: stamped,
    channel,
    get expired() {
      return expired;
    },
    cancel: () => clearTimeout(timer),
  };
}
