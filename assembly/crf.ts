// Linear-chain CRF kernels (Lafferty et al. 2001): the forward algorithm in log space, the
// backward recursion with the gradient it gives (forward–backward marginals), and Viterbi /
// list-Viterbi decoding, four tags at a time (SIMD).
//
// The log-sum-exps of the recursions factor: with c_j = max_i transitions[i, j] and
// M = max_i α_{t−1}(i),
//   logsumexp_i(α_{t−1}(i) + transitions[i, j]) = M + c_j + log Σ_i e^(α_{t−1}(i) − M) · e^(transitions[i, j] − c_j),
// where the second factors are taken once per call: a step costs K exponentials and a K × K
// product instead of K² exponentials (the backward step likewise, with row maxima). Every
// factor is ≤ 1, and one below e^−40 counts as 0. When a factorised sum comes out below e^−20
// — its best path far below both maxima, so the dropped terms might matter — that tag is
// computed again exactly in log space; otherwise the dropped terms weigh less than e^−20 of
// the sum, below float32 precision. The thresholds also keep every product a normal float
// (subnormal arithmetic is many times slower on x86).
//
// Legend: T steps, B sequences, K tags, k paths kept. emissions, alpha, beta, dEmissions are
// [T, B, K], row (t, b) at (t·B + b)·K; transitions [K, K], row i the scores of i → j; tags
// [T, B] (int32, 0 when absent); work [K·K + 2K] scratch. Scores may be −∞ (forbidden
// transitions). Pointers are byte offsets.

import { expV } from './simd';

const NEG_INF: f32 = -Infinity;
/** e^x counts as 0 below this (e^−∞ = 0 for forbidden moves; see above). */
const EXP_MIN: f32 = -40;
/** e^−40: the smallest factor kept. */
const TINY: f32 = 4.2483543e-18;
/** e^−20: a factorised sum below this is computed again exactly. */
const SUM_MIN: f32 = 2.0611537e-9;
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

/** max of n values (−∞ for none). */
function maxOf(n: i32, x: usize): f32 {
  let mv = f32x4.splat(NEG_INF);
  let j = 0;
  for (; j + 4 <= n; j += 4) mv = f32x4.max(mv, v128.load(at(x, j)));
  let m = hmax(mv);
  for (; j < n; j++) m = max(m, load<f32>(at(x, j)));
  return m;
}

/** y[j] = e^(x[j] − m) for n elements (0 below e^−40). */
function expShifted(n: i32, x: usize, m: f32, y: usize): void {
  const mv = f32x4.splat(m);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(at(y, j), expZ(f32x4.sub(v128.load(at(x, j)), mv)));
  for (; j < n; j++) store<f32>(at(y, j), expS(load<f32>(at(x, j)) - m));
}

/**
 * The factors of the transitions for one call: maxima[j] = max_i transitions[i, j] (`byColumn`)
 * or max_j transitions[j, i] (rows), and factors[i, j] = e^(transitions[i, j] − that maximum).
 */
function transitionFactors(K: i32, transitions: usize, byColumn: bool, factors: usize, maxima: usize): void {
  if (byColumn) {
    for (let j = 0; j < K; j++) store<f32>(at(maxima, j), NEG_INF);
    for (let i = 0; i < K; i++) {
      const tr = rowOf(transitions, i, K);
      let j = 0;
      for (; j + 4 <= K; j += 4) v128.store(at(maxima, j), f32x4.max(v128.load(at(maxima, j)), v128.load(at(tr, j))));
      for (; j < K; j++) store<f32>(at(maxima, j), max(load<f32>(at(maxima, j)), load<f32>(at(tr, j))));
    }
  } else {
    for (let i = 0; i < K; i++) store<f32>(at(maxima, i), maxOf(K, rowOf(transitions, i, K)));
  }
  for (let i = 0; i < K; i++) {
    const tr = rowOf(transitions, i, K);
    const out = rowOf(factors, i, K);
    let j = 0;
    // A maximum of −∞ (a tag with no allowed move) gives NaN, which expZ makes 0.
    if (byColumn) {
      for (; j + 4 <= K; j += 4) v128.store(at(out, j), expZ(f32x4.sub(v128.load(at(tr, j)), v128.load(at(maxima, j)))));
      for (; j < K; j++) store<f32>(at(out, j), expS(load<f32>(at(tr, j)) - load<f32>(at(maxima, j))));
    } else {
      expShifted(K, tr, load<f32>(at(maxima, i)), out);
    }
  }
}

