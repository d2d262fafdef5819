import type { MemoryKind } from './types.js';

/** Per-kind figures carried by a {@link MemoryBudgetError}. */
export type KindBudget = Record<MemoryKind, { usedBytes: number; limitBytes: number }>;

/**
 * An allocation did not fit: the manager's budget, the kind's limit, or the
 * process's own headroom. Thrown by `allocate()` after auto-cleanup ran; the
 * books are unchanged.
 */
export class MemoryBudgetError extends Error {
  override readonly name = 'MemoryBudgetError';
  /** `budget`: maxMemoryMb; `kind`: kindLimitsMb; `process`: the process's heap/RSS headroom. */
  readonly reason: 'budget' | 'kind' | 'process';
  readonly requestedBytes: number;
  /** Bytes that could still be allocated under the limit that refused. */
  readonly availableBytes: number;
  readonly kind: MemoryKind;
  readonly byKind: KindBudget;

  constructor(
    message: string,
    details: {
      reason: MemoryBudgetError['reason'];
      requestedBytes: number;
      availableBytes: number;
      kind: MemoryKind;
      byKind: KindBudget;
    },
  ) {
    super(message);
    this.reason = details.reason;
    this.requestedBytes = details.requestedBytes;
    this.availableBytes = details.availableBytes;
    this.kind = details.kind;
    this.byKind = details.byKind;
  }
}

/**
 * An allocation was used in a state that does not allow it: released twice,
 * `buffer` read after release, released through a manager that did not
 * create it, or the manager is closed.
 */
export class AllocationStateError extends Error {
  override readonly name = 'AllocationStateError';
  readonly reason: 'double-release' | 'use-after-release' | 'foreign' | 'closed';

  constructor(message: string, reason: AllocationStateError['reason']) {
    super(message);
    this.reason = reason;
  }
}
