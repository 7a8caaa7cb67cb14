/**
 * The backend interface: the few numeric kernels every layer is built from.
 *
 * Conventions (BLAS-like): matrices are row-major with a leading dimension (`ld*`,
 * the distance in elements between consecutive rows); vectors and matrices are passed
 * as typed-array views that start at the first element used. Kernels trust their
 * arguments: the layer above has already checked shapes (as llm.c's kernels: validation happens once, at the boundary).
 *
 * Buffers passed to a backend must come from its own `alloc`/`allocInt` (for the
 * WebAssembly backend they live in its memory, so calls copy nothing).
 *
 * Legend: M rows, N columns, K inner dimension of a product.
 */

import type { Activation, Allocator, FloatArray, RnnNonlinearity } from '../tensor/elements.js';

export type { Activation, Allocator, FloatArray, RnnNonlinearity } from '../tensor/elements.js';

/** Settings of one Adam / AdamW update (PyTorch's `torch.optim.Adam` / `AdamW`). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decay the weights directly instead of adding weightDecay·param to the gradient. */
  decoupled: boolean;
  /** 1 − beta1^t and 1 − beta2^t for the step number t (1-based). */
  biasCorrection1: number;
  biasCorrection2: number;
}

/** Settings of one SGD update (PyTorch's `torch.optim.SGD`). */
export interface SgdStep {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** The first step seeds the momentum buffer with the gradient. */
  first: boolean;
}

/** Settings of one RMSprop update (PyTorch's `torch.optim.RMSprop`). */
export interface RmspropStep {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

/** The numeric kernels, over element arrays of type `F`. */
export interface Backend<F extends FloatArray = Float32Array> extends Allocator<F> {
  /** Short name: `'reference'` or `'wasm'`. */
  readonly name: string;
  /** Human-readable details (instruction set, threads). */
  readonly description: string;
  /** Threads that compute, the calling one included (1 for a backend without threads). */
  readonly threads: number;

  /** A zero-filled float buffer of `length` elements in this backend's memory. */
  alloc(length: number): F;
  /** A zero-filled int32 buffer (class indices, lengths) in this backend's memory. */
  allocInt(length: number): Int32Array;
  /** Returns a buffer from `alloc`/`allocInt`; it must not be used afterwards. */
  free(buffer: F | Int32Array): void;

  /**
   * C = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ.
   * op(A) is [M, K], op(B) is [K, N], C is [M, N]. With `beta` 0, C is write-only
   * (NaN or garbage in C does not propagate).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: F,
    lda: number,
    b: F,
    ldb: number,
    beta: number,
    c: F,
    ldc: number,
  ): void;

  /** Elements of the buffer {@link packMatrix} fills for op(B) of shape [k, n]. */
  packedSize(k: number, n: number): number;
  /**
   * Packs op(B) [k, n] (B, or Bᵀ when `trans`) into `packed` for repeated {@link gemmPacked}
   * calls — a layer's weights, packed once and multiplied at every time step.
   */
  packMatrix(trans: boolean, k: number, n: number, b: F, ldb: number, packed: F): void;
  /** C = alpha · op(A) · B + beta · C, with B [k, n] packed by {@link packMatrix}. */
  gemmPacked(
    transA: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: F,
    lda: number,
    packed: F,
    beta: number,
    c: F,
    ldc: number,
  ): void;

  /** C[i, j] += bias[j] for a [rows, cols] matrix C. */
  addBias(rows: number, cols: number, bias: F, c: F, ldc: number): void;

  /** out[j] = beta · out[j] + Σᵢ x[i, j] over a [rows, cols] matrix x (bias gradients). */
  columnSums(rows: number, cols: number, x: F, ldx: number, beta: number, out: F): void;
  /**
   * out[j] = beta · out[j] + Σᵢ x[i, j] · y[i, j] over [rows, cols] matrices x and y with row
   * strides ldx and ldy (the gradients of elementwise weights, such as an LSTM's peepholes).
   */
  columnProductSums(rows: number, cols: number, x: F, ldx: number, y: F, ldy: number, beta: number, out: F): void;

  /** y = f(x) elementwise over n elements (y may be x). */
  activate(kind: Activation, n: number, x: F, y: F): void;

  /** dx = dy · f′ expressed through the forward output y (dx may be dy). */
  activateBackward(kind: Activation, n: number, y: F, dy: F, dx: F): void;

  /**
   * Row-wise softmax and cross-entropy over [rows, cols] logits:
   * probs = softmax(logits), losses[r] = −log probs[r, targets[r]];
   * a row whose target equals `ignoreIndex` gets loss 0 (its probs are still written).
   */
  softmaxCrossEntropy(rows: number, cols: number, logits: F, targets: Int32Array, ignoreIndex: number, probs: F, losses: F): void;

  /**
   * dlogits = scale · (probs − onehot(targets)) row by row; rows with target `ignoreIndex` get 0.
   * `dlogits` may be `probs`.
   */
  softmaxCrossEntropyBackward(
    rows: number,
    cols: number,
    probs: F,
    targets: Int32Array,
    ignoreIndex: number,
    scale: number,
    dlogits: F,
  ): void;