/** logsumexp_i(prev[i] + transitions[i, j]) in log space, for one tag j (−∞ when no path reaches it). */
function exactColumn(K: i32, prev: usize, transitions: usize, j: i32): f32 {
  let m: f32 = NEG_INF;
  for (let i = 0; i < K; i++) {
    const a = load<f32>(at(prev, i));
    if (a != NEG_INF) m = max(m, a + load<f32>(at(rowOf(transitions, i, K), j)));
  }
  if (m == NEG_INF) return NEG_INF;
  let s: f32 = 0;
  for (let i = 0; i < K; i++) {
    const a = load<f32>(at(prev, i));
    if (a != NEG_INF) s += expS(a + load<f32>(at(rowOf(transitions, i, K), j)) - m);
  }
  return m + Mathf.log(s);
}

/**
 * One forward step: out[j] = e[j] + logsumexp_i(prev[i] + transitions[i, j]), as
 * M + c_j + log Σ_i p_i · E[i, j] with p_i = e^(prev[i] − M) (in `p`), E and c from transitionFactors.
 */
function forwardStep(K: i32, prev: usize, transitions: usize, E: usize, c: usize, p: usize, e: usize, out: usize): void {
  const M = maxOf(K, prev);
  if (M == NEG_INF) {
    for (let j = 0; j < K; j++) store<f32>(at(out, j), NEG_INF);
    return;
  }
  expShifted(K, prev, M, p);
  memory.fill(out, 0, <usize>K << 2);
  for (let i = 0; i < K; i++) {
    const pi = load<f32>(at(p, i));
    if (pi == 0) continue;
    const pv = f32x4.splat(pi);
    const row = rowOf(E, i, K);
    let j = 0;
    for (; j + 4 <= K; j += 4) v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), f32x4.mul(pv, v128.load(at(row, j)))));
    for (; j < K; j++) store<f32>(at(out, j), load<f32>(at(out, j)) + pi * load<f32>(at(row, j)));
  }
  for (let j = 0; j < K; j++) {
    const s = load<f32>(at(out, j));
    const sum = s >= SUM_MIN ? M + load<f32>(at(c, j)) + Mathf.log(s) : exactColumn(K, prev, transitions, j);
    store<f32>(at(out, j), load<f32>(at(e, j)) + sum);
  }
}

