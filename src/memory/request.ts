import { type AllocationRequest, kindIndex, MEMORY_KINDS, MIB } from './types.js';

/**
 * Validates an allocate() request and returns its size in bytes. Throws
 * TypeError/RangeError naming the field; never touches the books.
 */
export function requestBytes(req: AllocationRequest, maxBytes: number): number {
  if (req === null || typeof req !== 'object') throw new TypeError('request must be an object');
  const bytes = size(req);
  if (kindIndex(req.kind) < 0) throw new RangeError(`request.kind must be one of ${MEMORY_KINDS.join(', ')}`);
  const label = req.label;
  if (typeof label !== 'string' || label.length === 0) {
    throw new TypeError('request.label must be a non-empty string');
  }
  if (bytes > maxBytes) {
    throw new RangeError(`request size (${bytes} bytes) exceeds maxMemoryMb (${maxBytes} bytes)`);
  }
  return bytes;
}

function size(req: AllocationRequest): number {
  const hasMb = req.sizeMb !== undefined;
  if (hasMb === (req.bytes !== undefined)) {
    throw new TypeError('request must give exactly one of request.sizeMb or request.bytes');
  }
  if (hasMb) {
    const mb = req.sizeMb;
    if (typeof mb !== 'number' || !Number.isFinite(mb) || mb <= 0) {
      throw new RangeError('request.sizeMb must be a positive finite number');
    }
    return Math.ceil(mb * MIB);
  }
  const b = req.bytes;
  if (typeof b !== 'number' || !Number.isSafeInteger(b) || b <= 0) {
    throw new RangeError('request.bytes must be a positive integer');
  }
  return b;
}