  /** Row-wise softmax: y[r, :] = softmax(x[r, :]) over [rows, cols] (y may be x). */
  softmax(rows: number, cols: number, x: F, y: F): void;
  /** Softmax backward through its output: dx[r, :] = y ⊙ (dy − Σⱼ yⱼ dyⱼ) (dx may be dy). */
  softmaxBackward(rows: number, cols: number, y: F, dy: F, dx: F): void;

  /** x[i] = value for n elements. */
  fill(n: number, value: number, x: F): void;
  /** y[i] = x[i] for n elements. */
  copy(n: number, x: F, y: F): void;
  /** y[i] += alpha · x[i] for n elements. */
  axpy(n: number, alpha: number, x: F, y: F): void;
  /** x[i] *= alpha for n elements. */
  scale(n: number, alpha: number, x: F): void;

  /** out[i] = x[i] · y[i] for n elements (out may be x or y). */
  mul(n: number, x: F, y: F, out: F): void;
  /** x[i] = min(max(x[i], lo), hi). */
  clamp(n: number, lo: number, hi: number, x: F): void;
  /** Σ x[i]² over n elements (accumulated in double precision where the backend can). */
  sumSquares(n: number, x: F): number;

  /** out[r, :] = table[indices[r], :] for `count` rows of `cols` columns (embedding lookup). */
  gatherRows(count: number, indices: Int32Array, table: F, cols: number, out: F): void;
  /** table[indices[r], :] += src[r, :] (embedding gradient; repeated indices accumulate). */
  scatterAddRows(count: number, indices: Int32Array, src: F, cols: number, table: F): void;

  /** Elman step: h = act(a), y rows = h. a, h [rows, H]; y row stride ldy. */
  rnnCellForward(kind: RnnNonlinearity, rows: number, H: number, pre: F, h: F, y: F, ldy: number): void;
  /** Elman step backward: da = (dy + dh) · act′(h). da may alias the preactivations. */
  rnnCellBackward(kind: RnnNonlinearity, rows: number, H: number, h: F, dy: F, ldy: number, dh: F, da: F): void;
  /**
   * LSTM step: activates gates [rows, 4H] in place, writes c, h [rows, H] and y; with `peepholes`
   * [3H] (p_i, p_f, p_o) the gates also read the cell state (see cells/lstm.ts).
   */
  lstmCellForward(rows: number, H: number, gates: F, cPrev: F, c: F, h: F, y: F, ldy: number, peepholes?: F): void;
  /**
   * LSTM step backward: gates become preactivation gradients, dc becomes dc_{t−1}; `peepholes`
   * as in the forward (see cells/lstm.ts).
   */
  lstmCellBackward(rows: number, H: number, gates: F, cPrev: F, c: F, dy: F, ldy: number, dh: F, dc: F, peepholes?: F): void;
  /**
   * A whole LSTM step forward: gates += hPrev · W_hhᵀ, then {@link lstmCellForward}. hPrev [rows, H];
   * packedWhhT is W_hhᵀ [H, 4H] from `packMatrix(true, H, 4H, W_hh, H, ·)`. Equal to the two calls
   * it stands for; a backend may run them as one (the wasm one: one round of its threads per step).
   */
  lstmStepForward(rows: number, H: number, hPrev: F, packedWhhT: F, gates: F, cPrev: F, c: F, h: F, y: F, ldy: number): void;
  /**
   * Backward across a step boundary: dh = da · W_hh for the gate gradients da [rows, 4H] of step t
   * (packedWhh is W_hh [4H, H] from `packMatrix(false, 4H, H, W_hh, H, ·)`), then, when `cellRows`
   * is positive, {@link lstmCellBackward} of step t − 1 (its gates, cPrev, c and dy), which reads
   * that dh and carries dc. Equal to the two calls it stands for.
   */
  lstmStepBackward(
    rows: number,
    H: number,
    da: F,
    packedWhh: F,
    dh: F,
    cellRows: number,
    gates: F,
    cPrev: F,
    c: F,
    dy: F,
    ldy: number,
    dc: F,
  ): void;
  /** GRU step: gates [rows, 3H] = x-part in, r, z, n out; hh = W_hh h_{t−1}; writes hn, h, y (see cells/gru.ts). */
  gruCellForward(rows: number, H: number, gates: F, hh: F, bhh: F, hPrev: F, hn: F, h: F, y: F, ldy: number): void;
  /** GRU step backward: gates and dgh become x- and h-part gradients, dh becomes z ⊙ dh_t (see cells/gru.ts). */
  gruCellBackward(rows: number, H: number, gates: F, hn: F, hPrev: F, dy: F, ldy: number, dh: F, dgh: F): void;
  /**
   * Reset-before GRU, first half of a step: r, z from the preactivations in gates [rows, 3H]
   * (first 2H columns, in place) and rh = r ⊙ h_{t−1} [rows, H] (see cells/gru.ts).
   */
  gruGatesForward(rows: number, H: number, gates: F, hPrev: F, rh: F): void;
  /** Reset-before GRU, second half: n from the n block of gates (in place), h [rows, H] and y (see cells/gru.ts). */
  gruCandidateForward(rows: number, H: number, gates: F, hPrev: F, h: F, y: F, ldy: number): void;
  /** Reset-before GRU backward, second half: da_z, da_n into gates; dh becomes z ⊙ dh_t (see cells/gru.ts). */
  gruCandidateBackward(rows: number, H: number, gates: F, hPrev: F, dy: F, ldy: number, dh: F): void;
  /** Reset-before GRU backward, first half: da_r into gates from drh = d(r ⊙ h_{t−1}); dh += drh ⊙ r (see cells/gru.ts). */
  gruGatesBackward(rows: number, H: number, gates: F, hPrev: F, drh: F, dh: F): void;

