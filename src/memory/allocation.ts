import { AllocationStateError } from './errors.js';
import type { MemoryKind } from './types.js';

/** What an allocation needs from the manager that made it. */
export interface AllocationOwner {
  deallocate(allocation: Allocation): void;
}

/** Package-private access to an allocation's internal state (set in a static block). */
export interface AllocationAccess {
  owner(a: Allocation): AllocationOwner;
  /** The pooled (size-class) buffer; `buffer` is a view of its first `bytes` bytes. */
  base(a: Allocation): Buffer;
  /** Bytes charged to the budget (the size class). */
  reserved(a: Allocation): number;
  kindIndex(a: Allocation): number;
  /** Leak tracking record, when tracked. */
  track(a: Allocation): object | undefined;
  /** Marks released; false when it already was. */
  detach(a: Allocation): boolean;
}

let access: AllocationAccess;

/**
 * A labelled buffer handed out by `UnifiedMemoryManager.allocate()`. Release it
 * with `release()`, `mem.deallocate(a)` or `using a = mem.allocate(...)`.
 *
 * The buffer's contents are not zeroed (like `Buffer.allocUnsafe`): pooled
 * buffers are reused.
 */
export class Allocation implements Disposable {
  /** Unique within the process. */
  readonly id: number;
  /** Requested size in bytes; `buffer.length`. */
  readonly bytes: number;
  /** Free-text label given to allocate(). */
  readonly label: string;
  readonly kind: MemoryKind;
  #buffer: Buffer | undefined;
  readonly #base: Buffer;
  readonly #owner: AllocationOwner;
  readonly #reserved: number;
  readonly #kindIndex: number;
  readonly #track: object | undefined;

  static {
    access = {
      owner: (a) => a.#owner,
      base: (a) => a.#base,
      reserved: (a) => a.#reserved,
      kindIndex: (a) => a.#kindIndex,
      track: (a) => a.#track,
      detach: (a) => {
        if (a.#buffer === undefined) return false;
        a.#buffer = undefined;
        return true;
      },
    };
  }

  /** Made by the manager only. */
  constructor(
    owner: AllocationOwner,
    id: number,
    bytes: number,
    base: Buffer,
    label: string,
    kind: MemoryKind,
    kindIndex: number,
    track: object | undefined,
  ) {
    this.id = id;
    this.bytes = bytes;
    this.label = label;
    this.kind = kind;
    this.#base = base;
    this.#buffer = bytes === base.length ? base : base.subarray(0, bytes);
    this.#owner = owner;
    this.#reserved = base.length;
    this.#kindIndex = kindIndex;
    this.#track = track;
  }

  /** The memory (`bytes` long). Throws {@link AllocationStateError} after release. */
  get buffer(): Buffer {
    const b = this.#buffer;
    if (b === undefined) {
      throw new AllocationStateError(
        `allocation ${this.id} (${this.label}) was released; its buffer may be reused`,
        'use-after-release',
      );
    }
    return b;
  }

  /** True once released (or reclaimed by cache eviction). */
  get released(): boolean {
    return this.#buffer === undefined;
  }

  /** Returns the memory to the manager. Throws {@link AllocationStateError} on a second call. */
  release(): void {
    this.#owner.deallocate(this);
  }

  /** Releases unless already released, so `using` composes with an explicit release(). */
  [Symbol.dispose](): void {
    if (this.#buffer !== undefined) this.#owner.deallocate(this);
  }
}

/** Package-private accessors; not exported from the package. */
export function allocationAccess(): AllocationAccess {
  return access;
}
