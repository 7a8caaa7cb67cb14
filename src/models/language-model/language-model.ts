/**
 * LanguageModel (Mikolov et al. 2010; Graves 2013): a tokenizer and the Embedding → RNN/LSTM/GRU → Dense engine,
 * with evaluation (bits per character, perplexity), sampling of novel text, and the
 * training task the shared training loop runs (truncated BPTT over a token stream).
 */
import type { Backend } from '../../backend/backend.js';
import { getBackend } from '../../backend/select.js';
import { characterCount, type Tokenizer } from '../../data/tokenizers/tokenizer.js';
import { splitValidation, TokenBatches } from '../../data/stream.js';
import { drawFrom, resolveSampling, type SamplingOptions, samplingDistribution } from '../../decode/sampling.js';
import { ShapeError, UsageError } from '../../errors.js';
import {
  type CellKind,
  type CellVariantOptions,
  type CellVariantSettings,
  resolveOptions,
  resolveVariant,
} from '../../layers/recurrent/options.js';
import { defaultRandom, Random } from '../../random.js';
import { type Optimization, OPTIMIZATION_DEFAULTS } from '../../training/optimization.js';
import type { TrainingTask } from '../../training/trainer.js';
import { CoreModel } from '../core-model.js';
import { withDefaults } from '../settings.js';
import { LanguageModelCore } from './core.js';

/**
 * The shape of a language model (saved in model files); `resetAfter: false` (a GRU with the reset
 * gate before the product) and `peepholes: true` (a peephole LSTM) are present only when chosen.
 */
export interface LanguageModelSettings extends CellVariantSettings {
  cell: CellKind;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  /**
   * LSTM only: project the hidden state to this many features (LSTMP, PyTorch's `proj_size`, see
   * the LSTM layer's `projSize`); the decoder then reads P features. Present only when chosen.
   */
  projSize?: number;
}

/** Options of {@link LanguageModel.create}: the settings, the cell's variant (see {@link CellVariantOptions}) and the tokenizer. */
export interface LanguageModelOptions extends Partial<Omit<LanguageModelSettings, keyof CellVariantSettings>>, CellVariantOptions {
  /** Maps text to token ids and back; its vocabulary size sets the model's. */
  tokenizer: Tokenizer;
  /** Seed of the weights' initialisation and of dropout. @default the shared generator */
  seed?: number;
  /** @default the current backend */
  backend?: Backend;
}

/** Defaults: a one-layer LSTM (without peepholes) of 256 units over 64-wide embeddings. */
export const LANGUAGE_MODEL_DEFAULTS: Omit<LanguageModelSettings, keyof CellVariantSettings> = {
  cell: 'lstm',
  embeddingDim: 64,
  hiddenSize: 256,
  numLayers: 1,
  dropout: 0,
};

/** How a language model is trained: the optimisation, the batches and the held-out part. */
export interface LanguageModelTraining extends Optimization {
  /** Parallel streams per batch, B. */
  batch: number;
  /** Time steps per batch (the truncated-BPTT length), T. */
  seqLen: number;
  /** Fraction of the text, at its end, held out for validation. */
  valFraction: number;
  /** Seed of the initialisation and of dropout. */
  seed: number;
}

/** Training defaults (`rnnkit train lm` and the playground): Adam at 2e-3, clipping at norm 5, 32 streams × 64 steps, 5 % held out. */
export const LANGUAGE_MODEL_TRAINING_DEFAULTS: LanguageModelTraining = {
  ...OPTIMIZATION_DEFAULTS,
  lr: 2e-3,
  batch: 32,
  seqLen: 64,
  valFraction: 0.05,
  seed: 1,
};

/** Results of {@link LanguageModel.evaluate}. */
export interface Evaluation {
  /** Mean cross-entropy per predicted token, in nats. */
  loss: number;
  /** Bits per character: total bits over the characters the predicted tokens cover. */
  bitsPerChar: number;
  /** exp(loss): the effective number of equally likely choices per token. */
  perplexity: number;
  /** Tokens predicted. */
  tokens: number;
}

/** Options of {@link LanguageModel.sample}. */
export interface SampleOptions extends SamplingOptions {
  /** Text the sample continues (it is not repeated in the output). @default a line break, or `<eos>` */
  prime?: string;
  /** Tokens to generate. @default 200 */
  length?: number;
  /** Seed of the draws. @default the model's generator */
  seed?: number;
}

/** A text being generated, see {@link LanguageModel.continuation}. */
export interface TextContinuation {
  /** Scores (logits) of the next token, [V]; valid until the next `push`. */
  logits(): Float32Array;
  /**
   * Appends token `id` to the text: runs one step of the model on it.
   * @throws UsageError if `id` is not an integer in [0, V).
   */
  push(id: number): void;
}

