import { availableParallelism } from 'node:os';

/** The configuration presets carried over from the original Python module. */
export type PresetName = 'production' | 'development';
export const PRESET_NAMES = Object.freeze(['production', 'development'] as const);

/**
 * SPEC's preset table minus `memory.enableSwap` (swap to disk is not implemented; `false` was its only
 * valid value) and `parallel.enableProfiling` (the pool always records its metrics): keys nothing read.
 */
export interface Preset {
  readonly memory: { readonly maxMb: number; readonly gcThreshold: number };
  readonly monitoring: {
    readonly intervalSeconds: number;
    readonly retentionDays?: number;
    readonly verbose?: boolean;
  };
  readonly parallel: { readonly maxWorkers: number };
}

function freezeDeep<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) freezeDeep(child);
  }
  return Object.freeze(value);
}

/** Values from SPEC.md's preset table; keys absent from a preset fall back to the component's own default. */
export const PRESETS: Readonly<Record<PresetName, Preset>> = freezeDeep({
  production: {
    memory: { maxMb: 4096, gcThreshold: 0.75 },
    monitoring: { intervalSeconds: 10, retentionDays: 30 },
    parallel: { maxWorkers: availableParallelism() * 2 },
  },
  development: {
    memory: { maxMb: 1024, gcThreshold: 0.8 },
    monitoring: { intervalSeconds: 5, verbose: true },
    parallel: { maxWorkers: 4 },
  },
});
