// Task module for bench/parallel-async.js: I/O-bound and mixed items (a timer stands in for the I/O).
import { setTimeout as sleep } from 'node:timers/promises';
import { burn } from './parallel-tasks.js';

/** Waits `ms` milliseconds: an item that is all I/O. */
export async function wait(ms) {
  await sleep(ms);
  return ms;
}

/** Waits `item.waitMillis`, then burns `item.burn` iterations (calibrated to ~2 ms of CPU). */
export async function waitThenBurn(item) {
  await sleep(item.waitMillis);
  return burn(item.burn);
}

/** CPU only: `n` iterations of burn (~10 ms in the bench). */
export function cpu(n) {
  return burn(n);
}
