// Linear-chain CRF kernels (Lafferty et al. 2001): the forward algorithm in log space, the
// backward recursion with the gradient it gives (forward–backward marginals), and Viterbi /
// list-Viterbi decoding. The recursions run four tags at a time (SIMD over the tag a step
// goes to, or comes from); each log-sum-exp takes its maximum first, so every exponent is ≤ 0.
//
// Legend: T steps, B sequences, K tags, k paths kept. emissions, alpha, beta, dEmissions are
// [T, B, K], row (t, b) at (t·B + b)·K; transitions [K, K], row i the scores of i → j; tags
// [T, B] (int32, 0 when absent). Scores may be −∞ (forbidden transitions). Pointers are byte offsets.

import { expV } from './simd';

const NEG_INF: f32 = -Infinity;
/**
 * e^x is taken as 0 below this: the CRF needs e^−∞ = 0 (forbidden moves), and smaller terms
 * (< 4·10⁻¹⁸ of the largest, which is 1) cannot change a float32 sum. It also keeps every
 * product of two such factors a normal float: subnormal arithmetic is many times slower on x86.
 */
const EXP_MIN: f32 = -40;
/** Pair-marginal row factors below this add nothing a float32 gradient can hold (and would make subnormal products). */
const FACTOR_MIN: f32 = 1e-15;

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Row r of a matrix of `width`-element rows. */
@inline function rowOf(p: usize, r: i32, width: i32): usize {
  return p + ((<usize>r * <usize>width) << 2);
}

/** e^x on four lanes, exactly 0 below {@link EXP_MIN} (and for −∞ or NaN). */
@inline function expZ(x: v128): v128 {
  const low = f32x4.splat(EXP_MIN);
  return v128.and(expV(f32x4.pmax(x, low)), f32x4.ge(x, low));
}

/** e^x of one value, by the same formula as {@link expZ}. */
@inline function expS(x: f32): f32 {
  return f32x4.extract_lane(expZ(f32x4.splat(x)), 0);
}

