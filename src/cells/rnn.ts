/**
 * Elman RNN cell, one time step (reference kernels; the wasm ones mirror them).
 *
 *   a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh      (computed by GEMMs before the kernel)
 *   h_t = act(a_t),  act = tanh or relu
 *
 * Legend: rows active batch rows, H hidden size. `y` is the layer output at this step,
 * a strided view (row stride ldy) into [T, B, dirs·H].
 */
import type { FloatArray, RnnNonlinearity } from '../tensor/elements.js';

/** h = act(a); y rows = h. `pre` [rows, H], `h` [rows, H]. */
export function rnnCellForward<F extends FloatArray>(
  kind: RnnNonlinearity,
  rows: number,
  H: number,
  pre: F,
  h: F,
  y: F,
  ldy: number,
): void {
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < H; j++) {
      const a = pre[b * H + j];
      const v = kind === 'tanh' ? Math.tanh(a) : a > 0 ? a : 0;
      h[b * H + j] = v;
      y[b * ldy + j] = v;
    }
  }
}

/**
 * da = (dy + dh) · act′, with act′ through the output: tanh′ = 1 − h², relu′ = [h > 0].
 * `dh` [rows, H] is the gradient carried from step t+1; `da` [rows, H] may alias the preactivations.
 */
export function rnnCellBackward<F extends FloatArray>(
  kind: RnnNonlinearity,
  rows: number,
  H: number,
  h: F,
  dy: F,
  ldy: number,
  dh: F,
  da: F,
): void {
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < H; j++) {
      const v = h[b * H + j];
      // forward: h = act(a)
      const slope = kind === 'tanh' ? 1 - v * v : v > 0 ? 1 : 0;
      da[b * H + j] = (dy[b * ldy + j] + dh[b * H + j]) * slope;
    }
  }
}
