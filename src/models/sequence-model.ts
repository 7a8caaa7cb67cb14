/**
 * What the sequence models built on the public layers share: their parts' parameters and
 * state dicts, the vocabularies they carry, the options and settings of their recurrent
 * encoder, and the training task that feeds them shuffled, length-bucketed batches of examples.
 */
import type { Backend } from '../backend/backend.js';
import type { Tokenizer } from '../data/tokenizers/tokenizer.js';
import { FormatError, ShapeError, UsageError } from '../errors.js';
import { IndexBatches } from '../data/sequences.js';
import type { Module } from '../layers/module.js';
import { type Parameter, prefixed } from '../layers/parameters.js';
import { type Pooling, poolBackward, poolForward } from '../layers/pooling.js';
import { type RecurrentBackwardInput, type RecurrentLayer, recurrentLayer } from '../layers/recurrent/layers.js';
import {
  type CellKind,
  type CellVariantOptions,
  type CellVariantSettings,
  variantOptions,
  variantSettings,
} from '../layers/recurrent/options.js';
import type { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainingTask } from '../training/trainer.js';
import { ModelBase } from './model.js';

/**
 * What turns a sequence model's ids into text and back. A model carries them (and its
 * model file keeps them) so that a loaded model reads and writes text; the model itself
 * computes on ids only.
 */
export interface Vocabularies {
  /** Splits input text into token ids (a classifier's or a generator's input). */
  tokenizer?: Tokenizer;
  /** Input tokens looked up whole (a tagger's words): `tokens[id]`; id 0 stands for any unknown token. */
  tokens?: readonly string[];
  /** Names of the outputs by id: classes, tags or CTC labels. */
  labels?: readonly string[];
  /**
   * Splits output text into ids and joins ids back into text (a seq2seq model's targets:
   * its ids come first; the model's begin and end tokens follow them).
   */
  outputTokenizer?: Tokenizer;
}

/**
 * Checks vocabularies against a model's sizes: the tokenizer's and the token list's size
 * must be `inputs`, the labels' count `outputs`; tokens and labels must not repeat.
 * @throws UsageError naming `owner` and the mismatch.
 */
export function checkVocabularies(vocabularies: Vocabularies, sizes: { inputs?: number; outputs?: number }, owner: string): void {
  const { tokenizer, tokens, labels } = vocabularies;
  const check = (what: string, count: number, want: number | undefined, wantWhat: string): void => {
    if (want === undefined) throw new UsageError(`${owner}: takes no ${what}`);
    if (count !== want) throw new UsageError(`${owner}: ${count} ${what} for ${want} ${wantWhat}`);
  };
  if (tokenizer !== undefined) check('tokenizer ids', tokenizer.vocabSize, sizes.inputs, 'input ids');
  for (const [what, list, want, wantWhat] of [
    ['tokens', tokens, sizes.inputs, 'input ids'],
    ['labels', labels, sizes.outputs, 'outputs'],
  ] as const) {
    if (list === undefined) continue;
    check(what, list.length, want, wantWhat);
    const seen = new Set<string>();
    for (const item of list) {
      if (typeof item !== 'string') throw new UsageError(`${owner}: ${what} must be strings, got ${String(item)}`);
      if (seen.has(item)) throw new UsageError(`${owner}: ${what} repeat '${item}'`);
      seen.add(item);
    }
  }
}

/**
 * A model made of named layers: its parameters and state dict are theirs under
 * `<name>.` prefixes, and training mode and gradient resets reach all of them.
 */
export abstract class ComposedModel extends ModelBase {
  /**
   * @param parts the layers, by name
   * @param vocabularies what turns the model's ids into text (see {@link Vocabularies})
   */
  protected constructor(
    private readonly parts: readonly (readonly [string, Module])[],
    readonly vocabularies: Readonly<Vocabularies>,
  ) {
    super();
  }

