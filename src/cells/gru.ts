/**
 * GRU cell, one time step (gate order r, z, n), in its two forms.
 *
 * Reset after the product — PyTorch's, cuDNN's and Keras' `reset_after=True` (ONNX
 * `linear_before_reset = 1`): the reset gate multiplies W_hn h + b_hn.
 *
 *   [x_r, x_z, x_n] = W_ih x_t + b_ih            (one GEMM over all steps)
 *   [h_r, h_z, h_n] = W_hh h_{t−1} + b_hh        (one GEMM per step; b_hh added here)
 *   r = σ(x_r + h_r),  z = σ(x_z + h_z)
 *   n = tanh(x_n + r ⊙ h_n)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * Reset before the product — Cho et al. (2014), Keras' `reset_after=False`, TensorFlow.js,
 * ONNX's default `linear_before_reset = 0`: the reset gate multiplies h_{t−1}.
 *
 *   [a_r, a_z] = W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t−1} + b_h{r,z}
 *   r = σ(a_r),  z = σ(a_z)
 *   n = tanh(W_in x_t + b_in + W_hn (r ⊙ h_{t−1}) + b_hn)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * A step is then two kernels around the product W_hn (r ⊙ h_{t−1}): {@link gruGatesForward}
 * (r, z and r ⊙ h_{t−1}) and {@link gruCandidateForward} (n and h_t); every bias sits
 * outside a product with r, so both biases go into the preactivations before the kernels.
 *
 * Legend: rows active batch rows, H hidden size; gate rows [r | z | n], 3H wide.
 */
import { type FloatArray, sigmoid } from '../tensor/elements.js';

/**
 * Reset-after form. In: `gates` [rows, 3H] = x-part, `hh` [rows, 3H] = W_hh h_{t−1} (no bias), `bhh` [3H].
 * Out: `gates` = r, z, n; `hn` [rows, H] = h_n (kept for backward); h [rows, H]; y (stride ldy).
 */
export function gruCellForward<F extends FloatArray>(
  rows: number,
  H: number,
  gates: F,
  hh: F,
  bhh: F,
  hPrev: F,
  hn: F,
  h: F,
  y: F,
  ldy: number,
): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gates[g0 + j] + hh[g0 + j] + bhh[j]);
      const z = sigmoid(gates[g0 + H + j] + hh[g0 + H + j] + bhh[H + j]);
      const hnj = hh[g0 + 2 * H + j] + bhh[2 * H + j];
      const n = Math.tanh(gates[g0 + 2 * H + j] + r * hnj);
      gates[g0 + j] = r;
      gates[g0 + H + j] = z;
      gates[g0 + 2 * H + j] = n;
      hn[b * H + j] = hnj;
      const ht = (1 - z) * n + z * hPrev[b * H + j];
      h[b * H + j] = ht;
      y[b * ldy + j] = ht;
    }
  }
}

/**
 * Reset-after form, backward through one step. In: r, z, n in `gates`, h_n, h_{t−1}, dy
 * (stride ldy), the carried dh. Out: `gates` = gradients of the x-part preactivations
 * [da_r, da_z, da_n]; `dgh` [rows, 3H] = gradients of the h-part [da_r, da_z, da_n ⊙ r];
 * `dh` = z ⊙ dh_t, the direct part of dh_{t−1} (the caller adds dgh · W_hh).
 */
