import { describe, expect, test } from 'vitest';
import { Books } from '../../src/memory/books.js';

describe('Books', () => {
  test('add/remove keep per-kind and per-label totals exact; peak is kept', () => {
    const b = new Books();
    b.add(0, 'a', 100);
    b.add(3, 'a', 50);
    b.add(3, 'b', 25);
    b.remove(0, 'a', 100);
    expect(b).toMatchObject({ used: 75, peak: 175, live: 2 });
    expect(b.kindUsed).toEqual([0, 0, 0, 75]);
    expect(b.kindCount).toEqual([0, 0, 0, 2]);
    expect(b.allocated).toEqual([1, 0, 0, 2]);
    expect(b.released).toEqual([1, 0, 0, 0]);
    expect(b.byLabel.get('a')).toEqual({ bytes: 50, count: 1 });
  });

  test('labels with no live allocation are pruned in amortised batches, not kept forever', () => {
    const b = new Books();
    for (let i = 0; i < 10_000; i++) {
      b.add(3, `req-${i}`, 64);
      b.remove(3, `req-${i}`, 64);
    }
    expect(b.byLabel.size).toBeLessThanOrEqual(1025);
    b.prune();
    expect(b.byLabel.size).toBe(0);
    expect(b.zeroLabels).toBe(0);
  });

  test('a label revived from zero is not counted as empty', () => {
    const b = new Books();
    b.add(3, 'x', 64);
    b.remove(3, 'x', 64);
    expect(b.zeroLabels).toBe(1);
    b.add(3, 'x', 64);
    expect(b.zeroLabels).toBe(0);
    b.prune();
    expect(b.byLabel.get('x')).toEqual({ bytes: 64, count: 1 });
  });
});
