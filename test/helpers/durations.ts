import { vi } from 'vitest';

/**
 * Records tasks that "take" exactly the given seconds: `performance.now()` is injected for the
 * duration of the loop, so histogram tests know every recorded value.
 */
export function recordDurations(
  startTimer: (name: string) => (outcome?: 'ok') => unknown,
  name: string,
  seconds: readonly number[],
): void {
  let clock = 0;
  const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
  try {
    for (const value of seconds) {
      const end = startTimer(name);
      clock += value * 1000;
      end();
    }
  } finally {
    now.mockRestore();
  }
}
