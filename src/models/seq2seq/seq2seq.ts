/**
 * Seq2Seq (Sutskever et al. 2014; Cho et al. 2014; N→M): an encoder–decoder over token ids — source sequence in, target
 * sequence out, of a different length — with three ways of handing the source over (see
 * core.ts), teacher forcing with a ratio (scheduled sampling), and greedy or beam-search
 * decoding that returns the attention weights for inspection.
 *
 * Targets are given without begin and end tokens: the decoder starts from `begin` and
 * learns to emit `end` after the last token.
 */
import type { Backend } from '../../backend/backend.js';
import { getBackend } from '../../backend/select.js';
import { beamSearch, type BeamSearchOptions, type Hypothesis, resolveBeamOptions } from '../../decode/beam-search.js';
import { ShapeError, UsageError } from '../../errors.js';
import { checkIndices } from '../../layers/embedding.js';
import { type CellVariantOptions, type CellVariantSettings, resolveVariant } from '../../layers/recurrent/options.js';
import { defaultRandom, Random } from '../../random.js';
import { logSoftmaxRow } from '../../tensor/log-space.js';
import { argmax } from '../../tensor/tensor.js';
import { IGNORE_INDEX } from '../../losses/cross-entropy.js';
import type { TrainingTask } from '../../training/trainer.js';
import { batchedTask, checkVocabularies, type Vocabularies } from '../sequence-model.js';
import { withDefaults } from '../settings.js';
import { CoreModel } from '../core-model.js';
import { type Seq2SeqBatch, Seq2SeqCore, type Seq2SeqShape } from './core.js';

export type { AttentionKind, ContextKind, ContextUse, Seq2SeqShape } from './core.js';

/** The shape of an encoder–decoder and how it trains, apart from its vocabularies. */
export interface Seq2SeqTraits extends Seq2SeqShape {
  /** Probability of feeding the true previous token in training (1: always; below, scheduled sampling). */
  teacherForcing: number;
}

/** Defaults: a bidirectional one-layer LSTM encoder (without peepholes) of 128 units, additive attention. */
export const SEQ2SEQ_DEFAULTS: Omit<Seq2SeqTraits, keyof CellVariantSettings> = {
  cell: 'lstm',
  embeddingDim: 64,
  hiddenSize: 128,
  numLayers: 1,
  bidirectional: true,
  dropout: 0,
  context: 'attention',
  contextUse: 'initial-state',
  attention: 'additive',
  attentionSize: 128,
  teacherForcing: 1,
};

/** The token ids a model reads and writes. */
export interface Seq2SeqTokens {
  /** Source token ids are in [0, sourceVocabSize). */
  sourceVocabSize: number;
  /** Target token ids are in [0, targetVocabSize), `begin` and `end` included. */
  targetVocabSize: number;
  /** The token the decoder starts from. */
  begin: number;
  /** The token that ends an output. */
  end: number;
}

/** Everything that sets a model's shape (saved in model files): `create(settings)` builds the same. */
export type Seq2SeqSettings = Seq2SeqTraits & Seq2SeqTokens;

/** Options of {@link Seq2Seq.create}: the traits, the cell's variant (see {@link CellVariantOptions}) and the token ids. */
export interface Seq2SeqOptions extends Partial<Omit<Seq2SeqTraits, keyof CellVariantSettings>>, CellVariantOptions, Seq2SeqTokens {
  /**
   * What turns text into ids and back: the source's `tokenizer` (or `tokens`, a symbol per
   * id), the target's `outputTokenizer` (ids below begin and end) or `labels` (a symbol per id).
   */
  vocabularies?: Vocabularies;
  /** Seed of the initialisation, dropout, batch order and scheduled sampling. @default the shared generator */
  seed?: number;
  /** @default the current backend */
  backend?: Backend;
}

/** A training pair: the target without begin and end tokens. */
export interface SequencePair {
  source: readonly number[];
  target: readonly number[];
}

