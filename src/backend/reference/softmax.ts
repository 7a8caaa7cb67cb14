/** Reference softmax, and softmax cross-entropy, forward and backward, one row per prediction. */
import type { FloatArray } from '../backend.js';

export function softmaxCrossEntropy<F extends FloatArray>(
  rows: number,
  cols: number,
  logits: F,
  targets: Int32Array,
  ignoreIndex: number,
  probs: F,
  losses: F,
): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    const { max, sum } = softmaxRow(cols, logits, probs, row);
    const t = targets[r];
    // −log softmax(x)[t] = log Σⱼ e^(xⱼ − max) − (x_t − max)
    losses[r] = t === ignoreIndex ? 0 : Math.log(sum) - (logits[row + t] - max);
  }
}

export function softmaxCrossEntropyBackward<F extends FloatArray>(
  rows: number,
  cols: number,
  probs: F,
  targets: Int32Array,
  ignoreIndex: number,
  scale: number,
  dlogits: F,
): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    const t = targets[r];
    for (let j = 0; j < cols; j++) {
      // d(−log p_t)/dxⱼ = pⱼ − [j = t]
      dlogits[row + j] = t === ignoreIndex ? 0 : scale * (probs[row + j] - (j === t ? 1 : 0));
    }
  }
}

export function softmax<F extends FloatArray>(rows: number, cols: number, x: F, y: F): void {
  for (let r = 0; r < rows; r++) softmaxRow(cols, x, y, r * cols);
}

// y[row…] = softmax(x[row…]) over `cols` values; returns the max and Σ e^(x − max).
function softmaxRow<F extends FloatArray>(cols: number, x: F, y: F, row: number): { max: number; sum: number } {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) max = Math.max(max, x[row + j]);
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    const e = Math.exp(x[row + j] - max);
    y[row + j] = e;
    sum += e;
  }
  for (let j = 0; j < cols; j++) y[row + j] /= sum;
  return { max, sum };
}

export function softmaxBackward<F extends FloatArray>(rows: number, cols: number, y: F, dy: F, dx: F): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    // dL/dxⱼ = Σᵢ dL/dyᵢ · yᵢ([i = j] − yⱼ) = yⱼ (dyⱼ − Σᵢ yᵢ dyᵢ)
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += y[row + j] * dy[row + j];
    for (let j = 0; j < cols; j++) dx[row + j] = y[row + j] * (dy[row + j] - dot);
  }
}