/** log of each lane (log 0 = −∞). */
@inline function logV(v: v128): v128 {
  let r = f32x4.splat(Mathf.log(f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, Mathf.log(f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, Mathf.log(f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, Mathf.log(f32x4.extract_lane(v, 3)));
}

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** y[j] += x[j] for n elements. */
function addTo(n: i32, x: usize, y: usize): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(at(y, j), f32x4.add(v128.load(at(y, j)), v128.load(at(x, j))));
  for (; j < n; j++) store<f32>(at(y, j), load<f32>(at(y, j)) + load<f32>(at(x, j)));
}

/** logsumexp_j(x[j] + y[j]) over n elements (−∞ when every term is). */
function logSumExpOfSum(n: i32, x: usize, y: usize): f32 {
  let m: f32 = NEG_INF;
  for (let j = 0; j < n; j++) m = max(m, load<f32>(at(x, j)) + load<f32>(at(y, j)));
  if (m == NEG_INF) return NEG_INF;
  let s: f32 = 0;
  for (let j = 0; j < n; j++) s += expS(load<f32>(at(x, j)) + load<f32>(at(y, j)) - m);
  return m + Mathf.log(s);
}

/** One forward step: out[j] = e[j] + logsumexp_i(prev[i] + transitions[i, j]). */
function forwardStep(K: i32, prev: usize, transitions: usize, e: usize, out: usize): void {
  let j = 0;
  for (; j + 4 <= K; j += 4) {
    // Maximum over the previous tags (those no path reaches are skipped), then the sum of exponentials.
    let m = f32x4.splat(NEG_INF);
    for (let i = 0; i < K; i++) {
      const a = load<f32>(at(prev, i));
      if (a == NEG_INF) continue;
      m = f32x4.max(m, f32x4.add(f32x4.splat(a), v128.load(at(rowOf(transitions, i, K), j))));
    }
    let s = f32x4.splat(0);
    for (let i = 0; i < K; i++) {
      const a = load<f32>(at(prev, i));
      if (a == NEG_INF) continue;
      s = f32x4.add(s, expZ(f32x4.sub(f32x4.add(f32x4.splat(a), v128.load(at(rowOf(transitions, i, K), j))), m)));
    }
    // A lane no path reaches has m = −∞ and s = 0: its result is −∞.
    v128.store(at(out, j), f32x4.add(v128.load(at(e, j)), f32x4.add(m, logV(s))));
  }
  for (; j < K; j++) {
    let m: f32 = NEG_INF;
    for (let i = 0; i < K; i++) {
      const a = load<f32>(at(prev, i));
      if (a != NEG_INF) m = max(m, a + load<f32>(at(rowOf(transitions, i, K), j)));
    }
    let s: f32 = 0;
    for (let i = 0; i < K; i++) {
      const a = load<f32>(at(prev, i));
      if (a != NEG_INF) s += expS(a + load<f32>(at(rowOf(transitions, i, K), j)) - m);
    }
    store<f32>(at(out, j), load<f32>(at(e, j)) + (m + Mathf.log(s)));
  }
}

/** α and logZ of every sequence, and the score of `tags` when given (see the Backend interface). */
export function crfForward(T: i32, B: i32, K: i32, emissions: usize, lengths: usize, tags: usize, start: usize, end: usize,
                           transitions: usize, alpha: usize, logZ: usize, score: usize): void {
  for (let b = 0; b < B; b++) {
    const L = load<i32>(at(lengths, b));
    // α₀(j) = start[j] + e₀(j)
    const a0 = rowOf(alpha, b, K);
    const e0 = rowOf(emissions, b, K);
    for (let j = 0; j < K; j++) store<f32>(at(a0, j), load<f32>(at(start, j)) + load<f32>(at(e0, j)));
    // α_t(j) = e_t(j) + logsumexp_i(α_{t−1}(i) + transitions[i, j])
    for (let t = 1; t < L; t++) {
      forwardStep(K, rowOf(alpha, (t - 1) * B + b, K), transitions, rowOf(emissions, t * B + b, K), rowOf(alpha, t * B + b, K));
    }
    // logZ = logsumexp_j(α_{L−1}(j) + end[j])
    store<f32>(at(logZ, b), logSumExpOfSum(K, rowOf(alpha, (L - 1) * B + b, K), end));
    if (tags == 0) continue;
    // score = start[y₀] + Σ_t e_t(y_t) + Σ_{t≥1} transitions[y_{t−1}, y_t] + end[y_{L−1}]
    let y = load<i32>(at(tags, b));
    let s = load<f32>(at(start, y));
    for (let t = 0; t < L; t++) {
      const next = load<i32>(at(tags, t * B + b));
      if (t > 0) s += load<f32>(at(rowOf(transitions, y, K), next));
      s += load<f32>(at(rowOf(emissions, t * B + b, K), next));
      y = next;
    }
    store<f32>(at(score, b), s + load<f32>(at(end, y)));
  }
}

/**
 * One backward step at t (u = e_t + β_t, held in `u`): β_{t−1}(i) = logsumexp_j(transitions[i, j] + u[j]),
 * and dTransitions[i, j] += w·P(y_{t−1} = i, y_t = j) = w·exp(α_{t−1}(i) + transitions[i, j] + u[j] − logZ).
 * With r_i = max_j(transitions[i, j] + u[j]), one exponential m_ij = exp(transitions[i, j] + u[j] − r_i) serves
 * both: β_{t−1}(i) = r_i + log Σ_j m_ij and P(i, j) = m_ij · exp(α_{t−1}(i) + r_i − logZ).
 */
function backwardStep(K: i32, u: usize, transitions: usize, alphaPrev: usize, z: f32, w: f32, betaPrev: usize,
                      dTransitions: usize): void {
  for (let i = 0; i < K; i++) {
    const tr = rowOf(transitions, i, K);
    let mv = f32x4.splat(NEG_INF);
    let j = 0;
    for (; j + 4 <= K; j += 4) mv = f32x4.max(mv, f32x4.add(v128.load(at(tr, j)), v128.load(at(u, j))));
    let r = hmax(mv);
    for (; j < K; j++) r = max(r, load<f32>(at(tr, j)) + load<f32>(at(u, j)));
    if (r == NEG_INF) {
      // Tag i leads nowhere at t − 1: no suffix, no pair.
      store<f32>(at(betaPrev, i), NEG_INF);
      continue;
    }
    let c = w * expS(load<f32>(at(alphaPrev, i)) + r - z);
    if (c < FACTOR_MIN) c = 0;
    const rv = f32x4.splat(r);
    const cv = f32x4.splat(c);
    const dt = rowOf(dTransitions, i, K);
    let sv = f32x4.splat(0);
    j = 0;
    if (c != 0) {
      for (; j + 4 <= K; j += 4) {
        const m = expZ(f32x4.sub(f32x4.add(v128.load(at(tr, j)), v128.load(at(u, j))), rv));
        sv = f32x4.add(sv, m);
        v128.store(at(dt, j), f32x4.add(v128.load(at(dt, j)), f32x4.mul(cv, m)));
      }
    } else {
      for (; j + 4 <= K; j += 4) sv = f32x4.add(sv, expZ(f32x4.sub(f32x4.add(v128.load(at(tr, j)), v128.load(at(u, j))), rv)));
    }
    let s = hsum(sv);
    for (; j < K; j++) {
      const m = expS(load<f32>(at(tr, j)) + load<f32>(at(u, j)) - r);
      s += m;
      store<f32>(at(dt, j), load<f32>(at(dt, j)) + c * m);
    }
    store<f32>(at(betaPrev, i), r + Mathf.log(s));
  }
}

/** β, and the gradient of Σ_b w_b·(logZ_b − score_b) (see the Backend interface). */
export function crfBackward(T: i32, B: i32, K: i32, emissions: usize, lengths: usize, tags: usize, end: usize,
                            transitions: usize, alpha: usize, logZ: usize, weights: usize, beta: usize, dEmissions: usize,
                            dStart: usize, dEnd: usize, dTransitions: usize): void {
  for (let b = 0; b < B; b++) {
    const L = load<i32>(at(lengths, b));
    const w = load<f32>(at(weights, b));
    const z = load<f32>(at(logZ, b));
    // β_{L−1}(i) = end[i]
    memory.copy(rowOf(beta, (L - 1) * B + b, K), end, <usize>K << 2);
    for (let t = L - 1; t >= 1; t--) {
      // u = e_t + β_t, kept in dEmissions' row (t, b) until that row's gradient is written below.
      const u = rowOf(dEmissions, t * B + b, K);
      const e = rowOf(emissions, t * B + b, K);
      const bt = rowOf(beta, t * B + b, K);
      let j = 0;
      for (; j + 4 <= K; j += 4) v128.store(at(u, j), f32x4.add(v128.load(at(e, j)), v128.load(at(bt, j))));
      for (; j < K; j++) store<f32>(at(u, j), load<f32>(at(e, j)) + load<f32>(at(bt, j)));
      backwardStep(K, u, transitions, rowOf(alpha, (t - 1) * B + b, K), z, w, rowOf(beta, (t - 1) * B + b, K), dTransitions);
    }
    // dEmissions[t, b, j] = w·P(y_t = j) = w·exp(α_t(j) + β_t(j) − logZ) on real steps, 0 past the length.
    const zv = f32x4.splat(z);
    const wv = f32x4.splat(w);
    for (let t = 0; t < T; t++) {
      const d = rowOf(dEmissions, t * B + b, K);
      if (t >= L) {
        memory.fill(d, 0, <usize>K << 2);
        continue;
      }
      const a = rowOf(alpha, t * B + b, K);
      const bt = rowOf(beta, t * B + b, K);
      let j = 0;
      for (; j + 4 <= K; j += 4) {
        v128.store(at(d, j), f32x4.mul(wv, expZ(f32x4.sub(f32x4.add(v128.load(at(a, j)), v128.load(at(bt, j))), zv))));
      }
      for (; j < K; j++) store<f32>(at(d, j), w * expS(load<f32>(at(a, j)) + load<f32>(at(bt, j)) - z));
    }
    // start and end enter as the first and the last step's emissions do.
    addTo(K, rowOf(dEmissions, b, K), dStart);
    addTo(K, rowOf(dEmissions, (L - 1) * B + b, K), dEnd);
    if (tags == 0) continue;
    // Minus the path's own counts: ∂score/∂e_t(y_t) = ∂score/∂start[y₀] = ∂score/∂end[y_{L−1}] = 1, and one per pair.
    let y = load<i32>(at(tags, b));
    store<f32>(at(dStart, y), load<f32>(at(dStart, y)) - w);
    for (let t = 0; t < L; t++) {
      const next = load<i32>(at(tags, t * B + b));
      const d = at(rowOf(dEmissions, t * B + b, K), next);
      store<f32>(d, load<f32>(d) - w);
      if (t > 0) {
        const p = at(rowOf(dTransitions, y, K), next);
        store<f32>(p, load<f32>(p) - w);
      }
      y = next;
    }
    store<f32>(at(dEnd, y), load<f32>(at(dEnd, y)) - w);
  }
}

/** The k best paths of each sequence (see the Backend interface). */
export function crfViterbi(T: i32, B: i32, K: i32, k: i32, emissions: usize, lengths: usize, start: usize, end: usize,
                           transitions: usize, delta: usize, history: usize, paths: usize, scores: usize): void {
  for (let i = 0; i < B * k * T; i++) store<i32>(at(paths, i), -1);
  for (let b = 0; b < B; b++) {
    if (k == 1) viterbiBest(T, B, K, b, emissions, lengths, start, end, transitions, delta, history, paths, scores);
    else viterbiList(T, B, K, k, b, emissions, lengths, start, end, transitions, delta, history, paths, scores);
  }
}

/** Viterbi for sequence b: delta_t(j) = e_t(j) + max_i(delta_{t−1}(i) + transitions[i, j]), the first i on ties. */
function viterbiBest(T: i32, B: i32, K: i32, b: i32, emissions: usize, lengths: usize, start: usize, end: usize,
                     transitions: usize, delta: usize, history: usize, paths: usize, scores: usize): void {
  const L = load<i32>(at(lengths, b));
  const d0 = rowOf(delta, b, K);
  const e0 = rowOf(emissions, b, K);
  const h0 = rowOf(history, b, K);
  for (let j = 0; j < K; j++) {
    store<f32>(at(d0, j), load<f32>(at(start, j)) + load<f32>(at(e0, j)));
    store<i32>(at(h0, j), -1);
  }
  for (let t = 1; t < L; t++) {
    const prev = rowOf(delta, (t - 1) * B + b, K);
    const cur = rowOf(delta, t * B + b, K);
    const hist = rowOf(history, t * B + b, K);
    const e = rowOf(emissions, t * B + b, K);
    let j = 0;
    for (; j + 4 <= K; j += 4) {
      let best = f32x4.splat(NEG_INF);
      let from = i32x4.splat(-1);
      for (let i = 0; i < K; i++) {
        const a = load<f32>(at(prev, i));
        if (a == NEG_INF) continue;
        const candidate = f32x4.add(f32x4.splat(a), v128.load(at(rowOf(transitions, i, K), j)));
        const better = f32x4.gt(candidate, best);
        best = v128.bitselect(candidate, best, better);
        from = v128.bitselect(i32x4.splat(i), from, better);
      }
      v128.store(at(cur, j), f32x4.add(best, v128.load(at(e, j))));
      v128.store(at(hist, j), from);
    }
    for (; j < K; j++) {
      let best: f32 = NEG_INF;
      let from = -1;
      for (let i = 0; i < K; i++) {
        const a = load<f32>(at(prev, i));
        if (a == NEG_INF) continue;
        const candidate = a + load<f32>(at(rowOf(transitions, i, K), j));
        if (candidate > best) {
          best = candidate;
          from = i;
        }
      }
      store<f32>(at(cur, j), best + load<f32>(at(e, j)));
      store<i32>(at(hist, j), from);
    }
  }
  const last = rowOf(delta, (L - 1) * B + b, K);
  let best: f32 = NEG_INF;
  let tag = -1;
  for (let j = 0; j < K; j++) {
    const s = load<f32>(at(last, j)) + load<f32>(at(end, j));
    if (s > best) {
      best = s;
      tag = j;
    }
  }
  store<f32>(at(scores, b), best);
  if (tag < 0) return;
  const path = rowOf(paths, b, T);
  for (let t = L - 1; t >= 0; t--) {
    store<i32>(at(path, t), tag);
    tag = load<i32>(at(rowOf(history, t * B + b, K), tag));
  }
}

/**
 * List Viterbi for sequence b: delta_t(j, ·) holds the k best scores of paths ending in j at t, best
 * first; history_t(j, r) = i·k + r′ names the path of t − 1 that the r-th one extends.
 */
function viterbiList(T: i32, B: i32, K: i32, k: i32, b: i32, emissions: usize, lengths: usize, start: usize, end: usize,
                     transitions: usize, delta: usize, history: usize, paths: usize, scores: usize): void {
  const L = load<i32>(at(lengths, b));
  const width = K * k;
  const d0 = rowOf(delta, b, width);
  const h0 = rowOf(history, b, width);
  for (let j = 0; j < K; j++) {
    for (let r = 0; r < k; r++) {
      store<f32>(at(d0, j * k + r), r == 0 ? load<f32>(at(start, j)) + load<f32>(at(rowOf(emissions, b, K), j)) : NEG_INF);
      store<i32>(at(h0, j * k + r), -1);
    }
  }
  for (let t = 1; t < L; t++) {
    const prev = rowOf(delta, (t - 1) * B + b, width);
    const e = rowOf(emissions, t * B + b, K);
    for (let j = 0; j < K; j++) {
      const list = rowOf(delta, t * B + b, width) + (<usize>(j * k) << 2);
      const froms = rowOf(history, t * B + b, width) + (<usize>(j * k) << 2);
      for (let r = 0; r < k; r++) {
        store<f32>(at(list, r), NEG_INF);
        store<i32>(at(froms, r), -1);
      }
      let filled = 0;
      for (let i = 0; i < K; i++) {
        const tr = load<f32>(at(rowOf(transitions, i, K), j));
        // Each previous list is sorted: once a candidate cannot enter, the rest of its list cannot either.
        for (let r = 0; r < k; r++) {
          const candidate = load<f32>(at(prev, i * k + r)) + tr;
          if (candidate == NEG_INF || (filled == k && candidate <= load<f32>(at(list, k - 1)))) break;
          filled = insert(list, froms, 1, filled, k, candidate, i * k + r);
        }
      }
      const ej = load<f32>(at(e, j));
      for (let r = 0; r < filled; r++) store<f32>(at(list, r), load<f32>(at(list, r)) + ej);
    }
  }
  // The k best of all (tag, rank) at the last step, with the end scores; their candidates are kept
  // in each output path's first slot until it is traced.
  const last = rowOf(delta, (L - 1) * B + b, width);
  const best = rowOf(scores, b, k);
  for (let r = 0; r < k; r++) store<f32>(at(best, r), NEG_INF);
  const froms = rowOf(paths, b * k, T);
  let filled = 0;
  for (let j = 0; j < K; j++) {
    const ej = load<f32>(at(end, j));
    for (let r = 0; r < k; r++) {
      const candidate = load<f32>(at(last, j * k + r)) + ej;
      if (candidate == NEG_INF || (filled == k && candidate <= load<f32>(at(best, k - 1)))) break;
      filled = insert(best, froms, T, filled, k, candidate, j * k + r);
    }
  }
  for (let n = 0; n < filled; n++) {
    const path = rowOf(paths, b * k + n, T);
    let c = load<i32>(path);
    for (let t = L - 1; t >= 0; t--) {
      const tag = c / k;
      store<i32>(at(path, t), tag);
      c = load<i32>(at(rowOf(history, t * B + b, width), tag * k + c % k));
    }
  }
}

/**
 * Inserts `score` (from candidate `from`) into the descending list of `filled` ≤ k scores at `list`,
 * after the entries it only equals, moving the candidates at `froms` (every `stride` elements) alike;
 * returns the new count.
 */
@inline function insert(list: usize, froms: usize, stride: i32, filled: i32, k: i32, score: f32, from: i32): i32 {
  let p = filled < k ? filled : k - 1;
  while (p > 0 && score > load<f32>(at(list, p - 1))) {
    store<f32>(at(list, p), load<f32>(at(list, p - 1)));
    store<i32>(at(froms, p * stride), load<i32>(at(froms, (p - 1) * stride)));
    p--;
  }
  store<f32>(at(list, p), score);
  store<i32>(at(froms, p * stride), from);
  return filled < k ? filled + 1 : k;
}