  /** Parameters named `<part>.<name>` (optimizers key their state on names). */
  async parameters(): Promise<Parameter[]> {
    const out: Parameter[] = [];
    for (const [prefix, module] of this.parts) out.push(...prefixed(prefix, await module.parameters()));
    return out;
  }

  /** Every part's parameters under `<part>.`, plus the model's own tensors ({@link extraState}). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [prefix, module] of this.parts) for (const [name, t] of Object.entries(module.stateDict())) out[`${prefix}.${name}`] = t;
    return { ...out, ...this.extraState() };
  }

  /**
   * Loads what {@link stateDict} gives: every part's parameters under `<part>.` with their
   * exact shapes, and the model's own tensors.
   * @throws ShapeError naming the first missing, unexpected or misshapen entry.
   */
  loadStateDict(dict: Record<string, Tensor>): void {
    const rest: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(dict)) {
      if (!this.parts.some(([prefix]) => name.startsWith(`${prefix}.`))) rest[name] = t;
    }
    this.loadExtraState(rest);
    for (const [prefix, module] of this.parts) module.loadStateDict(dict, { prefix: `${prefix}.` });
  }

  /** Tensors the model keeps besides its parts' parameters (none by default). */
  protected extraState(): Record<string, Tensor> {
    return {};
  }

  /**
   * Loads the tensors of {@link extraState} from the entries outside the parts.
   * @throws ShapeError on any entry (by default the model keeps none).
   */
  protected loadExtraState(rest: Record<string, Tensor>): void {
    const [name] = Object.keys(rest);
    if (name !== undefined) throw new ShapeError(`${this.constructor.name}: unexpected state dict entry '${name}'`);
  }

  zeroGrad(): void {
    for (const [, module] of this.parts) module.zeroGrad();
  }

  /** The model's generator (batch order, initialization). */
  abstract readonly random: Random;

  /**
   * The shared loop's task over `examples` ({@link batchedTask}) on this model's generator,
   * parameters and part generators.
   */
  protected async batchedTask<E>(
    examples: readonly E[],
    batchSize: number,
    lengthOf: (example: E) => number,
    trainBatch: (batch: E[]) => Promise<number>,
  ): Promise<TrainingTask> {
    return batchedTask(examples, batchSize, this.random, await this.parameters(), lengthOf, trainBatch, this.partGenerators());
  }

  /** Each part's own generator (dropout masks), by part name: training checkpoints keep their states. */
  partGenerators(): Record<string, Random> {
    return Object.fromEntries(this.parts.map(([name, module]) => [name, module.random]));
  }

  /** Training mode (dropout on) or evaluation mode for every part. */
  train(mode = true): this {
    for (const [, module] of this.parts) module.train(mode);
    return this;
  }
}

/**
 * The recurrent encoder of a sequence model: its cell (and the cell's variant: `resetAfter` for
 * a GRU, `peepholes` for an LSTM, see {@link CellVariantOptions}) and its shape.
 */
