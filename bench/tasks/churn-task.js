// A pool task for bench/worker-churn.js `--via pool`: builds some heap as churn-worker.js does, then
// kills its worker as the soak's faulty items do: process.exit(), or running past the per-item limit.
export function die(item) {
  const garbage = [];
  for (let i = 0; i < 20_000; i++) garbage.push({ i, s: `x${i}` });
  if (item.death === 'exit') process.exit(3);
  const end = performance.now() + item.ms;
  while (performance.now() < end) {
    // synchronous: only the pool's deadline stops it
  }
  return garbage.length;
}