export function gruCellBackward<F extends FloatArray>(
  rows: number,
  H: number,
  gates: F,
  hn: F,
  hPrev: F,
  dy: F,
  ldy: number,
  dh: F,
  dgh: F,
): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = gates[g0 + j];
      const z = gates[g0 + H + j];
      const n = gates[g0 + 2 * H + j];
      const dht = dy[b * ldy + j] + dh[b * H + j];
      // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
      const dn = dht * (1 - z);
      const dz = dht * (hPrev[b * H + j] - n);
      dh[b * H + j] = dht * z;
      // n = tanh(x_n + r ⊙ h_n)
      const dan = dn * (1 - n * n);
      const dr = dan * hn[b * H + j];
      // r, z = σ(·)
      const dar = dr * r * (1 - r);
      const daz = dz * z * (1 - z);
      gates[g0 + j] = dar;
      gates[g0 + H + j] = daz;
      gates[g0 + 2 * H + j] = dan;
      dgh[g0 + j] = dar;
      dgh[g0 + H + j] = daz;
      dgh[g0 + 2 * H + j] = dan * r;
    }
  }
}

/**
 * Reset-before form, first half of a step. In: `gates` [rows, 3H] with the complete
 * preactivations a_r, a_z in its first 2H columns. Out: r, z there, and `rh` [rows, H] =
 * r ⊙ h_{t−1}, the input of the product W_hn (r ⊙ h_{t−1}) that the caller adds to the n block.
 */
export function gruGatesForward<F extends FloatArray>(rows: number, H: number, gates: F, hPrev: F, rh: F): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gates[g0 + j]);
      gates[g0 + j] = r;
      gates[g0 + H + j] = sigmoid(gates[g0 + H + j]);
      rh[b * H + j] = r * hPrev[b * H + j];
    }
  }
}

/**
 * Reset-before form, second half of a step. In: r, z and the n block's complete
 * preactivation W_in x + b_in + W_hn (r ⊙ h_{t−1}) + b_hn in `gates`. Out: n in its place,
 * h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} in `h` [rows, H] and y (stride ldy).
 */
export function gruCandidateForward<F extends FloatArray>(rows: number, H: number, gates: F, hPrev: F, h: F, y: F, ldy: number): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const z = gates[g0 + H + j];
      const n = Math.tanh(gates[g0 + 2 * H + j]);
      gates[g0 + 2 * H + j] = n;
      const ht = (1 - z) * n + z * hPrev[b * H + j];
      h[b * H + j] = ht;
      y[b * ldy + j] = ht;
    }
  }
}

/**
 * Reset-before form, backward through the second half. In: r, z, n in `gates`, h_{t−1}, dy
 * (stride ldy), the carried dh. Out: da_z and da_n in `gates` (r stays for
 * {@link gruGatesBackward}); `dh` = z ⊙ dh_t, the direct part of dh_{t−1}. The caller then
 * forms d(r ⊙ h_{t−1}) = da_n · W_hn.
 */
export function gruCandidateBackward<F extends FloatArray>(rows: number, H: number, gates: F, hPrev: F, dy: F, ldy: number, dh: F): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const z = gates[g0 + H + j];
      const n = gates[g0 + 2 * H + j];
      const dht = dy[b * ldy + j] + dh[b * H + j];
      // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1};  n = tanh(a_n), z = σ(a_z)
      gates[g0 + H + j] = dht * (hPrev[b * H + j] - n) * z * (1 - z);
      gates[g0 + 2 * H + j] = dht * (1 - z) * (1 - n * n);
      dh[b * H + j] = dht * z;
    }
  }
}

/**
 * Reset-before form, backward through the first half. In: r in `gates`, h_{t−1}, `drh`
 * [rows, H] = d(r ⊙ h_{t−1}) = da_n · W_hn. Out: da_r in `gates`; `dh` += drh ⊙ r. The caller
 * then adds [da_r, da_z] · W_h{r,z} to dh.
 */
export function gruGatesBackward<F extends FloatArray>(rows: number, H: number, gates: F, hPrev: F, drh: F, dh: F): void {
  for (let b = 0; b < rows; b++) {
    const g0 = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = gates[g0 + j];
      const d = drh[b * H + j];
      // rh = r ⊙ h_{t−1};  r = σ(a_r)
      gates[g0 + j] = d * hPrev[b * H + j] * r * (1 - r);
      dh[b * H + j] += d * r;
    }
  }
}