  /** One Adam/AdamW update of n parameters with moment buffers m and v. */
  adamUpdate(n: number, param: F, grad: F, m: F, v: F, step: AdamStep): void;
  /** One SGD update (momentum buffer unused when momentum is 0). */
  sgdUpdate(n: number, param: F, grad: F, momentumBuffer: F, step: SgdStep): void;
  /** One RMSprop update with square average, momentum buffer and gradient average (centered). */
  rmspropUpdate(n: number, param: F, grad: F, squareAvg: F, momentumBuffer: F, gradAvg: F, step: RmspropStep): void;

  /**
   * Linear-chain CRF forward algorithm in log space (Lafferty et al. 2001) over B sequences of
   * lengths[b] ∈ [1, T] steps and K tags, emissions [T, B, K], transitions [K, K] (row i: from tag i):
   *   α₀(j) = start[j] + e₀(j),   α_t(j) = e_t(j) + logsumexp_i(α_{t−1}(i) + transitions[i, j]),
   *   logZ[b] = logsumexp_j(α_{L−1}(j) + end[j]);
   * writes alpha [T, B, K] (rows past a length untouched) and logZ [B]. With `tags` [T, B] (entries
   * past a length unread) it also writes the score of that path:
   *   score[b] = start[y₀] + Σ_t e_t(y_t) + Σ_{t≥1} transitions[y_{t−1}, y_t] + end[y_{L−1}].
   * Scores may be −∞ (forbidden transitions); a tag no path reaches has α = −∞. `work` is
   * scratch of K·K + 2K elements.
   */
  crfForward(
    T: number,
    B: number,
    K: number,
    emissions: F,
    lengths: Int32Array,
    tags: Int32Array | null,
    start: F,
    end: F,
    transitions: F,
    alpha: F,
    logZ: F,
    score: F,
    work: F,
  ): void;
  /**
   * The CRF's backward recursion and gradient, after {@link crfForward}:
   *   β_{L−1}(i) = end[i],   β_{t−1}(i) = logsumexp_j(transitions[i, j] + e_t(j) + β_t(j)),
   * written to beta [T, B, K]; then, for Σ_b weights[b]·(logZ[b] − score[b]) (the score term only
   * with `tags`), with marginals P(y_t = j) = exp(α_t(j) + β_t(j) − logZ) and
   * P(y_{t−1} = i, y_t = j) = exp(α_{t−1}(i) + transitions[i, j] + e_t(j) + β_t(j) − logZ):
   * dEmissions[t, b, j] = w_b·(P(y_t = j) − [y_t = j]) is written (0 past a length), and
   * dStart, dEnd, dTransitions accumulate (+=) w_b times the marginals of the first step, the last
   * step and each pair of steps, minus the path's counts. `work` is scratch of K·K + 2K elements.
   */
  crfBackward(
    T: number,
    B: number,
    K: number,
    emissions: F,
    lengths: Int32Array,
    tags: Int32Array | null,
    end: F,
    transitions: F,
    alpha: F,
    logZ: F,
    weights: F,
    beta: F,
    dEmissions: F,
    dStart: F,
    dEnd: F,
    dTransitions: F,
    work: F,
  ): void;
  /**
   * The `k` highest-scoring tag paths of each sequence, best first (Viterbi for k = 1, list
   * Viterbi beyond); ties go to the smaller previous tag. delta [T, B, K, k] and history
   * [T, B, K, k] are workspace; paths [B, k, T] receive the tags (−1 past a length and for paths
   * that do not exist, when fewer than k have a finite score), scores [B, k] their scores (−∞ for those).
   */
  crfViterbi(
    T: number,
    B: number,
    K: number,
    k: number,
    emissions: F,
    lengths: Int32Array,
    start: F,
    end: F,
    transitions: F,
    delta: F,
    history: Int32Array,
    paths: Int32Array,
    scores: F,
  ): void;

  /** Releases threads and memory. The backend must not be used afterwards. */
  dispose(): void;
}
