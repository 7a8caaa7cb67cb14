/**
 * Connectionist temporal classification (Graves et al. 2006), as
 * `torch.nn.CTCLoss` applied to `log_softmax(logits)`, with the log-softmax fused in.
 *
 * For one item with scores over T frames and target l = l₁…l_L, the extended label
 * sequence l′ = (blank, l₁, blank, l₂, …, l_L, blank) has S = 2L + 1 states. In log space,
 *   α_t(s) = lp_t(l′_s) + logsumexp(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) if l′_s ≠ blank and l′_s ≠ l′_{s−2}),
 *   β_t(s) = lp_t(l′_s) + logsumexp(β_{t+1}(s), β_{t+1}(s+1), β_{t+1}(s+2) under the same rule),
 * the loss is −log p(l | x) = −logsumexp(α_{T−1}(S−1), α_{T−1}(S−2)), and the gradient
 * with respect to the unnormalised scores is
 *   ∂loss/∂logit_t(c) = softmax_t(c) − exp(logsumexp_{s: l′_s = c}(α_t(s) + β_t(s)) − lp_t(c) + loss).
 * Frames past an item's input length get zero gradient. An impossible alignment (too few
 * frames for the target) has an infinite loss and NaN gradients, as in PyTorch, unless
 * `zeroInfinity` sets both to zero.
 *
 * Legend: T frames, B batch items, C classes (blank included), L target length.
 */
import { ShapeError, UsageError } from '../errors.js';
import { logAdd, logSoftmaxRow } from '../tensor/log-space.js';
import { assertFinite, assertFloatTensor, type FloatTensor, formatShape } from '../tensor/tensor.js';
import type { Reduction } from './cross-entropy.js';

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions {
  /** Class index of the blank. @default 0 */
  blank?: number;
  /**
   * `mean`: each item's loss divided by its target length (at least 1), then averaged over
   * the batch (PyTorch's definition); `sum`; `none`: one loss per item. @default 'mean'
   */
  reduction?: Reduction;
  /** Replace infinite losses (impossible alignments) and their gradients by zero. @default false */
  zeroInfinity?: boolean;
}

/** What {@link ctcLoss} returns: the loss (a number, or one per item with `none`) and d loss / d logits. */
export interface CtcLossResult<F extends Float32Array | Float64Array = Float32Array> {
  loss: number | number[];
  /** `[T, B, C]`, same element type as the logits. */
  grad: FloatTensor<F>;
}

/**
 * CTC loss of unnormalised scores `logits` `[T, B, C]` against label lists `targets`
 * (one per item, no blanks), using the first `inputLengths[b]` frames of item b.
 * Float64Array scores give a float64 gradient (for gradient checks).
 * @throws ShapeError on inconsistent shapes or lengths; UsageError on a bad option or label; NonFiniteError on non-finite scores.
 */