export interface EncoderOptions extends CellVariantOptions {
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

/**
 * The encoder's settings as a model saves them (plain JSON); `resetAfter` and `peepholes` are
 * present only for the variants that are not PyTorch's (`resetAfter: false`, `peepholes: true`).
 */
export interface EncoderSettings extends CellVariantSettings {
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
}

/** The settings of a built encoder. */
export function encoderSettings(encoder: RecurrentLayer): EncoderSettings {
  const { cell, hiddenSize, numLayers, directions, dropout } = encoder.config;
  return { cell, hiddenSize, numLayers, bidirectional: directions === 2, dropout, ...variantSettings(encoder.config) };
}

/** Builds the encoder over `inputSize` features; `defaultHidden` when the options give none. */
export function createEncoder(options: EncoderOptions, inputSize: number, defaultHidden: number): RecurrentLayer {
  const { cell = 'lstm', hiddenSize = defaultHidden, numLayers = 1, bidirectional = true, dropout = 0, seed = 1, backend } = options;
  return recurrentLayer(cell, {
    inputSize,
    hiddenSize,
    numLayers,
    bidirectional,
    dropout,
    seed,
    ...variantOptions(options),
    ...(backend ? { backend } : {}),
  });
}

/** Features of the encoder's output per step: directions × hidden size. */
export function encoderWidth(encoder: RecurrentLayer): number {
  return encoder.config.directions * encoder.config.hiddenSize;
}

/** The checkpoint entry of the generator state an epoch's batch order was drawn from. */
const EPOCH_ORDER = 'batches.epoch_random';

/**
 * A training task over `examples`: each epoch, batches of `batchSize` examples of similar
 * length (by `lengthOf`) in a shuffled order; `trainBatch` runs forward and backward on one
 * batch and returns its mean loss; tokens count the examples' lengths. Its saved state —
 * the generator state the epoch's order was drawn from and the states of `generators`
 * (the model's parts' own, which draw dropout masks) — lets a checkpoint resume mid-epoch exactly.
 */
export async function batchedTask<E>(
  examples: readonly E[],
  batchSize: number,
  random: Random,
  parameters: Parameter[],
  lengthOf: (example: E) => number,
  trainBatch: (batch: E[]) => Promise<number>,
  generators: Readonly<Record<string, Random>> = {},
): Promise<TrainingTask> {
  const batches = new IndexBatches(examples.length, batchSize, random, examples.map(lengthOf));
  const generatorKey = (name: string): string => `random.${name}`;
  return {
    batchesPerEpoch: batches.batchesPerEpoch,
    random,
    parameters: () => parameters,
    startEpoch: () => batches.startEpoch(),
    trainBatch: async (index) => {
      const picked = batches.batch(index).map((i) => examples[i]);
      const loss = await trainBatch(picked);
      return { loss, tokens: picked.reduce((n, e) => n + lengthOf(e), 0) };
    },
    saveState: () => {
      const state: Record<string, Tensor> = {};
      const epoch = batches.epochRandomState;
      if (epoch !== undefined) state[EPOCH_ORDER] = randomStateTensor(epoch);
      for (const [name, g] of Object.entries(generators)) state[generatorKey(name)] = randomStateTensor(g.getState());
      return state;
    },
    loadState: (state) => {
      const epoch = state[EPOCH_ORDER];
      if (epoch === undefined) throw new FormatError(`the checkpoint lacks '${EPOCH_ORDER}', the state the batch order was drawn from`);
      batches.restoreEpoch(randomStateOf(epoch, EPOCH_ORDER));
      for (const [name, g] of Object.entries(generators)) {
        const t = state[generatorKey(name)];
        if (t === undefined) throw new FormatError(`the checkpoint lacks '${generatorKey(name)}', the state of the generator of '${name}'`);
        g.setState(randomStateOf(t, generatorKey(name)));
      }
    },
  };
}

/** A generator state (four 32-bit words) as a tensor of eight 16-bit halves, which float32 holds exactly. */
function randomStateTensor(state: readonly number[]): Tensor {
  return { shape: [8], data: Float32Array.from(state.flatMap((w) => [w >>> 16, w & 0xffff])) };
}

/** The generator state of {@link randomStateTensor}'s tensor. @throws FormatError naming `name` when it is not one. */
function randomStateOf(t: Tensor, name: string): number[] {
  const halves = Array.from(t.data);
  if (halves.length !== 8 || !halves.every((h) => Number.isInteger(h) && h >= 0 && h <= 0xffff) || halves.every((h) => h === 0)) {
    throw new FormatError(`checkpoint entry '${name}' is not a generator state (eight 16-bit halves, not all zero)`);
  }
  return [0, 1, 2, 3].map((i) => ((halves[2 * i] << 16) | halves[2 * i + 1]) >>> 0);
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
export function pooledGradient(
  encoder: RecurrentLayer,
  pooling: SequencePooling,
  output: Tensor,
  h: Tensor,
  lengths: readonly number[],
  dPooled: Tensor,
): RecurrentBackwardInput {
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