/** A decoded output with the attention it paid. */
export interface Decoded {
  tokens: number[];
  /** Per output step (the end token's included), the weights over the source steps; empty without attention. */
  attention: number[][];
}

/** Options of {@link Seq2Seq.greedy}. */
export interface GreedyOptions {
  /** Most tokens per output, the end token included. @default 50 */
  maxLength?: number;
  /** Sources decoded together. @default 64 */
  batchSize?: number;
}

/**
 * Parameters are named `encoder.embedding.weight`, `encoder.rnn.weight_ih_l0`, …,
 * `decoder.embedding.weight`, `decoder.cell.weight_ih` (PyTorch's LSTMCell names), `bridge.*`,
 * `attention.*`, `output.weight`, `output.bias`. Training mode turns on dropout and scheduled sampling.
 */
export class Seq2Seq extends CoreModel<Seq2SeqCore<Float32Array>> {
  private constructor(
    readonly settings: Seq2SeqSettings,
    core: Seq2SeqCore<Float32Array>,
    readonly vocabularies: Readonly<Vocabularies>,
    readonly random: Random,
  ) {
    super(core);
  }

  /** The token the decoder starts from. */
  get begin(): number {
    return this.settings.begin;
  }

  /** The token that ends an output. */
  get end(): number {
    return this.settings.end;
  }

  /** Tokens decoding never outputs: the begin token and the output tokenizer's placeholders (`<unk>`, `<pad>`). */
  get excludedOutputs(): number[] {
    return [this.begin, ...(this.vocabularies.outputTokenizer?.placeholderIds ?? [])];
  }

  /** @throws UsageError on an invalid option. */
  static async create(options: Seq2SeqOptions): Promise<Seq2Seq> {
    const traits = resolveSeq2SeqSettings(options);
    const { sourceVocabSize, targetVocabSize, begin, end, vocabularies = {} } = options;
    for (const [name, v] of [
      ['sourceVocabSize', sourceVocabSize],
      ['targetVocabSize', targetVocabSize],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`Seq2Seq: ${name} must be a positive integer, got ${String(v)}`);
    }
    for (const [name, v] of [
      ['begin', begin],
      ['end', end],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= targetVocabSize) {
        throw new UsageError(`Seq2Seq: ${name} must be a target token id in [0, ${targetVocabSize}), got ${String(v)}`);
      }
    }
    if (begin === end) throw new UsageError('Seq2Seq: begin and end must be different tokens');
    checkVocabularies(vocabularies, { inputs: sourceVocabSize, outputs: targetVocabSize }, 'Seq2Seq');
    const output = vocabularies.outputTokenizer;
    if (output !== undefined && output.vocabSize > Math.min(begin, end)) {
      throw new UsageError(`Seq2Seq: the output tokenizer's ${output.vocabSize} ids must come before begin (${begin}) and end (${end})`);
    }
    const backend = options.backend ?? (await getBackend());
    const random = options.seed === undefined ? defaultRandom() : new Random(options.seed);
    const settings = { ...traits, sourceVocabSize, targetVocabSize, begin, end };
    const core = new Seq2SeqCore(settings, backend, random);
    return new Seq2Seq(settings, core, vocabularies, random);
  }

  /**
   * Mean cross-entropy (nats per target token, the end token included) under teacher
   * forcing, and its gradients (accumulated). In training mode the teacher-forcing ratio
   * applies.
   * @throws ShapeError on an empty source or a token id out of range.
   */
  async lossAndBackward(pairs: readonly SequencePair[]): Promise<number> {
    return this.run(pairs, true);
  }

  /** Mean cross-entropy (nats per target token) with every true token fed, without gradients. */
  async evaluate(pairs: readonly SequencePair[]): Promise<number> {
    return this.run(pairs, false);
  }

