import { afterEach, describe, expect, it } from 'vitest';
import { type HostMetricsHandle, startHostMetrics } from '../../src/instrumentation/host.js';
import { conventionAttributes, conventionShape } from '../../src/instrumentation/semconv.js';
import { collect, pointsNamed, providerWith } from './host-helpers.js';

const linux = process.platform === 'linux';
const handles: HostMetricsHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.shutdown();
});

describe('conventionAttributes', () => {
  it.each([
    ['new', 'system.cpu.time', { 'system.cpu.state': 'idle' }, { 'cpu.mode': 'idle' }],
    ['new', 'process.cpu.time', { 'process.cpu.state': 'user' }, { 'cpu.mode': 'user' }],
    ['new', 'system.network.io', { 'system.device': 'eth0' }, { 'network.interface.name': 'eth0' }],
    ['new', 'system.disk.io', { 'system.device': 'sda' }, { 'system.device.name': 'sda' }],
    ['old', 'system.cpu.time', { 'cpu.mode': 'idle' }, { 'system.cpu.state': 'idle' }],
    ['old', 'process.cpu.time', { 'cpu.mode': 'user' }, { 'process.cpu.state': 'user' }],
    ['old', 'system.disk.io', { 'system.device.name': 'sda' }, { 'system.device': 'sda' }],
    ['dup', 'system.cpu.time', { 'cpu.mode': 'idle' }, { 'cpu.mode': 'idle', 'system.cpu.state': 'idle' }],
    [
      'dup',
      'system.network.io',
      { 'system.device': 'eth0', 'network.io.direction': 'receive' },
      { 'system.device': 'eth0', 'network.interface.name': 'eth0', 'network.io.direction': 'receive' },
    ],
  ] as const)('%s %s %j → %j', (stability, instrument, input, expected) => {
    expect(conventionAttributes(stability, instrument, input)).toEqual(expected);
  });

  it('returns attributes with nothing to rename unchanged (same object)', () => {
    const attributes = Object.freeze({ 'aiva.task.name': 'x' });
    expect(conventionAttributes('dup', 'aiva.task.duration', attributes)).toBe(attributes);
  });
});

describe('conventionShape', () => {
  it('makes memory usage an UpDownCounter in bytes, except under old', () => {
    expect(conventionShape('new', 'system.memory.usage', 'gauge', { description: 'd' })).toEqual({
      kind: 'upDownCounter',
      options: { description: 'd', unit: 'By' },
    });
    expect(conventionShape('old', 'system.memory.usage', 'gauge', undefined)).toEqual({
      kind: 'gauge',
      options: undefined,
    });
  });
});

describe.skipIf(!linux)('host metrics under each semconvStability', () => {
  const run = async (semconvStability: 'new' | 'old' | 'dup') => {
    const { meterProvider, readers } = providerWith(1);
    handles.push(startHostMetrics({ meterProvider, intervalMillis: 50, semconvStability }));
    return collect(readers[0] as never);
  };

  it("old: host-metrics 0.39's keys and names", async () => {
    const points = await run('old');
    expect(pointsNamed(points, 'system.cpu.utilization')[0]?.attributes).toHaveProperty('system.cpu.state');
    expect(pointsNamed(points, 'process.cpu.time')[0]?.attributes).toHaveProperty('process.cpu.state');
    const io = pointsNamed(points, 'system.network.io');
    expect(io[0]?.attributes).toHaveProperty('system.device');
    expect(pointsNamed(points, 'system.network.dropped')).toHaveLength(io.length);
    expect(pointsNamed(points, 'system.network.packet.dropped')).toEqual([]);
    expect(pointsNamed(points, 'system.memory.usage')[0]?.type).toBe('gauge');
  });

  it('dup: both keys on one point (sums are not doubled), both dropped instruments', async () => {
    const points = await run('dup');
    const idle = pointsNamed(points, 'system.cpu.utilization').filter(
      (p) => p.attributes['cpu.mode'] === 'idle',
    );
    expect(idle).toHaveLength(1);
    expect(idle[0]?.attributes['system.cpu.state']).toBe('idle');
    const dropped = pointsNamed(points, 'system.network.packet.dropped');
    expect(pointsNamed(points, 'system.network.dropped').map((p) => p.value)).toEqual(
      dropped.map((p) => p.value),
    );
  });
});
