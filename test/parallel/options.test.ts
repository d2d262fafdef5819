import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  DEFAULT_PROCESSOR_OPTIONS,
  ParallelProcessor,
  type ProcessorOptions,
} from '../../src/parallel/index.js';
import { resolveProcessorOptions } from '../../src/parallel/options.js';
import { tasks } from './helpers.js';

describe('processor options', () => {
  it('defaults: thread mode, auto chunks, maxWorkers = available parallelism, minWorkers 1', () => {
    const resolved = resolveProcessorOptions({});
    expect(resolved).toMatchObject({
      name: 'default',
      mode: 'thread',
      chunkSize: 'auto',
      maxWorkers: DEFAULT_PROCESSOR_OPTIONS.maxWorkers,
      workers: DEFAULT_PROCESSOR_OPTIONS.maxWorkers,
      minWorkers: 1,
      maxQueue: Number.POSITIVE_INFINITY,
      concurrency: 'auto',
      maxConcurrency: 64,
      taskTimeoutMillis: 0,
      idleTimeoutMillis: 30_000,
      bridgeWorkerMetrics: true,
    });
    expect(Object.isFrozen(DEFAULT_PROCESSOR_OPTIONS)).toBe(true);
  });

  it.each<[ProcessorOptions, string]>([
    [{ name: '' }, 'options.name must be a non-empty string, got ""'],
    [{ maxWorkers: 0 }, 'options.maxWorkers must be a positive integer, got 0'],
    [{ maxWorkers: 1.5 }, 'options.maxWorkers must be a positive integer, got 1.5'],
    [{ minWorkers: -1 }, 'options.minWorkers must be a non-negative integer, got -1'],
    [{ minWorkers: 3, maxWorkers: 2 }, 'options.minWorkers must not exceed maxWorkers (2), got 3'],
    [
      { workers: 3, maxWorkers: 2 },
      'options.workers must be between minWorkers (1) and maxWorkers (2), got 3',
    ],
    [{ mode: 'fiber' as 'thread' }, `options.mode must be one of 'thread', 'process', 'async', got "fiber"`],
    [{ chunkSize: 0 }, "options.chunkSize must be 'auto' or a positive integer, got 0"],
    [{ maxQueue: -5 }, 'options.maxQueue must be a positive integer or Infinity, got -5'],
    [{ taskTimeoutMillis: -1 }, 'options.taskTimeoutMillis must be a non-negative integer, got -1'],
    [{ idleTimeoutMillis: 1.5 }, 'options.idleTimeoutMillis must be a non-negative integer, got 1.5'],
    [
      { meterProvider: 1 as never },
      'options.meterProvider must be a MeterProvider (an object with getMeter()), got 1',
    ],
    [
      { maxWorker: 2 } as ProcessorOptions,
      "options.maxWorker is not a known option (did you mean 'maxWorkers'?)",
    ],
    [
      { concurrency: 0 },
      "options.concurrency must be 'auto' or a positive integer (items in flight at once), got 0",
    ],
    [
      { concurrency: 'max' as 'auto' },
      `options.concurrency must be 'auto' or a positive integer (items in flight at once), got "max"`,
    ],
    [{ maxConcurrency: 0.5 }, 'options.maxConcurrency must be a positive integer, got 0.5'],
    [{ bridgeWorkerMetrics: 'no' as never }, 'options.bridgeWorkerMetrics must be a boolean, got "no"'],
  ])('rejects %j: %s', (options, message) => {
    expect(() => new ParallelProcessor(options)).toThrow(ConfigError);
    expect(() => new ParallelProcessor(options)).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => new ParallelProcessor(null as unknown as ProcessorOptions)).toThrow(
      'options must be an object, got null',
    );
  });

  it('prefixes the path the SDK passes in: options.parallel.*', () => {
    expect(() => resolveProcessorOptions({ maxWorkers: 0 }, 'options.parallel')).toThrow(
      'options.parallel.maxWorkers must be a positive integer, got 0',
    );
  });

  describe('per-call options reject (never throw synchronously)', () => {
    const p = new ParallelProcessor({ maxWorkers: 1 });
    it.each<[object, string]>([
      [
        { mode: 'x' },
        `ParallelProcessor.map: options.mode must be one of 'thread', 'process', 'async', got "x"`,
      ],
      [{ chunkSize: -1 }, "ParallelProcessor.map: options.chunkSize must be 'auto' or a positive integer"],
      [
        { timeoutMillis: 'soon' },
        'ParallelProcessor.map: options.timeoutMillis must be a non-negative integer',
      ],
      [{ signal: {} }, 'ParallelProcessor.map: options.signal must be an AbortSignal'],
      [{ onProgress: 3 }, 'ParallelProcessor.map: options.onProgress must be a function'],
      [
        { concurrency: -2 },
        "ParallelProcessor.map: options.concurrency must be 'auto' or a positive integer (items in flight at once)",
      ],
    ])('%j', async (options, message) => {
      const result = p.map(tasks.double, [1], options as never);
      await expect(result).rejects.toThrow(message);
    });

    it('items that are not iterable', async () => {
      await expect(p.map(tasks.double, 3 as unknown as number[])).rejects.toThrow(
        'ParallelProcessor.map: items must be an array or an iterable',
      );
    });
  });
});

describe('options of asyncMap and mapStream', () => {
  const p = new ParallelProcessor({ maxWorkers: 1 });

  it('asyncMap rejects a bad concurrency and a non-object options, naming the method and field', async () => {
    await expect(p.asyncMap((x) => x, [1], { concurrency: 0 })).rejects.toThrow(
      "ParallelProcessor.asyncMap: options.concurrency must be 'auto' or a positive integer (items in flight at once)",
    );
    await expect(p.asyncMap((x) => x, [1], null as never)).rejects.toThrow(
      'ParallelProcessor.asyncMap: options must be an object',
    );
    await expect(p.asyncMap(42 as never, [1])).rejects.toThrow(
      'ParallelProcessor.asyncMap: task must be created with defineTask(moduleUrl, exportName)',
    );
  });

  it('mapStream rejects a bad maxPending', async () => {
    const stream = p.mapStream((x: number) => x, [1], { mode: 'async', maxPending: 0 });
    await expect(stream.next()).rejects.toThrow(
      'ParallelProcessor.mapStream: options.maxPending must be a positive integer',
    );
    await p.close();
  });
});
