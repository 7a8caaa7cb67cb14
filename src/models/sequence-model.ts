/**
 * What the sequence models built on the public layers share: the options of their
 * recurrent encoder, and the training task that feeds them shuffled, length-bucketed
 * batches of examples.
 */
import type { Backend } from '../backend/backend.js';
import { IndexBatches } from '../data/sequences.js';
import type { Parameter } from '../layers/parameters.js';
import { type RecurrentLayer, recurrentLayer } from '../layers/recurrent/layers.js';
import type { CellKind } from '../layers/recurrent/options.js';
import type { Random } from '../random.js';
import type { TrainingTask } from '../training/trainer.js';

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
