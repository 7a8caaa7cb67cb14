/**
 * The computations of a linear-chain CRF (Lafferty et al. 2001) on a backend, generic over
 * its element type (float64 on the reference backend serves the gradient checks): the negative
 * log-likelihood of tag paths with its gradient, the marginals, the log partition function and
 * (list) Viterbi decoding, each over a batch of sequences of their own lengths. The recursions
 * are the backend's CRF kernels; this module lays out the batch and combines the results.
 *
 * A K-tag CRF scores a tag path y of a sequence with emissions e [L, K] as
 *   s(y) = start[y₀] + Σ_t e_t(y_t) + Σ_{t≥1} transitions[y_{t−1}, y_t] + end[y_{L−1}],
 * and P(y | e) = exp(s(y) − log Z), Z = Σ over every path y′ of length L of exp(s(y′)).
 * A forbidden move (see constraints.ts) adds −∞ to the score of any path that makes it.
 *
 * Legend: T steps, B sequences, K tags, k paths.
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { Workspace } from '../../tensor/workspace.js';
import type { ParameterSet, ParameterSpec } from '../parameters.js';
import type { TransitionConstraints } from './constraints.js';

/**
 * How per-sequence losses combine (pytorch-crf's reductions, as losses): `sum` over the batch,
 * `mean` over the batch, `none` (one per sequence; the gradient is the sum's), `tokenMean`
 * (the sum over the batch divided by the number of real steps).
 */
export type CrfReduction = 'sum' | 'mean' | 'none' | 'tokenMean';

/** The reductions, for checks and messages. */
export const CRF_REDUCTIONS: readonly CrfReduction[] = ['sum', 'mean', 'none', 'tokenMean'];

/**
 * pytorch-crf's parameters, in its order: `start_transitions` [K], `end_transitions` [K] and
 * `transitions` [K, K] (row i: from tag i), each initialised U(−0.1, 0.1).
 */
export function crfParameterSpecs(K: number): ParameterSpec[] {
  return [
    { name: 'start_transitions', shape: [K], init: { uniform: 0.1 } },
    { name: 'end_transitions', shape: [K], init: { uniform: 0.1 } },
    { name: 'transitions', shape: [K, K], init: { uniform: 0.1 } },
  ];
}

/** A batch as the computations take it (already checked): time-major emissions [T, B, K] and each sequence's length in [1, T]. */
export interface CrfBatch {
  T: number;
  B: number;
  emissions: ArrayLike<number>;
  lengths: readonly number[];
}

/** A decoded path: its tags and its score s(y). */
export interface ScoredTags {
  tags: number[];
  score: number;
}

/** The start, end and transition scores a kernel reads. */
interface Scores<F extends FloatArray> {
  start: F;
  end: F;
  transitions: F;
}

/** The sizes the buffers of one call depend on: T steps, B sequences, k paths (1 but for k-best decoding). */
interface CrfExtent {
  T: number;
  B: number;
  k: number;
}

/** The float buffers of a call (see {@link CrfComputation}'s workspace). */
type CrfBuffer =
  | 'emissions'
  | 'alpha'
  | 'beta'
  | 'dEmissions'
  | 'logZ'
  | 'score'
  | 'weights'
  | 'work'
  | 'start'
  | 'end'
  | 'transitions'
  | 'scratchStart'
  | 'scratchEnd'
  | 'scratchTransitions'
  | 'delta'
  | 'pathScores';

/** The CRF computations over one parameter set in one backend. */
export class CrfComputation<F extends FloatArray> {
  /** 0 where allowed, −∞ where forbidden; undefined without constraints. */
  private readonly penalties: Scores<F> | undefined;
  /**
   * The buffers of a call, for T steps, B sequences and k paths: emissions, alpha, beta,
   * dEmissions [T, B, K]; logZ, score, weights [B]; work [K² + 2K] the kernels' scratch; start,
   * end [K] and transitions [K, K] the scores with the constraints' penalties; scratchStart,
   * scratchEnd, scratchTransitions the parameter gradients marginals() discards; delta
   * [T, B, K, k] and pathScores [B, k] of k-best Viterbi; ints lengths [B], tags [T, B],
   * history [T, B, K, k], paths [B, k, T].
   */
  private readonly workspace: Workspace<F, CrfBuffer, 'lengths' | 'tags' | 'history' | 'paths', CrfExtent>;