  /** The training task for the shared loop: length-bucketed shuffled batches; tokens count target tokens. */
  async trainingTask(pairs: readonly SequencePair[], batchSize: number): Promise<TrainingTask> {
    pairs.forEach((p, i) => this.checkPair(p, i));
    return batchedTask(
      pairs,
      batchSize,
      this.random,
      await this.parameters(),
      (p) => p.source.length + p.target.length,
      (batch) => this.train().lossAndBackward(batch),
    );
  }

  /**
   * Greedy decoding: the most likely token at every step (never one of {@link excludedOutputs}), until `end` or `maxLength`.
   * @returns one output per source, in the given order.
   */
  async greedy(sources: readonly (readonly number[])[], options: GreedyOptions = {}): Promise<Decoded[]> {
    const { maxLength } = resolveBeamOptions(options.maxLength === undefined ? {} : { maxLength: options.maxLength });
    const batchSize = options.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new UsageError(`batchSize must be a positive integer, got ${String(batchSize)}`);
    sources.forEach((s, i) => this.checkSource(s, i));
    const out: Decoded[] = new Array<Decoded>(sources.length);
    const V = this.core.config.targetVocabSize;
    const allowed = new Uint8Array(V).fill(1);
    for (const id of this.excludedOutputs) allowed[id] = 0;
    for (let start = 0; start < sources.length; start += batchSize) {
      const indices = Array.from({ length: Math.min(batchSize, sources.length - start) }, (_, i) => start + i);
      const { batch, order } = this.sourceBatch(indices.map((i) => sources[i]));
      const B = batch.B;
      this.core.encode(batch, maxLength, false);
      const decoded: Decoded[] = Array.from({ length: B }, () => ({ tokens: [], attention: [] }));
      const done = new Array<boolean>(B).fill(false);
      const ids = new Int32Array(B).fill(this.begin);
      for (let t = 0; t < maxLength && done.includes(false); t++) {
        const logits = this.core.step(ids);
        const weights = this.core.config.context === 'attention' ? this.core.attentionWeights() : undefined;
        for (let r = 0; r < B; r++) {
          if (done[r]) continue;
          const token = argmax(logits, r * V, V, allowed);
          ids[r] = token;
          if (weights) decoded[r].attention.push(Array.from(weights.subarray(r * batch.S, r * batch.S + batch.lengths[r])));
          if (token === this.end) done[r] = true;
          else decoded[r].tokens.push(token);
        }
      }
      order.forEach((given, r) => {
        out[indices[given]] = decoded[r];
      });
    }
    return out;
  }

  /**
   * Beam search for one source: up to `beamWidth` outputs, best first by length-normalised
   * log-probability, each with its attention weights per step (empty without attention).
   * Hypotheses never extend with one of {@link excludedOutputs}.
   */
  async beamSearch(source: readonly number[], options: BeamSearchOptions = {}): Promise<Hypothesis<number[]>[]> {
    const { beamWidth, maxLength } = resolveBeamOptions(options);
    this.checkSource(source, 0);
    const core = this.core;
    const V = core.config.targetVocabSize;
    // Every beam row reads the same source.
    const { batch } = this.sourceBatch(Array.from({ length: beamWidth }, () => source));
    core.encode(batch, maxLength, false);
    const logProbs = new Float64Array(beamWidth * V);
    const excluded = this.excludedOutputs;
    return beamSearch(
      (tokens, parents) => {
        core.reorder(parents);
        const logits = core.step(tokens);
        for (let r = 0; r < beamWidth; r++) {
          logSoftmaxRow(logits, r * V, V, logProbs, r * V);
          for (const id of excluded) logProbs[r * V + id] = -Infinity;
        }
        const weights = core.config.context === 'attention' ? Array.from(core.attentionWeights()) : undefined;
        return {
          logProbs,
          report: (row) => (weights ? weights.slice(row * batch.S, row * batch.S + source.length) : []),
        };
      },
      V,
      this.begin,
      this.end,
      options,
    );
  }

