/** Reference elementwise kernels: vector arithmetic, bias, column sums, activations. */
import { type Activation, type FloatArray, sigmoid } from '../../tensor/elements.js';

export function fill<F extends FloatArray>(n: number, value: number, x: F): void {
  for (let i = 0; i < n; i++) x[i] = value;
}

export function copy<F extends FloatArray>(n: number, x: F, y: F): void {
  for (let i = 0; i < n; i++) y[i] = x[i];
}

export function axpy<F extends FloatArray>(n: number, alpha: number, x: F, y: F): void {
  for (let i = 0; i < n; i++) y[i] = y[i] + alpha * x[i];
}

export function scale<F extends FloatArray>(n: number, alpha: number, x: F): void {
  for (let i = 0; i < n; i++) x[i] = alpha * x[i];
}

export function addBias<F extends FloatArray>(rows: number, cols: number, bias: F, c: F, ldc: number): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) c[i * ldc + j] = c[i * ldc + j] + bias[j];
  }
}

export function columnSums<F extends FloatArray>(rows: number, cols: number, x: F, ldx: number, beta: number, out: F): void {
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += x[i * ldx + j];
    out[j] = beta === 0 ? sum : beta * out[j] + sum;
  }
}

export function columnProductSums<F extends FloatArray>(
  rows: number,
  cols: number,
  x: F,
  ldx: number,
  y: F,
  ldy: number,
  beta: number,
  out: F,
): void {
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += x[i * ldx + j] * y[i * ldy + j];
    out[j] = beta === 0 ? sum : beta * out[j] + sum;
  }
}

export function activate<F extends FloatArray>(kind: Activation, n: number, x: F, y: F): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = kind === 'sigmoid' ? sigmoid(v) : kind === 'tanh' ? Math.tanh(v) : v > 0 ? v : 0;
  }
}

export function activateBackward<F extends FloatArray>(kind: Activation, n: number, y: F, dy: F, dx: F): void {
  for (let i = 0; i < n; i++) {
    const out = y[i];
    // sigmoid′ = y(1 − y), tanh′ = 1 − y², relu′ = [y > 0]
    const slope = kind === 'sigmoid' ? out * (1 - out) : kind === 'tanh' ? 1 - out * out : out > 0 ? 1 : 0;
    dx[i] = dy[i] * slope;
  }
}

export function mul<F extends FloatArray>(n: number, x: F, y: F, out: F): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
}

export function clamp<F extends FloatArray>(n: number, lo: number, hi: number, x: F): void {
  for (let i = 0; i < n; i++) x[i] = Math.min(Math.max(x[i], lo), hi);
}

export function sumSquares<F extends FloatArray>(n: number, x: F): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i] * x[i];
  return sum;
}

export function gatherRows<F extends FloatArray>(count: number, indices: Int32Array, table: F, cols: number, out: F): void {
  for (let r = 0; r < count; r++) {
    const from = indices[r] * cols;
    for (let j = 0; j < cols; j++) out[r * cols + j] = table[from + j];
  }
}

export function scatterAddRows<F extends FloatArray>(count: number, indices: Int32Array, src: F, cols: number, table: F): void {
  for (let r = 0; r < count; r++) {
    const to = indices[r] * cols;
    for (let j = 0; j < cols; j++) table[to + j] += src[r * cols + j];
  }
}