  /**
   * @param params the parameters of {@link crfParameterSpecs}, bound to `backend`
   * @param constraints forbidden moves (checked against K by the caller)
   */
  constructor(
    private readonly backend: Backend<F>,
    readonly K: number,
    private readonly params: ParameterSet<F>,
    constraints?: TransitionConstraints,
  ) {
    const steps = ({ T, B }: CrfExtent): number => T * B * K;
    const rows = ({ B }: CrfExtent): number => B;
    const tags = (): number => K;
    const masked = (n: number) => (): number => (constraints === undefined ? 0 : n);
    this.workspace = new Workspace(
      backend,
      {
        floats: {
          emissions: steps,
          alpha: steps,
          beta: steps,
          dEmissions: steps,
          logZ: rows,
          score: rows,
          weights: rows,
          work: () => K * K + 2 * K,
          start: masked(K),
          end: masked(K),
          transitions: masked(K * K),
          scratchStart: tags,
          scratchEnd: tags,
          scratchTransitions: () => K * K,
          delta: ({ T, B, k }) => T * B * K * k,
          pathScores: ({ B, k }) => B * k,
        },
        ints: { lengths: rows, tags: ({ T, B }) => T * B, history: ({ T, B, k }) => T * B * K * k, paths: ({ T, B, k }) => B * k * T },
      },
      this,
    );
    if (constraints === undefined) return;
    const penalty = (allowed: readonly boolean[]): F => {
      const buffer = backend.alloc(allowed.length);
      allowed.forEach((ok, i) => {
        buffer[i] = ok ? 0 : -Infinity;
      });
      return buffer;
    };
    this.penalties = {
      start: penalty(constraints.start),
      end: penalty(constraints.end),
      transitions: penalty(constraints.transitions.flat()),
    };
  }

  /**
   * Negative log-likelihood of one tag path per sequence (tags[b] holds at least lengths[b] tags;
   * more are ignored), combined by `reduction`; returns the loss and d loss / d emissions [T, B, K]
   * (zero past each length), and accumulates d loss / d parameters into the parameters' gradients.
   * A forbidden tag move is the caller's to reject first (it would make the loss infinite).
   */
  negativeLogLikelihood(
    batch: CrfBatch,
    tags: readonly (readonly number[])[],
    reduction: CrfReduction,
  ): { loss: number | number[]; grad: F } {
    const { B, lengths } = batch;
    const b = this.backend;
    const tokens = lengths.reduce((n, L) => n + L, 0);
    // d reduced / d nll_b
    const weight = reduction === 'mean' ? 1 / B : reduction === 'tokenMean' ? 1 / tokens : 1;
    const v = this.prepare(batch, 1);
    v.tags.fill(0);
    tags.forEach((list, item) => {
      for (let t = 0; t < lengths[item]; t++) v.tags[t * B + item] = list[t];
    });
    this.forward(batch, v.tags);
    b.fill(B, weight, v.weights);
    this.backward(batch, v.tags, v.dEmissions, {
      start: this.params.get('start_transitions').grad,
      end: this.params.get('end_transitions').grad,
      transitions: this.params.get('transitions').grad,
    });
    const losses = Array.from({ length: B }, (_, item) => v.logZ[item] - v.score[item]);
    const sum = losses.reduce((s, l) => s + l, 0);
    const loss = reduction === 'none' ? losses : reduction === 'sum' ? sum : sum * weight;
    return { loss, grad: v.dEmissions.slice() as F };
  }

  /** log Z of each sequence. */
  logPartition(batch: CrfBatch): number[] {
    const v = this.prepare(batch, 1);
    this.forward(batch, null);
    return Array.from(v.logZ);
  }

