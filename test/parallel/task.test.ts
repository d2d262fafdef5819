import { describe, expect, it } from 'vitest';
import {
  defineTask,
  isTaskDefinition,
  ParallelProcessor,
  type TaskDefinition,
} from '../../src/parallel/index.js';
import { FIXTURES } from './helpers.js';

describe('defineTask', () => {
  it('accepts a URL, a file: string or an absolute path, and names the task by its export', () => {
    const fromUrl = defineTask(FIXTURES, 'double');
    expect(fromUrl).toMatchObject({ moduleUrl: FIXTURES.href, exportName: 'double', name: 'double' });
    expect(defineTask(FIXTURES.href, 'double').moduleUrl).toBe(FIXTURES.href);
    expect(defineTask(FIXTURES.pathname, 'double').moduleUrl).toBe(FIXTURES.href);
    expect(defineTask(FIXTURES, 'double', { name: 'doubler' }).name).toBe('doubler');
    expect(defineTask(FIXTURES).exportName).toBe('default');
    expect(isTaskDefinition(fromUrl)).toBe(true);
    expect(isTaskDefinition({ moduleUrl: 'x', exportName: 'y' })).toBe(false);
    expect(Object.isFrozen(fromUrl)).toBe(true);
  });

  it.each<[unknown, string | undefined, string]>([
    ['./relative.js', 'x', 'defineTask: module must be a URL or an absolute path'],
    [new URL('https://example.com/task.js'), 'x', 'defineTask: module must be a file: URL'],
    [FIXTURES, '', 'defineTask: exportName must be a non-empty string'],
  ])('rejects %s / %s', (module, exportName, message) => {
    expect(() => defineTask(module as URL, exportName)).toThrow(message);
  });

  it('rejects an empty metric name', () => {
    expect(() => defineTask(FIXTURES, 'double', { name: '' })).toThrow(
      'defineTask: options.name must be a non-empty string',
    );
  });
});

describe('passing a plain function', () => {
  const p = new ParallelProcessor({ maxWorkers: 1 });
  const fn = ((x: number) => x * 2) as unknown as TaskDefinition<number, number>;

  it('map rejects with a TypeError that explains why and shows defineTask', async () => {
    const error = (await p.map(fn, [1]).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('functions cannot cross a worker boundary');
    expect(error.message).toContain("defineTask(new URL('./task.js', import.meta.url), 'exportName')");
  });

  it('run and mapStream reject the same way; other values get the short message', async () => {
    await expect(p.run(fn, 1)).rejects.toThrow(/ParallelProcessor.run: got a function/);
    await expect(p.mapStream(fn, [1]).next()).rejects.toThrow(/ParallelProcessor.mapStream: got a function/);
    await expect(p.map({} as TaskDefinition, [1])).rejects.toThrow(
      'ParallelProcessor.map: task must be created with defineTask(moduleUrl, exportName)',
    );
  });
});