/** Parameters are named `embedding.weight`, `rnn.weight_ih_l0`, …, `decoder.bias`. */
export class LanguageModel extends CoreModel<LanguageModelCore<Float32Array>> {
  private constructor(
    readonly tokenizer: Tokenizer,
    readonly settings: LanguageModelSettings,
    core: LanguageModelCore<Float32Array>,
    readonly random: Random,
  ) {
    super(core);
  }

  /**
   * Builds a model for `tokenizer`'s vocabulary.
   * @throws UsageError on an invalid setting.
   */
  static async create(options: LanguageModelOptions): Promise<LanguageModel> {
    const settings = resolveSettings(options);
    const backend = options.backend ?? (await getBackend());
    const random = options.seed === undefined ? defaultRandom() : new Random(options.seed);
    const core = new LanguageModelCore({ vocabSize: options.tokenizer.vocabSize, ...settings }, backend, random);
    return new LanguageModel(options.tokenizer, settings, core, random);
  }

  /**
   * The training task over token ids, for the shared training loop: B streams of
   * T-step windows (truncated BPTT), the state carried from batch to batch within an
   * epoch and reset at each epoch's start.
   */
  trainingTask(ids: Int32Array, batch: number, steps: number): TrainingTask {
    const batches = new TokenBatches(ids, batch, steps);
    const core = this.core;
    const isTraining = (): boolean => this.training;
    core.prepare(steps, batch);
    return {
      batchesPerEpoch: batches.batchesPerEpoch,
      random: this.random,
      parameters: () => core.parameters(),
      startEpoch: () => core.resetState(),
      trainBatch(index: number) {
        core.prepare(steps, batch);
        batches.fill(index, core.inputIds(), core.targetIds());
        return { loss: core.run(isTraining(), true, true), tokens: steps * batch };
      },
      saveState: () => core.carriedState(),
      // Sampling or evaluating in between re-prepares the engine for other shapes.
      loadState: (state) => {
        core.prepare(steps, batch);
        core.loadCarriedState(state);
      },
    };
  }

  /**
   * Evaluates on `text` (or token ids): B streams of T-step windows from a zero state,
   * the state carried across windows, as in training. A short text gets smaller B and T
   * so that at least one window fits.
   * @throws ShapeError when the text has fewer than two tokens.
   */
  evaluate(text: string | Int32Array, options: { batch?: number; steps?: number } = {}): Evaluation {
    const ids = typeof text === 'string' ? this.tokenizer.encode(text) : text;
    const n = ids.length;
    if (n < 2) throw new ShapeError(`evaluate: need at least 2 tokens, got ${n}`);
    const steps = Math.min(options.steps ?? 64, n - 1);
    const batch = Math.max(1, Math.min(options.batch ?? 32, Math.floor((n - 1) / steps)));
    const batches = new TokenBatches(ids, batch, steps);
    const core = this.core;
    core.prepare(steps, batch);
    core.resetState();
    let total = 0;
    for (let i = 0; i < batches.batchesPerEpoch; i++) {
      batches.fill(i, core.inputIds(), core.targetIds());
      total += core.run(false, true, false);
    }
    const loss = total / batches.batchesPerEpoch;
    const tokens = batches.batchesPerEpoch * steps * batch;
    // Characters per token over the whole text scale bits per token to bits per character
    // (exact for characters; for words given as ids, from their decoded text).
    const chars = typeof text === 'string' ? characterCount(text) : characterCount(this.tokenizer.decode(ids));
    return { loss, bitsPerChar: (loss / Math.LN2) * (n / chars), perplexity: Math.exp(loss), tokens };
  }

  /**
   * Generates text token by token, yielding each token's text as soon as it is drawn.
   * The tokenizer's placeholders (`<unk>`, `<pad>`) are never drawn.
   * @throws UsageError on invalid options.
   */
  async *sample(options: SampleOptions = {}): AsyncGenerator<string, void, undefined> {
    const sampling = resolveSampling(options, this.tokenizer.placeholderIds);
    const length = options.length ?? 200;
    if (!Number.isInteger(length) || length < 0) throw new UsageError(`sample: length must be an integer ≥ 0, got ${length}`);
    const random = options.seed === undefined ? this.random : new Random(options.seed);
    const probs = new Float64Array(this.tokenizer.vocabSize);
    const text = this.continuation(options.prime);
    const decoder = this.tokenizer.decoder();
    for (let i = 0; i < length; i++) {
      samplingDistribution(text.logits(), sampling, probs);
      const id = drawFrom(probs, random);
      yield decoder.push(id);
      text.push(id);
    }
  }

