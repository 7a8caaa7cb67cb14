/**
 * CRF: a linear-chain conditional random field (Lafferty et al. 2001) over per-step tag scores
 * (emissions), the output layer of a BiLSTM-CRF tagger. It scores whole tag paths,
 *   s(y) = start[y₀] + Σ_t e_t(y_t) + Σ_{t≥1} transitions[y_{t−1}, y_t] + end[y_{L−1}],
 * trains on the negative log-likelihood −log P(y | e) = log Z − s(y) (forward algorithm in log
 * space, gradients by forward–backward) and decodes with Viterbi. Parameters and reductions
 * are pytorch-crf's, so its state dicts load as they are.
 *
 * Shapes (T steps, B sequences, K numTags): emissions [T, B, K] ([B, T, K] with batchFirst);
 * sequence b uses its first lengths[b] steps, and steps past that never change a result.
 */
import { ShapeError, UsageError } from '../../errors.js';
import { assertFinite, assertTensor, formatShape, type Tensor } from '../../tensor/tensor.js';
import { layoutBatch } from '../recurrent/batch.js';
import { fromInternal, toInternal } from '../recurrent/layout.js';
import { Module, type ModuleOptions } from '../module.js';
import { checkConstraints, describeViolation, firstViolation, type TransitionConstraints } from './constraints.js';
import { CRF_REDUCTIONS, type CrfBatch, CrfComputation, crfParameterSpecs, type CrfReduction, type ScoredTags } from './computation.js';

/** Options of {@link CRF}. */
export interface CRFOptions extends ModuleOptions {
  /** K, the number of tags. */
  numTags: number;
  /** Emissions (and their gradient and marginals) are [B, T, K] instead of [T, B, K]. @default false */
  batchFirst?: boolean;
  /** Moves no path may make, in training and decoding (see {@link allowedTransitions}). @default none */
  constraints?: TransitionConstraints;
}

/** Options of {@link CRF.negativeLogLikelihood}. */
export interface CrfLossOptions {
  /** Steps of each sequence, in [1, T]. @default each tag list's length */
  lengths?: ArrayLike<number>;
  /**
   * `sum` over the batch, `mean` over the batch, `none` (one loss per sequence; the gradient
   * is that of their sum) or `tokenMean` (the sum divided by the number of real steps). @default 'sum'
   */
  reduction?: CrfReduction;
}

/** What {@link CRF.negativeLogLikelihood} returns. */
export interface CrfLossResult {
  /** The reduced loss, or one per sequence with `none`. */
  loss: number | number[];
  /** d loss / d emissions, shaped as the emissions (zero past each length). */
  grad: Tensor;
}

/** Options of decoding, marginals and the partition function. */
export interface CrfDecodeOptions {
  /** Steps of each sequence, in [1, T]. @default all T */
  lengths?: ArrayLike<number>;
}

/** One of the best paths of a sequence. */
export interface ScoredPath {
  /** One tag per step of the sequence. */
  tags: number[];
  /** Its score s(y). */
  score: number;
  /** log P(y | e) = s(y) − log Z. */
  logProbability: number;
}

/**
 * A linear-chain CRF layer with pytorch-crf's parameters `start_transitions` [K],
 * `end_transitions` [K] and `transitions` [K, K] (`transitions[i, j]`: tag i followed by tag j),
 * initialised U(−0.1, 0.1) from the layer's generator.
 * @example
 * const crf = new CRF({ numTags: 5, constraints: allowedTransitions('BIO', ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']) });
 * const { loss, grad } = await crf.negativeLogLikelihood(emissions, [[1, 2, 0], [3]], { reduction: 'mean' });
 * const paths = await crf.decode(emissions, { lengths: [3, 1] }); // e.g. [[1, 2, 0], [3]]
 */
export class CRF extends Module {
  readonly numTags: number;
  readonly batchFirst: boolean;
  /** The forbidden moves, when given. */
  readonly constraints: TransitionConstraints | undefined;
  private computation: CrfComputation<Float32Array> | undefined;

  /** @throws UsageError on an invalid option. */
  constructor(options: CRFOptions) {
    const { numTags, batchFirst = false, constraints } = options;
    if (!Number.isInteger(numTags) || numTags < 1) throw new UsageError(`CRF: numTags must be a positive integer, got ${String(numTags)}`);
    if (typeof batchFirst !== 'boolean') throw new UsageError(`CRF: batchFirst must be a boolean, got ${String(batchFirst)}`);
    if (constraints !== undefined) checkConstraints(constraints, numTags, 'CRF');
    super(crfParameterSpecs(numTags), options, 'CRF');
    this.numTags = numTags;
    this.batchFirst = batchFirst;
    this.constraints = constraints;
  }

