/**
 * test/fixtures/optim.json, written by scripts/gen_optim_fixtures.py from PyTorch 1.13.
 * Non-finite numbers arrive as the strings "NaN", "Infinity", "-Infinity" and are decoded here.
 */
import { readFileSync } from 'node:fs';
import { after, before, describe } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import type { Parameter } from '../../src/layers/parameters.js';

export interface ParamFixture {
  name: string;
  shape: number[];
  init: number[];
}

export interface OptimizerFixture {
  name: string;
  kind: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  options: Record<string, unknown>;
  /** [step][param] values after that step. */
  params: number[][][];
  /** Buffers after the last step, keyed `${param}.${buffer}`. */
  state: Record<string, number[]>;
}

export type ScheduleKind = 'constant' | 'step' | 'cosine' | 'linear' | 'sequential';

export interface ScheduleFixture {
  name: string;
  kind: ScheduleKind;
  options: Record<string, unknown>;
  /** lr at steps 0, 1, …. */
  lr: number[];
}

export interface ClipNormFixture {
  name: string;
  maxNorm: number;
  normType: number;
  grads: number[][];
  totalNorm: number;
  clipped: number[][];
}

export interface ClipValueFixture {
  name: string;
  clipValue: number;
  grads: number[][];
  clipped: number[][];
}

export interface OptimFixtures {
  torch: string;
  steps: number;
  params: ParamFixture[];
  /** [step][param] gradient values. */
  grads: number[][][];
  optimizers: OptimizerFixture[];
  schedules: ScheduleFixture[];
  clipNorm: ClipNormFixture[];
  clipValue: ClipValueFixture[];
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export const fixtures: OptimFixtures = JSON.parse(
  readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8'),
  (_key, value: unknown) => (typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value),
) as OptimFixtures;

/** Parameters in `backend`'s memory with the fixture's names, shapes and `values` (default: initial values). */
export function makeParams(backend: Backend, values?: ArrayLike<number>[]): Parameter[] {
  return fixtures.params.map((p, i) => {
    const value = backend.alloc(p.init.length);
    value.set(values?.[i] ?? p.init);
    return { name: p.name, shape: p.shape, value, grad: backend.alloc(p.init.length) };
  });
}

/** Copies `grads[i]` into `params[i].grad`. */
export function setGrads(params: Parameter[], grads: ArrayLike<number>[]): void {
  params.forEach((p, i) => p.grad.set(grads[i]));
}

/**
 * Registers `body` once per backend (reference float32 and wasm with one thread) inside a
 * `describe` named after it; `get()` returns the backend within tests.
 */
export function forEachBackend(body: (get: () => Backend) => void): void {
  const makers: [string, () => Promise<Backend>][] = [
    ['reference backend', () => Promise.resolve(createReferenceBackend())],
    ['wasm backend', () => createWasmBackend({ threads: 1 })],
  ];
  for (const [label, make] of makers) {
    describe(label, () => {
      let backend: Backend | undefined;
      before(async () => {
        backend = await make();
      });
      after(() => backend?.dispose());
      body(() => backend!);
    });
  }
}
