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

/** The CRF computations over one parameter set in one backend. */
export class CrfComputation<F extends FloatArray> {
  /** 0 where allowed, −∞ where forbidden; undefined without constraints. */
  private readonly penalties: Scores<F> | undefined;

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
    const { T, B, lengths } = batch;
    const b = this.backend;
    const tokens = lengths.reduce((n, L) => n + L, 0);
    // d reduced / d nll_b
    const weight = reduction === 'mean' ? 1 / B : reduction === 'tokenMean' ? 1 / tokens : 1;
    return this.withBatch(batch, (e, lens, scores, scratch) => {
      const path = scratch(b.allocInt(T * B));
      tags.forEach((list, item) => {
        for (let t = 0; t < lengths[item]; t++) path[t * B + item] = list[t];
      });
      const { alpha, logZ, score } = this.forward(batch, e, lens, path, scores, scratch);
      const weights = scratch(b.alloc(B));
      b.fill(B, weight, weights);
      const dEmissions = scratch(b.alloc(T * B * this.K));
      this.backward(batch, e, lens, path, scores, alpha, logZ, weights, dEmissions, scratch, {
        start: this.params.get('start_transitions').grad,
        end: this.params.get('end_transitions').grad,
        transitions: this.params.get('transitions').grad,
      });
      const losses = Array.from({ length: B }, (_, item) => logZ[item] - score[item]);
      const sum = losses.reduce((s, l) => s + l, 0);
      const loss = reduction === 'none' ? losses : reduction === 'sum' ? sum : sum * weight;
      return { loss, grad: dEmissions.slice() as F };
    });
  }

  /** log Z of each sequence. */
  logPartition(batch: CrfBatch): number[] {
    return this.withBatch(batch, (e, lens, scores, scratch) => Array.from(this.forward(batch, e, lens, null, scores, scratch).logZ));
  }

  /** P(y_t = j) of every real step [T, B, K] (zero past each length), by forward–backward. */
  marginals(batch: CrfBatch): F {
    const K = this.K;
    const b = this.backend;
    return this.withBatch(batch, (e, lens, scores, scratch) => {
      const { alpha, logZ } = this.forward(batch, e, lens, null, scores, scratch);
      const weights = scratch(b.alloc(batch.B));
      b.fill(batch.B, 1, weights);
      // ∂logZ/∂e_t(j) = P(y_t = j); the parameter gradients it also gives go to scratch buffers.
      const out = scratch(b.alloc(batch.T * batch.B * K));
      this.backward(batch, e, lens, null, scores, alpha, logZ, weights, out, scratch, {
        start: scratch(b.alloc(K)),
        end: scratch(b.alloc(K)),
        transitions: scratch(b.alloc(K * K)),
      });
      return out.slice() as F;
    });
  }

  /**
   * The `k` best paths of each sequence, best first (fewer when fewer paths are allowed;
   * none when the constraints allow no path of its length).
   */
  bestPaths(batch: CrfBatch, k: number): ScoredTags[][] {
    const { T, B, lengths } = batch;
    const K = this.K;
    const b = this.backend;
    return this.withBatch(batch, (e, lens, scores, scratch) => {
      const paths = scratch(b.allocInt(B * k * T));
      const pathScores = scratch(b.alloc(B * k));
      b.crfViterbi(
        T,
        B,
        K,
        k,
        e,
        lens,
        scores.start,
        scores.end,
        scores.transitions,
        scratch(b.alloc(T * B * K * k)),
        scratch(b.allocInt(T * B * K * k)),
        paths,
        pathScores,
      );
      return lengths.map((L, item) => {
        const found: ScoredTags[] = [];
        for (let r = 0; r < k && pathScores[item * k + r] > -Infinity; r++) {
          const at = (item * k + r) * T;
          found.push({ tags: Array.from(paths.subarray(at, at + L)), score: pathScores[item * k + r] });
        }
        return found;
      });
    });
  }

  /**
   * Runs `work` with the batch's emissions and lengths in the backend, the scores the kernels
   * read (parameters plus penalties), and `scratch`, which registers a buffer to free afterwards.
   */
  private withBatch<R>(
    batch: CrfBatch,
    work: (emissions: F, lengths: Int32Array, scores: Scores<F>, scratch: <X extends F | Int32Array>(buffer: X) => X) => R,
  ): R {
    const b = this.backend;
    const owned: (F | Int32Array)[] = [];
    const scratch = <X extends F | Int32Array>(buffer: X): X => {
      owned.push(buffer);
      return buffer;
    };
    try {
      const e = scratch(b.alloc(batch.emissions.length));
      e.set(batch.emissions);
      const lens = scratch(b.allocInt(batch.B));
      lens.set(batch.lengths);
      return work(e, lens, this.scores(scratch), scratch);
    } finally {
      for (const buffer of owned) b.free(buffer);
    }
  }

  /** The parameters, with −∞ added where the constraints forbid a move. */
  private scores(scratch: <X extends F>(buffer: X) => X): Scores<F> {
    const value = (name: string): F => this.params.get(name).value;
    const raw = { start: value('start_transitions'), end: value('end_transitions'), transitions: value('transitions') };
    const penalties = this.penalties;
    if (penalties === undefined) return raw;
    const b = this.backend;
    const masked = (x: F, penalty: F): F => {
      const out = scratch(b.alloc(x.length));
      b.copy(x.length, x, out);
      b.axpy(x.length, 1, penalty, out);
      return out;
    };
    return {
      start: masked(raw.start, penalties.start),
      end: masked(raw.end, penalties.end),
      transitions: masked(raw.transitions, penalties.transitions),
    };
  }

  private forward(
    batch: CrfBatch,
    e: F,
    lens: Int32Array,
    tags: Int32Array | null,
    scores: Scores<F>,
    scratch: <X extends F>(buffer: X) => X,
  ): { alpha: F; logZ: F; score: F } {
    const { T, B } = batch;
    const b = this.backend;
    const alpha = scratch(b.alloc(T * B * this.K));
    const logZ = scratch(b.alloc(B));
    const score = scratch(b.alloc(B));
    b.crfForward(T, B, this.K, e, lens, tags, scores.start, scores.end, scores.transitions, alpha, logZ, score, this.workspace(scratch));
    return { alpha, logZ, score };
  }

  private backward(
    batch: CrfBatch,
    e: F,
    lens: Int32Array,
    tags: Int32Array | null,
    scores: Scores<F>,
    alpha: F,
    logZ: F,
    weights: F,
    dEmissions: F,
    scratch: <X extends F>(buffer: X) => X,
    grads: Scores<F>,
  ): void {
    const { T, B } = batch;
    const b = this.backend;
    b.crfBackward(
      T,
      B,
      this.K,
      e,
      lens,
      tags,
      scores.end,
      scores.transitions,
      alpha,
      logZ,
      weights,
      scratch(b.alloc(T * B * this.K)),
      dEmissions,
      grads.start,
      grads.end,
      grads.transitions,
      this.workspace(scratch),
    );
  }

  /** Scratch for the forward and backward kernels. */
  private workspace(scratch: <X extends F>(buffer: X) => X): F {
    return scratch(this.backend.alloc(this.K * this.K + 2 * this.K));
  }
}
