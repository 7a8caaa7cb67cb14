/**
 * Reference kernels of the linear-chain CRF (Lafferty et al. 2001): the forward algorithm,
 * the backward recursion with the gradient it gives, and (list) Viterbi decoding — plain
 * loops over one sequence at a time, as the equations read.
 *
 * Legend: T steps, B sequences, K tags, k paths kept; emissions and α, β are [T, B, K],
 * row (t, b) at (t·B + b)·K; transitions [K, K], row i holds the scores of i → j. These
 * kernels take no `work` scratch: they need none.
 */
import { logAdd } from '../../tensor/log-space.js';
import type { FloatArray } from '../backend.js';

export function crfForward<F extends FloatArray>(
  _T: number,
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
): void {
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    const first = b * K;
    // α₀(j) = start[j] + e₀(j)
    for (let j = 0; j < K; j++) alpha[first + j] = start[j] + emissions[first + j];
    for (let t = 1; t < L; t++) {
      const prev = ((t - 1) * B + b) * K;
      const row = (t * B + b) * K;
      // α_t(j) = e_t(j) + logsumexp_i(α_{t−1}(i) + transitions[i, j])
      for (let j = 0; j < K; j++) {
        let sum = -Infinity;
        for (let i = 0; i < K; i++) sum = logAdd(sum, alpha[prev + i] + transitions[i * K + j]);
        alpha[row + j] = emissions[row + j] + sum;
      }
    }
    // logZ = logsumexp_j(α_{L−1}(j) + end[j])
    const last = ((L - 1) * B + b) * K;
    let z = -Infinity;
    for (let j = 0; j < K; j++) z = logAdd(z, alpha[last + j] + end[j]);
    logZ[b] = z;
    if (tags === null) continue;
    // score = start[y₀] + Σ_t e_t(y_t) + Σ_{t≥1} transitions[y_{t−1}, y_t] + end[y_{L−1}]
    let s = start[tags[b]];
    for (let t = 0; t < L; t++) {
      const y = tags[t * B + b];
      s += emissions[(t * B + b) * K + y];
      if (t > 0) s += transitions[tags[(t - 1) * B + b] * K + y];
    }
    score[b] = s + end[tags[(L - 1) * B + b]];
  }
}

export function crfBackward<F extends FloatArray>(
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
): void {
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    const w = weights[b];
    const z = logZ[b];
    // β_{L−1}(i) = end[i];  β_{t−1}(i) = logsumexp_j(transitions[i, j] + e_t(j) + β_t(j))
    const last = ((L - 1) * B + b) * K;
    for (let i = 0; i < K; i++) beta[last + i] = end[i];
    for (let t = L - 1; t >= 1; t--) {
      const row = (t * B + b) * K;
      const prev = ((t - 1) * B + b) * K;
      for (let i = 0; i < K; i++) {
        let sum = -Infinity;
        for (let j = 0; j < K; j++) sum = logAdd(sum, transitions[i * K + j] + emissions[row + j] + beta[row + j]);
        beta[prev + i] = sum;
      }
    }
    // ∂logZ/∂e_t(j) = P(y_t = j) = exp(α_t(j) + β_t(j) − logZ); ∂score/∂e_t(j) = [y_t = j].
    for (let t = 0; t < T; t++) {
      const row = (t * B + b) * K;
      for (let j = 0; j < K; j++) {
        const gold = tags !== null && t < L && tags[t * B + b] === j ? 1 : 0;
        dEmissions[row + j] = t < L ? w * (Math.exp(alpha[row + j] + beta[row + j] - z) - gold) : 0;
      }
    }
    // start and end enter as the first step's and the last step's emissions do.
    for (let j = 0; j < K; j++) {
      dStart[j] += dEmissions[b * K + j];
      dEnd[j] += dEmissions[last + j];
    }
    // ∂logZ/∂transitions[i, j] = Σ_t P(y_{t−1} = i, y_t = j); ∂score/∂transitions[i, j] = #(y_{t−1} = i, y_t = j).
    for (let t = 1; t < L; t++) {
      const row = (t * B + b) * K;
      const prev = ((t - 1) * B + b) * K;
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          dTransitions[i * K + j] += w * Math.exp(alpha[prev + i] + transitions[i * K + j] + emissions[row + j] + beta[row + j] - z);
        }
      }
      if (tags !== null) dTransitions[tags[(t - 1) * B + b] * K + tags[t * B + b]] -= w;
    }
  }
}

export function crfViterbi<F extends FloatArray>(
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
): void {
  // delta[t, b, j, r]: the score of the r-th best path of steps 0…t that ends in tag j;
  // history[t, b, j, r] = i·k + r′: it extends the r′-th best path ending in tag i at t − 1.
  paths.fill(-1, 0, B * k * T);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    for (let j = 0; j < K; j++) {
      const at = (b * K + j) * k;
      delta[at] = start[j] + emissions[b * K + j];
      history[at] = -1;
      for (let r = 1; r < k; r++) {
        delta[at + r] = -Infinity;
        history[at + r] = -1;
      }
    }
    for (let t = 1; t < L; t++) {
      const prev = ((t - 1) * B + b) * K * k;
      for (let j = 0; j < K; j++) {
        const best = kBest(K * k, k, (c) => delta[prev + c] + transitions[Math.floor(c / k) * K + j]);
        const at = ((t * B + b) * K + j) * k;
        const e = emissions[(t * B + b) * K + j];
        for (let r = 0; r < k; r++) {
          delta[at + r] = r < best.length ? best[r].score + e : -Infinity;
          history[at + r] = r < best.length ? best[r].from : -1;
        }
      }
    }
    const lastRow = ((L - 1) * B + b) * K * k;
    const best = kBest(K * k, k, (c) => delta[lastRow + c] + end[Math.floor(c / k)]);
    for (let r = 0; r < k; r++) {
      scores[b * k + r] = r < best.length ? best[r].score : -Infinity;
      if (r >= best.length) continue;
      // Backtrack: candidate c = j·k + r′ names the tag and the rank of the path it extends.
      const path = (b * k + r) * T;
      let c = best[r].from;
      for (let t = L - 1; t >= 0; t--) {
        const tag = Math.floor(c / k);
        paths[path + t] = tag;
        c = history[((t * B + b) * K + tag) * k + (c % k)];
      }
    }
  }
}

/** The (up to) k best finite candidates 0…n−1 by score, best first; ties keep the smaller index first. */
function kBest(n: number, k: number, scoreOf: (candidate: number) => number): { score: number; from: number }[] {
  const all: { score: number; from: number }[] = [];
  for (let c = 0; c < n; c++) {
    const score = scoreOf(c);
    if (score > -Infinity) all.push({ score, from: c });
  }
  return all.sort((x, y) => y.score - x.score).slice(0, k);
}