  /** P(y_t = j) of every real step [T, B, K] (zero past each length), by forward–backward. */
  marginals(batch: CrfBatch): F {
    const b = this.backend;
    const v = this.prepare(batch, 1);
    this.forward(batch, null);
    b.fill(batch.B, 1, v.weights);
    // ∂logZ/∂e_t(j) = P(y_t = j); the parameter gradients it also gives go to scratch buffers.
    for (const scratch of [v.scratchStart, v.scratchEnd, v.scratchTransitions]) b.fill(scratch.length, 0, scratch);
    this.backward(batch, null, v.dEmissions, { start: v.scratchStart, end: v.scratchEnd, transitions: v.scratchTransitions });
    return v.dEmissions.slice() as F;
  }

  /**
   * The `k` best paths of each sequence, best first (fewer when fewer paths are allowed;
   * none when the constraints allow no path of its length).
   */
  bestPaths(batch: CrfBatch, k: number): ScoredTags[][] {
    const { T, B, lengths } = batch;
    const v = this.prepare(batch, k);
    const scores = this.scores();
    this.backend.crfViterbi(
      T,
      B,
      this.K,
      k,
      v.emissions,
      v.lengths,
      scores.start,
      scores.end,
      scores.transitions,
      v.delta,
      v.history,
      v.paths,
      v.pathScores,
    );
    return lengths.map((L, item) => {
      const found: ScoredTags[] = [];
      for (let r = 0; r < k && v.pathScores[item * k + r] > -Infinity; r++) {
        const at = (item * k + r) * T;
        found.push({ tags: Array.from(v.paths.subarray(at, at + L)), score: v.pathScores[item * k + r] });
      }
      return found;
    });
  }

  /** Sizes the buffers for the batch and k paths, and copies its emissions and lengths in. */
  private prepare(batch: CrfBatch, k: number): Workspace<F, CrfBuffer, 'lengths' | 'tags' | 'history' | 'paths', CrfExtent>['last'] {
    const v = this.workspace.views({ T: batch.T, B: batch.B, k });
    v.emissions.set(batch.emissions);
    v.lengths.set(batch.lengths);
    return v;
  }

  /** The parameters, with −∞ added where the constraints forbid a move. */
  private scores(): Scores<F> {
    const value = (name: string): F => this.params.get(name).value;
    const raw = { start: value('start_transitions'), end: value('end_transitions'), transitions: value('transitions') };
    const penalties = this.penalties;
    if (penalties === undefined) return raw;
    const b = this.backend;
    const v = this.workspace.last;
    const masked = (x: F, penalty: F, out: F): F => {
      b.copy(x.length, x, out);
      b.axpy(x.length, 1, penalty, out);
      return out;
    };
    return {
      start: masked(raw.start, penalties.start, v.start),
      end: masked(raw.end, penalties.end, v.end),
      transitions: masked(raw.transitions, penalties.transitions, v.transitions),
    };
  }

  /** alpha, logZ and (with tags) the path scores of the prepared batch. */
  private forward(batch: CrfBatch, tags: Int32Array | null): void {
    const v = this.workspace.last;
    const scores = this.scores();
    this.backend.crfForward(
      batch.T,
      batch.B,
      this.K,
      v.emissions,
      v.lengths,
      tags,
      scores.start,
      scores.end,
      scores.transitions,
      v.alpha,
      v.logZ,
      v.score,
      v.work,
    );
  }

  /** d(Σ_b weights_b · (log Z_b − s_b)) / d emissions into `dEmissions`, and the parameter gradients added to `grads`. */
  private backward(batch: CrfBatch, tags: Int32Array | null, dEmissions: F, grads: Scores<F>): void {
    const v = this.workspace.last;
    const scores = this.scores();
    this.backend.crfBackward(
      batch.T,
      batch.B,
      this.K,
      v.emissions,
      v.lengths,
      tags,
      scores.end,
      scores.transitions,
      v.alpha,
      v.logZ,
      v.weights,
      v.beta,
      dEmissions,
      grads.start,
      grads.end,
      grads.transitions,
      v.work,
    );
  }
}
