import { describe, expect, it } from 'vitest';
import {
  CpuUtilizationTracker,
  CpuUtilizationWindow,
  cpuUtilization,
  parseCpuStat,
  parseProcStat,
} from '../../src/instrumentation/host-cpu.js';

const STAT = `cpu  9667 12 3918 43890 539 7 157 115 40 0
cpu0 3989 0 1630 23369 39 0 47 61 0 0
intr 1 2 3
`;

describe('parseProcStat', () => {
  it('reads the aggregate line in seconds, folding irq + softirq into interrupt', () => {
    const expected = {
      user: 96.67,
      nice: 0.12,
      system: 39.18,
      idle: 438.9,
      iowait: 5.39,
      interrupt: 1.64,
      steal: 1.15,
    };
    const got = parseProcStat(STAT);
    expect(Object.keys(got ?? {}).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      expect(got?.[k as keyof typeof expected], k).toBeCloseTo(v, 9);
  });

  it('returns undefined when the first line is not the aggregate', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
  });
});

describe('cpuUtilization', () => {
  it('divides each state delta by the total delta', () => {
    const a = parseProcStat(STAT);
    const b = parseProcStat('cpu  9767 12 3918 44190 539 7 157 115 0 0\n');
    if (!a || !b) throw new Error('parse failed');
    const u = cpuUtilization(a, b);
    expect(u?.user).toBeCloseTo(0.25, 10);
    expect(u?.idle).toBeCloseTo(0.75, 10);
    expect(u?.system).toBe(0);
  });

  it('is undefined when no tick elapsed', () => {
    const a = parseProcStat(STAT);
    if (!a) throw new Error('parse failed');
    expect(cpuUtilization(a, a)).toBeUndefined();
  });
});

describe('CpuUtilizationWindow', () => {
  const t = (busy: number, idle: number) => ({
    user: busy,
    nice: 0,
    system: 0,
    idle,
    iowait: 0,
    interrupt: 0,
    steal: 0,
  });

  it('reports the average since boot before the first full window (one tick is not a window)', () => {
    const w = new CpuUtilizationWindow(t(100, 300), 2);
    // One 10 ms tick of user time since the baseline would read as 100 % busy.
    const u = w.update(t(100.01, 300));
    expect(u?.user).toBeCloseTo(100.01 / 400.01, 9);
  });

  it('keeps the baseline until 100 ms per CPU have elapsed, then reports that window', () => {
    const w = new CpuUtilizationWindow(t(100, 300), 2);
    w.update(t(100.01, 300)); // too short: baseline stays at (100, 300)
    const u = w.update(t(100.12, 300.09)); // 0.21 s of CPU time since the baseline
    expect(u?.user).toBeCloseTo(0.12 / 0.21, 9);
    expect(u?.idle).toBeCloseTo(0.09 / 0.21, 9);
  });

  it('repeats the last window while the next one is too short', () => {
    const w = new CpuUtilizationWindow(t(0, 0), 1);
    const first = w.update(t(0.1, 0.12));
    expect(first?.idle).toBeCloseTo(0.12 / 0.22, 9);
    expect(w.update(t(0.11, 0.12))).toBe(first);
  });
});

describe('parseCpuStat', () => {
  it('reads every cpuN line with its logical number', () => {
    const s = parseCpuStat(STAT.replace('intr', 'cpu3 100 0 0 900 0 0 0 0 0 0\nintr'));
    expect(s.cpus.map((c) => c.cpu)).toEqual([0, 3]);
    expect(s.cpus[1]?.times.idle).toBe(9);
  });
});

describe('CpuUtilizationTracker', () => {
  const stat = (lines: string) => parseCpuStat(lines);
  const before = stat('cpu  100 0 0 100 0 0 0 0\ncpu0 100 0 0 0 0 0 0 0\ncpu1 0 0 0 100 0 0 0 0\n');
  const after = stat('cpu  200 0 0 200 0 0 0 0\ncpu0 200 0 0 0 0 0 0 0\ncpu1 0 0 0 200 0 0 0 0\n');

  it('machine-wide: the aggregate window, one series per state', () => {
    const t = new CpuUtilizationTracker(false, before);
    const obs = t.update(after);
    expect(obs).toHaveLength(7);
    expect(obs.find((o) => o.attributes['cpu.mode'] === 'idle')?.value).toBeCloseTo(0.5, 9);
    expect(obs.every((o) => !('cpu.logical_number' in o.attributes))).toBe(true);
  });

  it('per CPU: one window per cpuN line, labelled with cpu.logical_number', () => {
    const t = new CpuUtilizationTracker(true, before);
    const idle = t.update(after).filter((o) => o.attributes['cpu.mode'] === 'idle');
    expect(idle.map((o) => [o.attributes['cpu.logical_number'], o.value])).toEqual([
      ['0', 0],
      ['1', 1],
    ]);
  });

  it('reuses the same attribute objects across updates', () => {
    const t = new CpuUtilizationTracker(false, before);
    const a = t.update(after);
    const b = t.update(stat('cpu  300 0 0 300 0 0 0 0\n'));
    expect(b[0]?.attributes).toBe(a[0]?.attributes);
  });
});