  /**
   * The negative log-likelihood of `tags` (one list per sequence: its own length, or T with the
   * entries past its length ignored) given `emissions`, reduced as asked; the parameter gradients
   * accumulate (see {@link gradients}).
   * @throws ShapeError on a wrong shape, length or tag; NonFiniteError on non-finite emissions;
   *   UsageError on an unknown reduction or tags that make a forbidden move.
   */
  async negativeLogLikelihood(
    emissions: Tensor,
    tags: readonly (readonly number[])[],
    options: CrfLossOptions = {},
  ): Promise<CrfLossResult> {
    const what = 'CRF.negativeLogLikelihood';
    const { reduction = 'sum' } = options;
    if (!CRF_REDUCTIONS.includes(reduction)) {
      throw new UsageError(`${what}: reduction must be ${CRF_REDUCTIONS.map((r) => `'${r}'`).join(', ')}, got '${String(reduction)}'`);
    }
    const shape = this.checkEmissions(emissions, what);
    if (!Array.isArray(tags) || tags.length !== shape.B) {
      throw new ShapeError(
        `${what}: tags must hold one tag list per sequence (${shape.B}), got ${Array.isArray(tags) ? tags.length : typeof tags}`,
      );
    }
    if (options.lengths === undefined) {
      tags.forEach((list, b) => {
        if (!Array.isArray(list) || list.length < 1 || list.length > shape.T) {
          throw new ShapeError(
            `${what}: tags[${b}] must hold 1 to ${shape.T} tags (one per step), got ${Array.isArray(list) ? list.length : typeof list}`,
          );
        }
      });
    }
    const lengths = options.lengths ?? tags.map((list) => list.length);
    const batch = this.batchOf(emissions, shape, lengths, what);
    tags.forEach((list, b) => this.checkTags(list, b, batch, what));
    const computation = await this.ensureComputation();
    const { loss, grad } = computation.negativeLogLikelihood(batch, tags, reduction);
    return { loss, grad: this.toCaller(grad, shape) };
  }

  /**
   * The best tag path of each sequence (Viterbi), of its own length.
   * @throws ShapeError on a wrong shape or length; NonFiniteError on non-finite emissions;
   *   UsageError when the constraints allow no path of a sequence's length.
   */
  async decode(emissions: Tensor, options: CrfDecodeOptions = {}): Promise<number[][]> {
    const best = await this.bestPaths(emissions, 1, options, 'CRF.decode');
    return best.map((paths) => paths[0].tags);
  }

