/**
 * LSTM cell, one time step (seed 001, eq. 1–6; PyTorch's gate order i, f, g, o).
 *
 *   [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh   (GEMMs, before the kernel)
 *   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g
 *   h_t = o ⊙ tanh(c_t)
 *
 * Legend: rows active batch rows, H hidden size; gate rows are [i | f | g | o], 4H wide.
 */
import type { FloatArray } from '../backend/backend.js';
import { sigmoid } from '../backend/reference/elementwise.js';

/**
 * Activates `gates` [rows, 4H] in place (preactivations in, i, f, g, o out) and writes
 * c [rows, H], h [rows, H] and y (row stride ldy).
 */
export function lstmCellForward<F extends FloatArray>(rows: number, H: number, gates: F,
  cPrev: F, c: F, h: F, y: F, ldy: number): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 4 * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[g0 + j]);
      const f = sigmoid(gates[g0 + H + j]);
      const g = Math.tanh(gates[g0 + 2 * H + j]);
      const o = sigmoid(gates[g0 + 3 * H + j]);
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      const ct = f * cPrev[b * H + j] + i * g;
      const ht = o * Math.tanh(ct);
      c[b * H + j] = ct;
      h[b * H + j] = ht;
      y[b * ldy + j] = ht;
    }
  }
}

/**
 * Backward through one step. In: the activations in `gates`, c_{t−1}, c_t, the output
 * gradient dy (stride ldy), the carried dh and dc. Out: `gates` holds the gradients of
 * the preactivations [da_i, da_f, da_g, da_o]; `dc` holds dc_{t−1}.
 */
export function lstmCellBackward<F extends FloatArray>(rows: number, H: number, gates: F,
  cPrev: F, c: F, dy: F, ldy: number, dh: F, dc: F): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 4 * H;
    for (let j = 0; j < H; j++) {
      const i = gates[g0 + j];
      const f = gates[g0 + H + j];
      const g = gates[g0 + 2 * H + j];
      const o = gates[g0 + 3 * H + j];
      const dht = dy[b * ldy + j] + dh[b * H + j];
      const tc = Math.tanh(c[b * H + j]);
      // h_t = o ⊙ tanh(c_t)
      const dO = dht * tc;
      const dct = dc[b * H + j] + dht * o * (1 - tc * tc);
      // c_t = f ⊙ c_{t−1} + i ⊙ g
      const dI = dct * g;
      const dF = dct * cPrev[b * H + j];
      const dG = dct * i;
      dc[b * H + j] = dct * f;
      // i, f, o = σ(a), g = tanh(a)
      gates[g0 + j] = dI * i * (1 - i);
      gates[g0 + H + j] = dF * f * (1 - f);
      gates[g0 + 2 * H + j] = dG * (1 - g * g);
      gates[g0 + 3 * H + j] = dO * o * (1 - o);
    }
  }
}
