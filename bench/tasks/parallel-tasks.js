// Task module for bench/parallel.js: deterministic CPU work (no sleeping, no clock reads).

/** Integer mixing loop; `n` iterations (calibrated by the bench to ~50 µs or ~10 ms). */
export function burn(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 31) + i) | 0;
  return x;
}

/** A trivial item: the cost is all in dispatch. */
export function trivial(x) {
  return x + 1;
}