  /**
   * Starts a text after `prime` (when empty: a line break, or a word model's `<eos>`) and
   * returns a handle to extend it one token at a time: `logits()` are the scores of the next
   * token, `push(id)` feeds the token chosen. {@link sample} draws every token from it;
   * a caller may choose tokens its own way (force some, forbid others). The handle shares the
   * model's engine: training, evaluating, sampling or another continuation in between ends it.
   */
  continuation(prime?: string): TextContinuation {
    const core = this.core;
    const V = this.tokenizer.vocabSize;
    let logits = this.runPrime(prime);
    core.prepare(1, 1);
    return {
      logits: () => logits,
      push: (id: number) => {
        if (!(Number.isInteger(id) && id >= 0 && id < V))
          throw new UsageError(`continuation: token id must be an integer in [0, ${V}), got ${id}`);
        core.inputIds()[0] = id;
        core.run(false, false, false);
        logits = core.output();
      },
    };
  }

  /**
   * The distribution the next token is drawn from after `prime` (V probabilities, indexed
   * by token id, summing to 1): the softmax of the model's scores with the temperature,
   * top-k and top-p of `options` applied, exactly as {@link sample} draws its first token.
   * @throws UsageError on invalid options.
   */
  nextTokenProbabilities(prime: string, options: SamplingOptions = {}): Float64Array {
    const sampling = resolveSampling(options, this.tokenizer.placeholderIds);
    const probs = new Float64Array(this.tokenizer.vocabSize);
    samplingDistribution(this.runPrime(prime), sampling, probs);
    return probs;
  }

  /**
   * Runs the prime (or, when it is empty, a line break or a word model's `<eos>`) from a zero
   * state as one window; returns the scores of the token after it, [V].
   */
  private runPrime(prime = ''): Float32Array {
    let ids = this.tokenizer.encode(prime);
    if (ids.length === 0) ids = this.tokenizer.encode('\n').subarray(0, 1);
    const core = this.core;
    const V = this.tokenizer.vocabSize;
    core.prepare(ids.length, 1);
    core.resetState();
    core.inputIds().set(ids);
    core.run(false, false, false);
    return core.output().subarray((ids.length - 1) * V);
  }

  /** Generates `length` tokens and returns their text. */
  async generate(options: SampleOptions = {}): Promise<string> {
    let text = '';
    for await (const piece of this.sample(options)) text += piece;
    return text;
  }
}

/**
 * Splits a text's token ids as a language model trains on them: the held-out end
 * (`valFraction`, see {@link splitValidation}) and the training ids before it.
 * @param source what the ids come from, for the error message (a file name).
 * @throws UsageError when the training ids are too few for one batch of `batch` × `seqLen`.
 */
export function splitForTraining(
  ids: Int32Array,
  training: Pick<LanguageModelTraining, 'batch' | 'seqLen' | 'valFraction'>,
  source = 'the text',
): { train: Int32Array; validation: Int32Array } {
  const split = splitValidation(ids, training.valFraction);
  if (split.train.length < training.batch * training.seqLen + 1) {
    throw new UsageError(
      `${source} gives ${split.train.length} training tokens, too few for one batch of ` +
        `${training.batch} × ${training.seqLen} (lower the batch size or the sequence length)`,
    );
  }
  return split;
}

/** Validates settings, filling in {@link LANGUAGE_MODEL_DEFAULTS}. */
export function resolveSettings(options: Omit<LanguageModelOptions, 'tokenizer'>): LanguageModelSettings {
  const s = withDefaults(LANGUAGE_MODEL_DEFAULTS, options);
  if (!['lstm', 'gru', 'rnn'].includes(s.cell)) throw new UsageError(`cell must be 'lstm', 'gru' or 'rnn', got '${String(s.cell)}'`);
  for (const key of ['embeddingDim', 'hiddenSize', 'numLayers'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new UsageError(`${key} must be a positive integer, got ${String(s[key])}`);
  }
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new UsageError(`dropout must be in [0, 1), got ${String(s.dropout)}`);
  const projSize = options.projSize ?? 0;
  if (projSize !== 0) {
    resolveOptions(s.cell, { inputSize: 1, hiddenSize: s.hiddenSize, projSize }, 'LanguageModel'); // an LSTM's option, below hiddenSize
  }
  return {
    cell: s.cell,
    embeddingDim: s.embeddingDim,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    dropout: s.dropout,
    ...resolveVariant(s.cell, options, 'LanguageModel'),
    ...(projSize !== 0 ? { projSize } : {}),
  };
}
