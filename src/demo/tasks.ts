/** Worker-side task of the demo: a small CPU-bound checksum, run in the pool. */
export function checksum(seed: number): number {
  let hash = seed | 0;
  for (let i = 0; i < 200_000; i++) hash = Math.imul(hash ^ i, 0x9e3779b1) >>> 0;
  return hash;
}