/** α and logZ of every sequence, and the score of `tags` when given (see the Backend interface). */
export function crfForward(T: i32, B: i32, K: i32, emissions: usize, lengths: usize, tags: usize, start: usize, end: usize,
                           transitions: usize, alpha: usize, logZ: usize, score: usize, work: usize): void {
  const E = work;
  const c = rowOf(work, K, K);
  const p = at(c, K);
  transitionFactors(K, transitions, true, E, c);
  for (let b = 0; b < B; b++) {
    const L = load<i32>(at(lengths, b));
    // α₀(j) = start[j] + e₀(j)
    const a0 = rowOf(alpha, b, K);
    const e0 = rowOf(emissions, b, K);
    for (let j = 0; j < K; j++) store<f32>(at(a0, j), load<f32>(at(start, j)) + load<f32>(at(e0, j)));
    // α_t(j) = e_t(j) + logsumexp_i(α_{t−1}(i) + transitions[i, j])
    for (let t = 1; t < L; t++) {
      forwardStep(K, rowOf(alpha, (t - 1) * B + b, K), transitions, E, c, p, rowOf(emissions, t * B + b, K), rowOf(alpha, t * B + b, K));
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
 * Row i of a backward step in log space (u = e_t + β_t): β_{t−1}(i) = logsumexp_j(transitions[i, j] + u[j]),
 * and dTransitions[i, j] += w·P(y_{t−1} = i, y_t = j) = w·exp(α_{t−1}(i) + transitions[i, j] + u[j] − logZ).
 * With r = max_j(transitions[i, j] + u[j]), one exponential m_j = exp(transitions[i, j] + u[j] − r) serves
 * both: β_{t−1}(i) = r + log Σ_j m_j and P(i, j) = m_j · exp(α_{t−1}(i) + r − logZ).
 */
function exactBackwardRow(K: i32, i: i32, u: usize, transitions: usize, alphaPrev: usize, z: f32, w: f32, betaPrev: usize,
                          dTransitions: usize): void {
  const tr = rowOf(transitions, i, K);
  let mv = f32x4.splat(NEG_INF);
  let j = 0;
  for (; j + 4 <= K; j += 4) mv = f32x4.max(mv, f32x4.add(v128.load(at(tr, j)), v128.load(at(u, j))));
  let r = hmax(mv);
  for (; j < K; j++) r = max(r, load<f32>(at(tr, j)) + load<f32>(at(u, j)));
  if (r == NEG_INF) {
    // Tag i leads nowhere at t − 1: no suffix, no pair.
    store<f32>(at(betaPrev, i), NEG_INF);
    return;
  }
  let c = w * expS(load<f32>(at(alphaPrev, i)) + r - z);
  if (c < FACTOR_MIN) c = 0;
  const rv = f32x4.splat(r);
  const cv = f32x4.splat(c);
  const dt = rowOf(dTransitions, i, K);
  let sv = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= K; j += 4) {
    const m = expZ(f32x4.sub(f32x4.add(v128.load(at(tr, j)), v128.load(at(u, j))), rv));
    sv = f32x4.add(sv, m);
    if (c != 0) v128.store(at(dt, j), f32x4.add(v128.load(at(dt, j)), f32x4.mul(cv, m)));
  }
  let s = hsum(sv);
  for (; j < K; j++) {
    const m = expS(load<f32>(at(tr, j)) + load<f32>(at(u, j)) - r);
    s += m;
    store<f32>(at(dt, j), load<f32>(at(dt, j)) + c * m);
  }
  store<f32>(at(betaPrev, i), r + Mathf.log(s));
}

/**
 * One backward step at t (u = e_t + β_t, held in `u`): β_{t−1}(i) = logsumexp_j(transitions[i, j] + u[j])
 * and the pair marginals P(y_{t−1} = i, y_t = j) into dTransitions (times w), factorised with the row
 * maxima d and factors F of transitionFactors and U = max_j u[j], q_j = e^(u[j] − U) (in `q`):
 *   β_{t−1}(i) = U + d_i + log S_i,  S_i = Σ_j F[i, j] q_j,   P(i, j) = g_i F[i, j] q_j,  g_i = e^(α_{t−1}(i) + d_i + U − logZ).
 * Since Σ_j P(i, j) ≤ 1, g_i ≤ 1/S_i ≤ e^20 when no exact fallback is needed.
 */
function backwardStep(K: i32, u: usize, transitions: usize, F: usize, d: usize, q: usize, alphaPrev: usize, z: f32, w: f32,
                      betaPrev: usize, dTransitions: usize): void {
  const U = maxOf(K, u);
  if (U == NEG_INF) {
    for (let i = 0; i < K; i++) store<f32>(at(betaPrev, i), NEG_INF);
    return;
  }
  expShifted(K, u, U, q);
  for (let i = 0; i < K; i++) {
    const row = rowOf(F, i, K);
    let sv = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= K; j += 4) sv = f32x4.add(sv, f32x4.mul(v128.load(at(row, j)), v128.load(at(q, j))));
    let S = hsum(sv);
    for (; j < K; j++) S += load<f32>(at(row, j)) * load<f32>(at(q, j));
    if (S < SUM_MIN) {
      exactBackwardRow(K, i, u, transitions, alphaPrev, z, w, betaPrev, dTransitions);
      continue;
    }
    const di = load<f32>(at(d, i));
    store<f32>(at(betaPrev, i), U + di + Mathf.log(S));
    const g = expS(load<f32>(at(alphaPrev, i)) + di + U - z);
    if (g == 0) continue;
    // Pair marginals below e^−40 (F q < e^−40 / g) are dropped, which keeps g · F q a normal float.
    const tau = f32x4.splat(TINY / g);
    const gw = f32x4.splat(g * w);
    const dt = rowOf(dTransitions, i, K);
    j = 0;
    for (; j + 4 <= K; j += 4) {
      const x = f32x4.mul(v128.load(at(row, j)), v128.load(at(q, j)));
      const kept = v128.and(x, f32x4.ge(x, tau));
      v128.store(at(dt, j), f32x4.add(v128.load(at(dt, j)), f32x4.mul(gw, kept)));
    }
    for (; j < K; j++) {
      const x = load<f32>(at(row, j)) * load<f32>(at(q, j));
      if (x >= TINY / g) store<f32>(at(dt, j), load<f32>(at(dt, j)) + g * w * x);
    }
  }
}

/** β, and the gradient of Σ_b w_b·(logZ_b − score_b) (see the Backend interface). */
export function crfBackward(T: i32, B: i32, K: i32, emissions: usize, lengths: usize, tags: usize, end: usize,
                            transitions: usize, alpha: usize, logZ: usize, weights: usize, beta: usize, dEmissions: usize,
                            dStart: usize, dEnd: usize, dTransitions: usize, work: usize): void {
  const F = work;
  const d = rowOf(work, K, K);
  const q = at(d, K);
  transitionFactors(K, transitions, false, F, d);
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
      backwardStep(K, u, transitions, F, d, q, rowOf(alpha, (t - 1) * B + b, K), z, w, rowOf(beta, (t - 1) * B + b, K), dTransitions);
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
