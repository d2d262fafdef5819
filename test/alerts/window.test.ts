import { describe, expect, it } from 'vitest';
import { RangeMemory } from '../../src/alerts/window.js';
import type { Series } from '../../src/core/query.js';

const s = (value: number): Series => ({
  name: 'c',
  type: 'sum',
  monotonic: true,
  attributes: {},
  value,
  startTimeMs: 0,
  endTimeMs: 0,
});

describe('RangeMemory', () => {
  it('uses the newest sample at least one range old as the baseline, else the oldest kept', () => {
    const m = new RangeMemory(60_000);
    expect(m.baseline('x', 0)).toBeUndefined();
    m.record('x', 0, [s(1)]);
    m.record('x', 30_000, [s(2)]);
    expect(m.baseline('x', 40_000)?.get('')?.value).toBe(1);
    m.record('x', 70_000, [s(3)]);
    expect(m.baseline('x', 95_000)?.get('')?.value).toBe(2);
    expect(m.baseline('other', 95_000)).toBeUndefined();
  });

  it('stays bounded however often it is fed (one sample per tenth of the range)', () => {
    const m = new RangeMemory(10_000);
    for (let t = 0; t <= 100_000; t += 10) m.record('x', t, [s(t)]);
    const entries = (m as unknown as { slots: Map<string, unknown[]> }).slots.get('x');
    expect(entries?.length).toBeLessThanOrEqual(11);
    expect(m.baseline('x', 100_000)?.get('')?.value).toBe(90_000);
  });
});
