/**
 * What the sequence models built on the public layers share: the options of their
 * recurrent encoder, and the training task that feeds them shuffled, length-bucketed
 * batches of examples.
 */
import type { Backend } from '../backend/backend.js';
import { UsageError } from '../errors.js';
import { IndexBatches } from '../data/sequences.js';
import type { Module } from '../layers/module.js';
import { type Parameter, prefixed } from '../layers/parameters.js';
import { type Pooling, poolBackward, poolForward } from '../layers/pooling.js';
import { type RecurrentBackwardInput, type RecurrentLayer, recurrentLayer } from '../layers/recurrent/layers.js';
import type { CellKind } from '../layers/recurrent/options.js';
import type { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainingTask } from '../training/trainer.js';

/**
 * A model made of named layers: its parameters and state dict are theirs under
 * `<name>.` prefixes, and training mode and gradient resets reach all of them.
 */
export abstract class ComposedModel {
  protected constructor(private readonly parts: readonly (readonly [string, Module])[]) {}

  /** Parameters named `<part>.<name>` (optimizers key their state on names). */
  async parameters(): Promise<Parameter[]> {
    const out: Parameter[] = [];
    for (const [prefix, module] of this.parts) out.push(...prefixed(prefix, await module.parameters()));
    return out;
  }

  /** Every part's parameters under `<part>.`. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [prefix, module] of this.parts) for (const [name, t] of Object.entries(module.stateDict())) out[`${prefix}.${name}`] = t;
    return out;
  }

  zeroGrad(): void {
    for (const [, module] of this.parts) module.zeroGrad();
  }

  /** Training mode (dropout on) or evaluation mode for every part. */
  train(mode = true): this {
    for (const [, module] of this.parts) module.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}

/** The recurrent encoder of a sequence model. */
export interface EncoderOptions {
  /** @default 'lstm' */
  cell?: CellKind;
  /** Hidden units per direction. */
  hiddenSize?: number;
  /** @default 1 */
  numLayers?: number;
  /** Read each sequence both ways. @default true */
  bidirectional?: boolean;
  /** Dropout between recurrent layers. @default 0 */
  dropout?: number;
  /** Seed of the initialisation and of batch shuffling. @default 1 */
  seed?: number;
  /** @default the current backend */
  backend?: Backend;
}

/** Builds the encoder over `inputSize` features; `defaultHidden` when the options give none. */
export function createEncoder(options: EncoderOptions, inputSize: number, defaultHidden: number): RecurrentLayer {
  const { cell = 'lstm', hiddenSize = defaultHidden, numLayers = 1, bidirectional = true, dropout = 0, seed = 1, backend } = options;
  return recurrentLayer(cell, { inputSize, hiddenSize, numLayers, bidirectional, dropout, seed, ...(backend ? { backend } : {}) });
}

/** Features of the encoder's output per step: directions × hidden size. */
export function encoderWidth(encoder: RecurrentLayer): number {
  return encoder.config.directions * encoder.config.hiddenSize;
}

/**
 * A training task over `examples`: each epoch, batches of `batchSize` examples of similar
 * length (by `lengthOf`) in a shuffled order; `trainBatch` runs forward and backward on one
 * batch and returns its mean loss; tokens count the examples' lengths.
 */
export async function batchedTask<E>(examples: readonly E[], batchSize: number, random: Random, parameters: Parameter[],
  lengthOf: (example: E) => number, trainBatch: (batch: E[]) => Promise<number>): Promise<TrainingTask> {
  const batches = new IndexBatches(examples.length, batchSize, random, examples.map(lengthOf));
  return {
    batchesPerEpoch: batches.batchesPerEpoch,
    random,
    parameters: () => parameters,
    startEpoch: () => batches.startEpoch(),
    trainBatch: async (index) => {
      const picked = batches.batch(index).map((i) => examples[i]!);
      const loss = await trainBatch(picked);
      return { loss, tokens: picked.reduce((n, e) => n + lengthOf(e), 0) };
    },
    saveState: () => ({}),
    loadState: () => {},
  };
}

/** How an N→1 model turns the encoder's steps into one vector: the final states (`last`), or `mean`/`max` over real steps. */
export type SequencePooling = 'last' | Pooling;

/** Checks a pooling option. @throws UsageError naming `owner` and the allowed values. */
export function checkPooling(pooling: unknown, owner: string): asserts pooling is SequencePooling {
  if (pooling !== 'last' && pooling !== 'mean' && pooling !== 'max') {
    throw new UsageError(`${owner}: pooling must be 'last', 'mean' or 'max', got '${String(pooling)}'`);
  }
}

/** One vector per sequence, [B, dirs·H], from the encoder's `output` [T, B, dirs·H] and final states `h`. */
export function pool(encoder: RecurrentLayer, pooling: SequencePooling, output: Tensor, h: Tensor, lengths: readonly number[]): Tensor {
  const [T, B, F] = output.shape as [number, number, number];
  const pooled: Tensor = { shape: [B, F], data: new Float32Array(B * F) };
  if (pooling === 'last') moveTopStates(encoder, B, h.data, pooled.data, 'out');
  else poolForward(pooling, T, B, F, output.data, lengths, pooled.data);
  return pooled;
}

/** The encoder's backward input for dL/d(pooled vector) [B, dirs·H]. */
export function pooledGradient(encoder: RecurrentLayer, pooling: SequencePooling, output: Tensor, h: Tensor,
  lengths: readonly number[], dPooled: Tensor): RecurrentBackwardInput {
  const [T, B, F] = output.shape as [number, number, number];
  if (pooling === 'last') {
    const dh: Tensor = { shape: [...h.shape], data: new Float32Array(h.data.length) };
    moveTopStates(encoder, B, dh.data, dPooled.data, 'in');
    return { h: dh };
  }
  const dOutput: Tensor = { shape: [T, B, F], data: new Float32Array(T * B * F) };
  poolBackward(pooling, T, B, F, output.data, lengths, dPooled.data, dOutput.data);
  return { output: dOutput };
}

/**
 * Copies the top layer's final states between states [L·dirs, B, H] and vectors [B, dirs·H]
 * (direction d's state in columns d·H … (d+1)·H): to the vectors (`out`) or back (`in`).
 */
function moveTopStates(encoder: RecurrentLayer, B: number, states: Float32Array, vectors: Float32Array, way: 'out' | 'in'): void {
  const { numLayers: L, directions: dirs, hiddenSize: H } = encoder.config;
  for (let d = 0; d < dirs; d++) {
    const k = (L - 1) * dirs + d;
    for (let b = 0; b < B; b++) {
      const state = (k * B + b) * H;
      const vector = b * dirs * H + d * H;
      if (way === 'out') vectors.set(states.subarray(state, state + H), vector);
      else states.set(vectors.subarray(vector, vector + H), state);
    }
  }
}