export function ctcLoss<F extends Float32Array | Float64Array = Float32Array>(
  logits: FloatTensor<F>,
  targets: readonly (readonly number[])[],
  inputLengths: readonly number[],
  targetLengths: readonly number[],
  options: CtcLossOptions = {},
): CtcLossResult<F> {
  const { blank = 0, reduction = 'mean', zeroInfinity = false } = options;
  assertFloatTensor(logits, 'ctcLoss: logits');
  if (logits.shape.length !== 3) throw new ShapeError(`ctcLoss: logits must be [T, B, C], got ${formatShape(logits.shape)}`);
  const [T, B, C] = logits.shape as [number, number, number];
  assertFinite(logits.data, 'ctcLoss: logits');
  if (!Number.isInteger(blank) || blank < 0 || blank >= C)
    throw new UsageError(`ctcLoss: blank must be a class index in [0, ${C}), got ${blank}`);
  if (!['mean', 'sum', 'none'].includes(reduction))
    throw new UsageError(`ctcLoss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  checkLengths(targets, inputLengths, targetLengths, T, B, C, blank);

  const data = (logits.data instanceof Float64Array ? new Float64Array(T * B * C) : new Float32Array(T * B * C)) as F;
  const grad: FloatTensor<F> = { shape: [T, B, C], data };
  const losses: number[] = [];
  for (let b = 0; b < B; b++) {
    const scale = reduction === 'mean' ? 1 / (Math.max(targets[b].length, 1) * B) : 1;
    let loss = itemLoss(logits.data, grad.data, B, C, b, inputLengths[b], targets[b], blank, scale);
    if (loss === Infinity && zeroInfinity) {
      loss = 0;
      for (let t = 0; t < T; t++) grad.data.fill(0, (t * B + b) * C, (t * B + b + 1) * C);
    }
    losses.push(loss);
  }
  if (reduction === 'none') return { loss: losses, grad };
  const total =
    reduction === 'mean'
      ? losses.reduce((sum, loss, b) => sum + loss / Math.max(targets[b].length, 1), 0) / B
      : losses.reduce((sum, loss) => sum + loss, 0);
  return { loss: total, grad };
}

/** −log p(target | frames 0…T_b−1 of item b); writes `scale` · its gradient into `grad` (zeros elsewhere). */
function itemLoss(
  logits: ArrayLike<number>,
  grad: Float32Array | Float64Array,
  B: number,
  C: number,
  b: number,
  Tb: number,
  target: readonly number[],
  blank: number,
  scale: number,
): number {
  const L = target.length;
  const S = 2 * L + 1;
  if (Tb === 0) return L === 0 ? 0 : Infinity;
  const label = (s: number): number => (s % 2 === 0 ? blank : target[(s - 1) >> 1]);
  // May state s also come from s − 2 (skipping a blank)?
  const skip = (s: number): boolean => s >= 2 && s % 2 === 1 && label(s) !== label(s - 2);

  const lp = new Float64Array(Tb * C);
  for (let t = 0; t < Tb; t++) logSoftmaxRow(logits, (t * B + b) * C, C, lp, t * C);

  const alpha = new Float64Array(Tb * S).fill(-Infinity);
  alpha[0] = lp[blank];
  if (S > 1) alpha[1] = lp[label(1)];
  for (let t = 1; t < Tb; t++) {
    for (let s = 0; s < S; s++) {
      const prev = (t - 1) * S;
      let a = alpha[prev + s];
      if (s >= 1) a = logAdd(a, alpha[prev + s - 1]);
      if (skip(s)) a = logAdd(a, alpha[prev + s - 2]);
      alpha[t * S + s] = a + lp[t * C + label(s)];
    }
  }
  const last = (Tb - 1) * S;
  const logLikelihood = S > 1 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  const loss = -logLikelihood;

  const beta = new Float64Array(Tb * S).fill(-Infinity);
  beta[last + S - 1] = lp[(Tb - 1) * C + label(S - 1)];
  if (S > 1) beta[last + S - 2] = lp[(Tb - 1) * C + label(S - 2)];
  for (let t = Tb - 2; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      const next = (t + 1) * S;
      let v = beta[next + s];
      if (s + 1 < S) v = logAdd(v, beta[next + s + 1]);
      if (s + 2 < S && skip(s + 2)) v = logAdd(v, beta[next + s + 2]);
      beta[t * S + s] = v + lp[t * C + label(s)];
    }
  }

  // Per frame: logsumexp over the states of each class of α + β, then the gradient.
  const occupancy = new Float64Array(C);
  for (let t = 0; t < Tb; t++) {
    occupancy.fill(-Infinity);
    for (let s = 0; s < S; s++) {
      const c = label(s);
      occupancy[c] = logAdd(occupancy[c], alpha[t * S + s] + beta[t * S + s]);
    }
    const row = (t * B + b) * C;
    for (let c = 0; c < C; c++) {
      const l = lp[t * C + c];
      grad[row + c] = scale * (Math.exp(l) - Math.exp(occupancy[c] - l + loss));
    }
  }
  return loss;
}

function checkLengths(
  targets: readonly (readonly number[])[],
  inputLengths: readonly number[],
  targetLengths: readonly number[],
  T: number,
  B: number,
  C: number,
  blank: number,
): void {
  for (const [what, list] of [
    ['targets', targets],
    ['inputLengths', inputLengths],
    ['targetLengths', targetLengths],
  ] as const) {
    if (!Array.isArray(list) || list.length !== B) {
      throw new ShapeError(
        `ctcLoss: ${what} must have one entry per batch item (${B}), got ${Array.isArray(list) ? list.length : typeof list}`,
      );
    }
  }
  for (let b = 0; b < B; b++) {
    const n = inputLengths[b];
    if (!Number.isInteger(n) || n < 0 || n > T)
      throw new ShapeError(`ctcLoss: inputLengths[${b}] must be an integer in [0, ${T}], got ${n}`);
    const target = targets[b];
    if (!Array.isArray(target)) throw new ShapeError(`ctcLoss: targets[${b}] must be an array of labels`);
    if (targetLengths[b] !== target.length) {
      throw new ShapeError(`ctcLoss: targetLengths[${b}] is ${targetLengths[b]} but targets[${b}] has ${target.length} labels`);
    }
    target.forEach((label, i) => {
      if (!Number.isInteger(label) || label < 0 || label >= C || label === blank) {
        throw new UsageError(`ctcLoss: targets[${b}][${i}] must be a class in [0, ${C}) other than the blank ${blank}, got ${label}`);
      }
    });
  }
}
