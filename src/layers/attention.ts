/**
 * Attention over an encoder's steps (Bahdanau et al. 2015; Luong et al. 2015: a context c_t = q(h_1 … h_T) per decoder step):
 * for each decoder row b, scores e_i over the real steps i < length_b, weights
 * α = softmax(e) and the context c = Σ α_i v_i. Steps past a sequence's length get
 * weight 0 and no gradient.
 *
 * The score comes from keys k_i (the encoder outputs, or a projection of them made once
 * per batch) and the decoder's query q:
 * - `additive` (Bahdanau): e_i = wᵀ tanh(k_i + q), with k_i = W_k h_i + b_k and q = W_q s;
 * - `multiplicative` (Luong): e_i = q · k_i, with k_i = h_i (dot) or W_a h_i (general), q = s.
 *
 * Legend: S encoder steps, B rows, K key (and query) width, D value width. Keys are
 * [S, B, K] and values [S, B, D], time-major as the recurrent layers' outputs. The
 * additive score's S·B·K tanh run as backend operations (they dominate); the rest are
 * loops over S·B·K or S·B·D products.
 */
import type { Backend, FloatArray } from '../backend/backend.js';

/** How a query meets a key. */
export type AttentionScore = 'additive' | 'multiplicative';

/** The sizes and inputs of one attention step. */
export interface AttentionInputs<F extends FloatArray> {
  score: AttentionScore;
  S: number;
  B: number;
  K: number;
  D: number;
  /** [S, B, K] */
  keys: F;
  /** [S, B, D] */
  values: F;
  /** Real steps per row, each in [1, S]. */
  lengths: Int32Array;
  /** [B, K] */
  query: F;
  /** The additive score's w [K] (unused by the multiplicative one). */
  w: F | undefined;
  /**
   * The additive score's tanh(k_i + q) [S, B, K], written by forward and read by backward;
   * and room for S·B scores. Buffers of the backend.
   */
  hidden: F | undefined;
  scores: F;
}

/** Writes the weights [B, S] (0 past each length) and the context [B, D]. */
export function attentionForward<F extends FloatArray>(backend: Backend<F>, a: AttentionInputs<F>, weights: F, context: F): void {
  const { S, B, K, D, values, lengths, scores } = a;
  if (a.score === 'additive') {
    // u = tanh(k_i + q) for every step at once, then e = u · w.
    const hidden = a.hidden!;
    backend.copy(S * B * K, a.keys, hidden);
    for (let i = 0; i < S; i++) backend.axpy(B * K, 1, a.query, hidden.subarray(i * B * K) as F);
    backend.activate('tanh', S * B * K, hidden, hidden);
    backend.gemm(false, false, S * B, 1, K, 1, hidden, K, a.w!, 1, 0, scores, 1);
  }
  context.fill(0, 0, B * D);
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    const row = weights.subarray(b * S, (b + 1) * S);
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      row[i] = a.score === 'additive' ? scores[i * B + b] : dot(a, i, b);
      if (row[i] > max) max = row[i];
    }
    let sum = 0;
    for (let i = 0; i < n; i++) {
      row[i] = Math.exp(row[i] - max);
      sum += row[i];
    }
    row.fill(0, n, S);
    for (let i = 0; i < n; i++) {
      row[i] = row[i] / sum;
      const v = (i * B + b) * D;
      for (let j = 0; j < D; j++) context[b * D + j] += row[i] * values[v + j];
    }
  }
}

/** The gradients {@link attentionBackward} writes or adds to. */
export interface AttentionGradients<F extends FloatArray> {
  /** dL/dquery [B, K], overwritten. */
  query: F;
  /** dL/dkeys [S, B, K], added to (may be `values` itself when keys are the values). */
  keys: F;
  /** dL/dvalues [S, B, D], added to. */
  values: F;
  /** dL/dw [K], added to (additive score). */
  w: F | undefined;
  /** Room for the additive score's preactivation gradients [S, B, K]. */
  additive: F | undefined;
}

/**
 * Backpropagates dL/dcontext [B, D] through the step that produced `weights` and, for the
 * additive score, `a.hidden`. `scratch` holds S numbers.
 */
export function attentionBackward<F extends FloatArray>(
  backend: Backend<F>,
  a: AttentionInputs<F>,
  weights: F,
  dContext: F,
  grads: AttentionGradients<F>,
  scratch: F,
): void {
  const { score: kind, S, B, K, D, keys, values, lengths, query, scores } = a;
  grads.query.fill(0, 0, B * K);
  // de [S, B] (zero past each length), from the context through the softmax.
  scores.fill(0, 0, S * B);
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    const alpha = weights.subarray(b * S, (b + 1) * S);
    // dα_i = dc · v_i; dv_i += α_i dc.
    let dot = 0;
    for (let i = 0; i < n; i++) {
      const v = (i * B + b) * D;
      let da = 0;
      for (let j = 0; j < D; j++) {
        da += dContext[b * D + j] * values[v + j];
        grads.values[v + j] += alpha[i] * dContext[b * D + j];
      }
      scratch[i] = da;
      dot += alpha[i] * da;
    }
    // Softmax: de_i = α_i (dα_i − Σ_j α_j dα_j).
    for (let i = 0; i < n; i++) {
      const de = alpha[i] * (scratch[i] - dot);
      scores[i * B + b] = de;
      if (kind === 'multiplicative') {
        // e_i = q · k_i.
        const k = (i * B + b) * K;
        for (let j = 0; j < K; j++) {
          grads.query[b * K + j] += de * keys[k + j];
          grads.keys[k + j] += de * query[b * K + j];
        }
      }
    }
  }
  if (kind === 'additive') {
    // e = u · w, u = tanh(k_i + q): dw += uᵀ de; da = (de wᵀ) ⊙ (1 − u²) flows to k_i and q.
    const hidden = a.hidden!;
    backend.gemm(true, false, K, 1, S * B, 1, hidden, K, scores, 1, 1, grads.w!, 1);
    const dPre = grads.additive!;
    backend.gemm(false, false, S * B, K, 1, 1, scores, 1, a.w!, K, 0, dPre, K);
    backend.activateBackward('tanh', S * B * K, hidden, dPre, dPre);
    backend.axpy(S * B * K, 1, dPre, grads.keys);
    for (let i = 0; i < S; i++) backend.axpy(B * K, 1, dPre.subarray(i * B * K) as F, grads.query);
  }
}

/** q · k_i for row b. */
function dot<F extends FloatArray>(a: AttentionInputs<F>, i: number, b: number): number {
  const { K, B, keys, query } = a;
  const k = (i * B + b) * K;
  let e = 0;
  for (let j = 0; j < K; j++) e += query[b * K + j] * keys[k + j];
  return e;
}
