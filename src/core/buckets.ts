/**
 * Explicit histogram bucket boundaries. The SDK's defaults (0, 5, 10 … 10000)
 * are meant for milliseconds, so every seconds- or bytes-valued histogram in
 * this package passes one of these as `advice.explicitBucketBoundaries`; the
 * advice travels with the instrument, so the buckets hold under any SDK.
 *
 * This file imports nothing on purpose: memory, parallel and alerts use it
 * without touching the SDK.
 */

/** Seconds, 1 ms … 60 s. Edges at 2 and 5 so p95 rules at 2 s / 5 s are exact. */
export const DURATION_SECONDS_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60,
]);

/** Seconds, 10 µs … 1 s, for short, in-process work (alert evaluation, GC pauses). */
export const FAST_SECONDS_BUCKETS: readonly number[] = Object.freeze([
  0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,
]);

/** Bytes, powers of four from 1 KiB to 1 GiB. */
export const BYTES_BUCKETS: readonly number[] = Object.freeze([
  1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824,
]);

/** Item counts, 1 … 1,000,000. */
export const COUNT_BUCKETS: readonly number[] = Object.freeze([1, 10, 100, 1000, 10000, 100000, 1000000]);
