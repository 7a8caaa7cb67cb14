/**
 * LSTM cell, one time step (Hochreiter & Schmidhuber 1997; PyTorch's gate order i, f, g, o),
 * optionally with peephole connections from the cell state to the gates (Gers & Schmidhuber
 * 2000; ONNX's `P` input).
 *
 *   [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh   (GEMMs, before the kernel)
 *   i = σ(a_i + p_i ⊙ c_{t−1}), f = σ(a_f + p_f ⊙ c_{t−1}), g = tanh(a_g)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g
 *   o = σ(a_o + p_o ⊙ c_t)
 *   h_t = o ⊙ tanh(c_t)
 * Without peepholes p_i = p_f = p_o = 0.
 *
 * Legend: rows active batch rows, H hidden size; gate rows are [i | f | g | o], 4H wide;
 * peepholes [p_i | p_f | p_o], 3H.
 */
import { type FloatArray, sigmoid } from '../tensor/elements.js';

/**
 * Activates `gates` [rows, 4H] in place (preactivations in, i, f, g, o out) and writes
 * c [rows, H], h [rows, H] and y (row stride ldy). `peepholes` [3H], or undefined for none.
 */
export function lstmCellForward<F extends FloatArray>(
  rows: number,
  H: number,
  gates: F,
  cPrev: F,
  c: F,
  h: F,
  y: F,
  ldy: number,
  peepholes?: F,
): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 4 * H;
    for (let j = 0; j < H; j++) {
      const cp = cPrev[b * H + j];
      const pi = peepholes === undefined ? 0 : peepholes[j];
      const pf = peepholes === undefined ? 0 : peepholes[H + j];
      const po = peepholes === undefined ? 0 : peepholes[2 * H + j];
      const i = sigmoid(gates[g0 + j] + pi * cp);
      const f = sigmoid(gates[g0 + H + j] + pf * cp);
      const g = Math.tanh(gates[g0 + 2 * H + j]);
      const ct = f * cp + i * g;
      const o = sigmoid(gates[g0 + 3 * H + j] + po * ct);
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      const ht = o * Math.tanh(ct);
      c[b * H + j] = ct;
      h[b * H + j] = ht;
      y[b * ldy + j] = ht;
    }
  }
}

/**
 * Backward through one step. In: the activations in `gates`, c_{t−1}, c_t, the output
 * gradient dy (stride ldy), the carried dh and dc, the peepholes of the forward. Out:
 * `gates` holds the gradients of the preactivations [da_i, da_f, da_g, da_o]; `dc` holds
 * dc_{t−1}. (The peepholes' own gradients are Σ da_i ⊙ c_{t−1}, Σ da_f ⊙ c_{t−1} and
 * Σ da_o ⊙ c_t over rows and steps; the caller forms them from `gates` afterwards.)
 */
export function lstmCellBackward<F extends FloatArray>(
  rows: number,
  H: number,
  gates: F,
  cPrev: F,
  c: F,
  dy: F,
  ldy: number,
  dh: F,
  dc: F,
  peepholes?: F,
): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 4 * H;
    for (let j = 0; j < H; j++) {
      const i = gates[g0 + j];
      const f = gates[g0 + H + j];
      const g = gates[g0 + 2 * H + j];
      const o = gates[g0 + 3 * H + j];
      const pi = peepholes === undefined ? 0 : peepholes[j];
      const pf = peepholes === undefined ? 0 : peepholes[H + j];
      const po = peepholes === undefined ? 0 : peepholes[2 * H + j];
      const dht = dy[b * ldy + j] + dh[b * H + j];
      const tc = Math.tanh(c[b * H + j]);
      // h_t = o ⊙ tanh(c_t);  o = σ(a_o + p_o ⊙ c_t)
      const daO = dht * tc * o * (1 - o);
      const dct = dc[b * H + j] + dht * o * (1 - tc * tc) + daO * po;
      // c_t = f ⊙ c_{t−1} + i ⊙ g;  i = σ(a_i + p_i ⊙ c_{t−1}), f = σ(a_f + p_f ⊙ c_{t−1}), g = tanh(a_g)
      const daI = dct * g * i * (1 - i);
      const daF = dct * cPrev[b * H + j] * f * (1 - f);
      const daG = dct * i * (1 - g * g);
      dc[b * H + j] = dct * f + daI * pi + daF * pf;
      gates[g0 + j] = daI;
      gates[g0 + H + j] = daF;
      gates[g0 + 2 * H + j] = daG;
      gates[g0 + 3 * H + j] = daO;
    }
  }
}
