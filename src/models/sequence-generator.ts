/**
 * SequenceGenerator (1→N): generates a token sequence conditioned on a vector
 * (a class as one-hot, or features), in either of two forms (as in image captioning, Vinyals et al. 2015, or Karpathy & Fei-Fei 2015):
 * - `initial-state`: the vector sets the initial state, h0 = tanh(W c + b) for every layer
 *   (an LSTM's c0 is zero), then the network runs as a language model;
 * - `every-step`: the vector is fed with the previous token at every step (the input is
 *   [embedding; c]), from a zero state.
 * Trained with teacher forcing on sequences that start with a begin token and end with an
 * end token; generation samples token by token until the end token or a length limit.
 *
 * Legend: T steps, B sequences, V vocabulary, E embedding width, C condition size, L layers, H hidden size.
 */
import { drawFrom, resolveSampling, type SamplingOptions, samplingDistribution } from '../decode/sampling.js';
import { padTokenIds } from '../data/sequences.js';
import { ShapeError, UsageError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { Module } from '../layers/module.js';
import type { RecurrentLayer } from '../layers/recurrent/layers.js';
import { variantSettings } from '../layers/recurrent/options.js';
import { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import { crossEntropy, IGNORE_INDEX } from '../losses/cross-entropy.js';
import type { TrainingTask } from '../training/trainer.js';
import {
  checkVocabularies,
  ComposedModel,
  createEncoder,
  encoderSettings,
  type EncoderOptions,
  type EncoderSettings,
  type Vocabularies,
} from './sequence-model.js';

/** Where the condition enters. */
export type Conditioning = 'initial-state' | 'every-step';

/** Options of {@link SequenceGenerator.create}. */
export interface SequenceGeneratorOptions extends Omit<EncoderOptions, 'bidirectional'> {
  /** Token ids are in [0, vocabSize). */
  vocabSize: number;
  /** Length of the condition vector, C. */
  conditionSize: number;
  /** @default 'initial-state' */
  conditioning?: Conditioning;
  /** @default 32 */
  embeddingDim?: number;
  /** The tokenizer of the generated text (`tokenizer`, vocabSize ids). @default none */
  vocabularies?: Vocabularies;
}

/** The shape of a generator (saved in model files); {@link SequenceGenerator.create} rebuilds it. */
export interface SequenceGeneratorSettings extends Omit<EncoderSettings, 'bidirectional'> {
  vocabSize: number;
  conditionSize: number;
  conditioning: Conditioning;
  embeddingDim: number;
}

/** A training sequence (begin token … end token) and its condition vector. */
export interface ConditionedSequence {
  condition: readonly number[];
  tokens: readonly number[];
}

/** Options of {@link SequenceGenerator.generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** The first input token. */
  begin: number;
  /** Generation stops after this token (not included in the result). */
  end: number;
  /** Most tokens to generate. @default 50 */
  maxLength?: number;
  /** Seed of the draws. @default the model's generator */
  seed?: number;
  /** Token ids never to generate. @default the placeholders of the model's tokenizer (`<unk>`, `<pad>`), or none */
  exclude?: readonly number[];
}

export class SequenceGenerator extends ComposedModel {
  private constructor(
    readonly embedding: Embedding,
    readonly rnn: RecurrentLayer,
    readonly output: Dense,
    readonly initialState: Dense | undefined,
    readonly conditioning: Conditioning,
    readonly conditionSize: number,
    readonly random: Random,
    vocabularies: Vocabularies,
  ) {
    super(
      [['embedding', embedding], ['rnn', rnn], ['output', output], ...(initialState ? [['initial_state', initialState] as const] : [])] as [
        string,
        Module,
      ][],
      vocabularies,
    );
  }

  /** @throws UsageError on an invalid option. */
  static create(options: SequenceGeneratorOptions): SequenceGenerator {
    const {
      vocabSize,
      conditionSize,
      conditioning = 'initial-state',
      embeddingDim = 32,
      hiddenSize = 64,
      numLayers = 1,
      seed = 1,
      backend,
      vocabularies = {},
    } = options;
    if (conditioning !== 'initial-state' && conditioning !== 'every-step') {
      throw new UsageError(`SequenceGenerator: conditioning must be 'initial-state' or 'every-step', got '${String(conditioning)}'`);
    }
    if (!Number.isInteger(conditionSize) || conditionSize < 1)
      throw new UsageError(`SequenceGenerator: conditionSize must be a positive integer, got ${conditionSize}`);
    checkVocabularies(vocabularies, { inputs: vocabSize }, 'SequenceGenerator');
    const common = { ...(backend ? { backend } : {}) };
    const embedding = new Embedding({ numEmbeddings: vocabSize, embeddingDim, seed, ...common });
    const inputSize = embeddingDim + (conditioning === 'every-step' ? conditionSize : 0);
    const rnn = createEncoder({ ...options, hiddenSize, numLayers, bidirectional: false, seed: seed + 1 }, inputSize, hiddenSize);
    const output = new Dense({ inFeatures: hiddenSize, outFeatures: vocabSize, seed: seed + 2, ...common });
    const initialState =
      conditioning === 'initial-state'
        ? new Dense({ inFeatures: conditionSize, outFeatures: numLayers * hiddenSize, seed: seed + 3, ...common })
        : undefined;
    return new SequenceGenerator(embedding, rnn, output, initialState, conditioning, conditionSize, new Random(seed + 4), vocabularies);
  }

  /** Its settings: `create({ ...settings, vocabularies })` builds the same shape. */
  get settings(): SequenceGeneratorSettings {
    const { cell, hiddenSize, numLayers, dropout } = encoderSettings(this.rnn);
    return {
      vocabSize: this.embedding.numEmbeddings,
      conditionSize: this.conditionSize,
      conditioning: this.conditioning,
      embeddingDim: this.embedding.embeddingDim,
      cell,
      hiddenSize,
      numLayers,
      dropout,
      ...variantSettings(this.rnn.config),
    };
  }

  /**
   * Mean cross-entropy (nats per predicted token) of sequences under teacher forcing,
   * without gradients — e.g. held-out data, or the same data with other conditions.
   */
  async evaluate(batch: readonly ConditionedSequence[]): Promise<number> {
    return (await this.teacherForced(batch)).loss;
  }

  /**
   * Teacher forcing: predicts tokens[t + 1] from tokens[0 … t] and the condition; mean
   * cross-entropy over the real steps; backward (gradients accumulate).
   * @throws ShapeError on a sequence shorter than 2 tokens or a condition of the wrong size.
   */
  async lossAndBackward(batch: readonly ConditionedSequence[]): Promise<number> {
    const { loss, grad, state, T, B } = await this.teacherForced(batch);
    const dOutput = await this.output.backward(grad);
    const { x: dInput, h0: dh0 } = await this.rnn.backward({ output: dOutput });
    const E = this.embedding.embeddingDim;
    const width = dInput.shape[2];
    const dEmbedded: Tensor = { shape: [T, B, E], data: new Float32Array(T * B * E) };
    for (let r = 0; r < T * B; r++) dEmbedded.data.set(dInput.data.subarray(r * width, r * width + E), r * E);
    await this.embedding.backward(dEmbedded);
    if (this.initialState !== undefined && state !== undefined) {
      // h0 = tanh(W c + b): back through the tanh, then the projection.
      const { numLayers: L, hiddenSize: H } = this.rnn.config;
      const dProjected: Tensor = { shape: [B, L * H], data: new Float32Array(B * L * H) };
      for (let l = 0; l < L; l++) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const h = state.data[(l * B + b) * H + j];
            dProjected.data[b * L * H + l * H + j] = dh0.data[(l * B + b) * H + j] * (1 - h * h);
          }
        }
      }
      await this.initialState.backward(dProjected);
    }
    return loss;
  }

  private async teacherForced(batch: readonly ConditionedSequence[]) {
    batch.forEach((s, b) => {
      if (s.tokens.length < 2) throw new ShapeError(`SequenceGenerator: sequence ${b} needs at least a begin and an end token`);
    });
    const { ids, T, B, lengths } = padTokenIds(
      batch.map((s) => s.tokens.slice(0, -1)),
      'SequenceGenerator',
    );
    const conditions = this.conditions(batch.map((s) => s.condition));
    const { logits, state } = await this.run(ids, T, B, lengths, conditions, undefined);
    // Targets are the inputs shifted by one; padded steps get the ignore index.
    const targets = padTokenIds(
      batch.map((s) => s.tokens.slice(1)),
      'SequenceGenerator',
      IGNORE_INDEX,
    ).ids;
    const { loss, grad } = await crossEntropy(logits, targets);
    return { loss: loss as number, grad, state, T, B };
  }

  /**
   * Generates one sequence for `condition`, token by token from `begin` until `end` (not
   * included) or `maxLength` tokens, never drawing the `exclude` ids.
   */
  async generate(condition: readonly number[], options: GenerateOptions): Promise<number[]> {
    const sampling = resolveSampling(options, options.exclude ?? this.vocabularies.tokenizer?.placeholderIds ?? []);
    const maxLength = options.maxLength ?? 50;
    const random = options.seed === undefined ? this.random : new Random(options.seed);
    const conditions = this.conditions([condition]);
    const V = this.embedding.numEmbeddings;
    const probs = new Float64Array(V);
    const out: number[] = [];
    let token = options.begin;
    let h: Tensor | undefined;
    let c: Tensor | undefined;
    for (let i = 0; i < maxLength; i++) {
      const step = await this.run(Int32Array.of(token), 1, 1, [1], conditions, h === undefined ? undefined : { h, c });
      ({ h, c } = step.final);
      samplingDistribution(step.logits.data, sampling, probs);
      token = drawFrom(probs, random);
      if (token === options.end) break;
      out.push(token);
    }
    return out;
  }

  /** The training task for the shared loop: length-bucketed shuffled batches; tokens count predicted steps. */
  async trainingTask(examples: readonly ConditionedSequence[], batchSize: number): Promise<TrainingTask> {
    return this.batchedTask(
      examples,
      batchSize,
      (e) => e.tokens.length - 1,
      (batch) => this.train().lossAndBackward(batch),
    );
  }

  /** Conditions as a [B, C] tensor. */
  private conditions(list: readonly (readonly number[])[]): Tensor {
    const C = this.conditionSize;
    const data = new Float32Array(list.length * C);
    list.forEach((v, b) => {
      if (v.length !== C) throw new ShapeError(`SequenceGenerator: condition ${b} has ${v.length} values, expected ${C}`);
      data.set(v, b * C);
    });
    return { shape: [list.length, C], data };
  }

  /**
   * Runs the network over ids [T, B] from `from` (a carried state) or the condition's initial
   * state; returns logits [T, B, V], the initial state used (initial-state form) and the final states.
   */
  private async run(
    ids: Int32Array,
    T: number,
    B: number,
    lengths: readonly number[],
    conditions: Tensor,
    from: { h: Tensor; c: Tensor | undefined } | undefined,
  ) {
    const E = this.embedding.embeddingDim;
    const C = this.conditionSize;
    let input = await this.embedding.forward(ids, [T, B]);
    if (this.conditioning === 'every-step') {
      const joined: Tensor = { shape: [T, B, E + C], data: new Float32Array(T * B * (E + C)) };
      for (let r = 0; r < T * B; r++) {
        joined.data.set(input.data.subarray(r * E, (r + 1) * E), r * (E + C));
        joined.data.set(conditions.data.subarray((r % B) * C, ((r % B) + 1) * C), r * (E + C) + E);
      }
      input = joined;
    }
    let state: Tensor | undefined;
    let h0: Tensor | undefined = from?.h;
    const c0 = from?.c;
    if (h0 === undefined && this.initialState !== undefined) {
      const { numLayers: L, hiddenSize: H } = this.rnn.config;
      const projected = await this.initialState.forward(conditions); // [B, L·H]
      state = { shape: [L, B, H], data: new Float32Array(L * B * H) };
      for (let l = 0; l < L; l++) {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) state.data[(l * B + b) * H + j] = Math.tanh(projected.data[b * L * H + l * H + j]);
        }
      }
      h0 = state;
    }
    const result = await this.rnn.forward(input, { ...(h0 ? { h0 } : {}), ...(c0 ? { c0 } : {}), lengths });
    const logits = await this.output.forward(result.output);
    return { logits, state, final: { h: result.h, c: result.c } };
  }
}