  /**
   * The `k` best tag paths of each sequence, best first, with their scores and log-probabilities
   * (list Viterbi; fewer than k when the sequence has fewer allowed paths).
   * @throws as {@link decode}; UsageError when k is not a positive integer.
   */
  async decodeTopK(emissions: Tensor, k: number, options: CrfDecodeOptions = {}): Promise<ScoredPath[][]> {
    const what = 'CRF.decodeTopK';
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`${what}: k must be a positive integer, got ${String(k)}`);
    const best = await this.bestPaths(emissions, k, options, what);
    const logZ = await this.logPartition(emissions, options);
    return best.map((paths, b) => paths.map((p) => ({ ...p, logProbability: p.score - logZ[b] })));
  }

  /**
   * P(y_t = j | e) at every step (forward–backward), shaped as the emissions; zero past each length.
   * @throws as {@link decode}.
   */
  async marginals(emissions: Tensor, options: CrfDecodeOptions = {}): Promise<Tensor> {
    const what = 'CRF.marginals';
    const shape = this.checkEmissions(emissions, what);
    const batch = this.batchOf(emissions, shape, options.lengths, what);
    const computation = await this.ensureComputation();
    this.checkReachable(computation.logPartition(batch), batch, what);
    return this.toCaller(computation.marginals(batch), shape);
  }

  /**
   * log Z of each sequence: the log-sum-exp of the scores of all its allowed paths.
   * @throws as {@link decode} (without the check for allowed paths: log Z is then −∞).
   */
  async logPartition(emissions: Tensor, options: CrfDecodeOptions = {}): Promise<number[]> {
    const what = 'CRF.logPartition';
    const shape = this.checkEmissions(emissions, what);
    const batch = this.batchOf(emissions, shape, options.lengths, what);
    return (await this.ensureComputation()).logPartition(batch);
  }

  /**
   * The scores decoding uses, under the parameters' names: the parameters, with −∞ where the
   * constraints forbid a move (what an exported model carries for a decoder outside rnnkit).
   */
  decodingScores(): Record<string, Tensor> {
    const dict = this.stateDict();
    const c = this.constraints;
    if (c === undefined) return dict;
    const forbid = (t: Tensor, allowed: readonly boolean[]): void =>
      allowed.forEach((ok, i) => {
        if (!ok) t.data[i] = -Infinity;
      });
    forbid(dict.start_transitions, c.start);
    forbid(dict.end_transitions, c.end);
    forbid(dict.transitions, c.transitions.flat());
    return dict;
  }

  private async bestPaths(emissions: Tensor, k: number, options: CrfDecodeOptions, what: string): Promise<ScoredTags[][]> {
    const shape = this.checkEmissions(emissions, what);
    const batch = this.batchOf(emissions, shape, options.lengths, what);
    const best = (await this.ensureComputation()).bestPaths(batch, k);
    this.checkReachable(
      best.map((paths) => (paths.length === 0 ? -Infinity : 0)),
      batch,
      what,
    );
    return best;
  }

  /** The computations, created on first use in the layer's backend. */
  private async ensureComputation(): Promise<CrfComputation<Float32Array>> {
    const backend = await this.backendInUse();
    this.computation ??= new CrfComputation(backend, this.numTags, this.params, this.constraints);
    return this.computation;
  }

  private checkEmissions(emissions: Tensor, what: string): { T: number; B: number } {
    assertTensor(emissions, `${what}: emissions`);
    const order = this.batchFirst ? '[B, T, K]' : '[T, B, K]';
    if (emissions.shape.length !== 3) {
      throw new ShapeError(
        `${what}: expected emissions ${order}, got a ${emissions.shape.length}D tensor of shape ${formatShape(emissions.shape)}`,
      );
    }
    if (emissions.shape[2] !== this.numTags) {
      throw new ShapeError(`${what}: emissions.shape[-1] must be equal to numTags. Expected ${this.numTags}, got ${emissions.shape[2]}`);
    }
    const [T, B] = this.batchFirst ? [emissions.shape[1], emissions.shape[0]] : [emissions.shape[0], emissions.shape[1]];
    if (T < 1 || B < 1)
      throw new ShapeError(`${what}: emissions ${order} need at least one step and one sequence, got ${formatShape(emissions.shape)}`);
    assertFinite(emissions.data, `${what}: emissions`);
    return { T, B };
  }

  /** The batch in time-major layout, its lengths checked. */
  private batchOf(emissions: Tensor, { T, B }: { T: number; B: number }, lengths: ArrayLike<number> | undefined, what: string): CrfBatch {
    layoutBatch(T, B, lengths, what); // checks the lengths
    let data = emissions.data;
    if (this.batchFirst) {
      data = new Float32Array(data.length);
      toInternal(layoutBatch(T, B, undefined, what), true, this.numTags, emissions.data, data);
    }
    return { T, B, emissions: data, lengths: lengths === undefined ? new Array<number>(B).fill(T) : Array.from(lengths) };
  }

  /** A time-major [T, B, K] result in the caller's layout. */
  private toCaller(data: Float32Array, { T, B }: { T: number; B: number }): Tensor {
    const K = this.numTags;
    if (!this.batchFirst) return { shape: [T, B, K], data };
    const out = new Float32Array(data.length);
    fromInternal(layoutBatch(T, B, undefined, 'CRF'), true, K, data, out);
    return { shape: [B, T, K], data: out };
  }

  private checkTags(list: readonly number[], b: number, batch: CrfBatch, what: string): void {
    const L = batch.lengths[b];
    if (!Array.isArray(list) || (list.length !== L && list.length !== batch.T)) {
      throw new ShapeError(
        `${what}: tags[${b}] must hold lengths[${b}] = ${L} tags (or ${batch.T}, padded), ` +
          `got ${Array.isArray(list) ? list.length : typeof list}`,
      );
    }
    for (let t = 0; t < L; t++) {
      const y = list[t];
      if (!Number.isInteger(y) || y! < 0 || y! >= this.numTags) {
        throw new ShapeError(`${what}: tags[${b}][${t}] must be a tag in [0, ${this.numTags}), got ${y}`);
      }
    }
    const violation = this.constraints === undefined ? undefined : firstViolation(list.slice(0, L), this.constraints);
    if (violation !== undefined) {
      throw new UsageError(`${what}: tags[${b}] ${describeViolation(violation)}, which the constraints forbid`);
    }
  }

  /** @throws UsageError naming the first sequence no allowed path covers (log Z = −∞). */
  private checkReachable(logZ: readonly number[], batch: CrfBatch, what: string): void {
    const b = logZ.findIndex((z) => z === -Infinity);
    if (b >= 0) throw new UsageError(`${what}: the constraints allow no tag path of ${batch.lengths[b]} steps (sequence ${b})`);
  }
}