  /** Runs a teacher-forced batch; with `backward`, accumulates gradients. */
  private async run(pairs: readonly SequencePair[], backward: boolean): Promise<number> {
    if (pairs.length === 0) throw new ShapeError('Seq2Seq: empty batch');
    pairs.forEach((p, i) => this.checkPair(p, i));
    const { batch, order } = this.sourceBatch(pairs.map((p) => p.source));
    const B = batch.B;
    const T = Math.max(...pairs.map((p) => p.target.length)) + 1;
    const targets = new Int32Array(T * B).fill(IGNORE_INDEX);
    order.forEach((given, r) => {
      const target = pairs[given].target;
      target.forEach((id, t) => {
        targets[t * B + r] = id;
      });
      targets[target.length * B + r] = this.end;
    });
    const ratio = this.settings.teacherForcing;
    const forcing = backward && this.training && ratio < 1 ? { ratio, random: this.random } : undefined;
    return this.core.run(batch, targets, this.begin, backward && this.training, backward, forcing);
  }

  /** Sources as a time-major batch in order of decreasing length; order[r] = the given index of row r. */
  private sourceBatch(sources: readonly (readonly number[])[]): { batch: Seq2SeqBatch; order: number[] } {
    const order = sources.map((_, i) => i).sort((a, b) => sources[b].length - sources[a].length || a - b);
    const B = sources.length;
    const S = sources[order[0]].length;
    const source = new Int32Array(S * B);
    const lengths = new Int32Array(B);
    order.forEach((given, r) => {
      const s = sources[given];
      lengths[r] = s.length;
      s.forEach((id, t) => {
        source[t * B + r] = id;
      });
    });
    return { batch: { S, B, source, lengths }, order };
  }

  private checkSource(source: readonly number[], index: number): void {
    if (!Array.isArray(source) || source.length === 0) throw new ShapeError(`Seq2Seq: source ${index} is empty`);
    checkIndices(source, this.core.config.sourceVocabSize, `Seq2Seq: source ${index}`);
  }

  private checkPair(pair: SequencePair, index: number): void {
    this.checkSource(pair.source, index);
    if (!Array.isArray(pair.target)) throw new ShapeError(`Seq2Seq: target ${index} must be an array of token ids`);
    checkIndices(pair.target, this.core.config.targetVocabSize, `Seq2Seq: target ${index}`);
  }
}

/**
 * Checks and completes settings.
 * @throws UsageError naming the first invalid one.
 */
export function resolveSeq2SeqSettings(
  options: Partial<Omit<Seq2SeqTraits, keyof CellVariantSettings>> & CellVariantOptions,
): Seq2SeqTraits {
  const s = withDefaults(SEQ2SEQ_DEFAULTS, options);
  const oneOf = (name: keyof typeof s, allowed: readonly string[]): void => {
    if (!allowed.includes(s[name] as string)) {
      throw new UsageError(`Seq2Seq: ${name} must be ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(s[name])}'`);
    }
  };
  oneOf('cell', ['lstm', 'gru', 'rnn']);
  oneOf('context', ['final', 'transform', 'attention']);
  oneOf('contextUse', ['initial-state', 'every-step']);
  oneOf('attention', ['additive', 'dot', 'general']);
  for (const key of ['embeddingDim', 'hiddenSize', 'numLayers', 'attentionSize'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new UsageError(`Seq2Seq: ${key} must be a positive integer, got ${String(s[key])}`);
  }
  if (typeof s.bidirectional !== 'boolean')
    throw new UsageError(`Seq2Seq: bidirectional must be true or false, got ${String(s.bidirectional)}`);
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new UsageError(`Seq2Seq: dropout must be in [0, 1), got ${String(s.dropout)}`);
  if (!(s.teacherForcing >= 0 && s.teacherForcing <= 1)) {
    throw new UsageError(`Seq2Seq: teacherForcing must be in [0, 1], got ${String(s.teacherForcing)}`);
  }
  return { ...s, ...resolveVariant(s.cell, options, 'Seq2Seq') };
}
