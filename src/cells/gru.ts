/**
 * GRU cell, one time step (seed 002; PyTorch's / cuDNN's form, gate order r, z, n, with
 * the reset gate applied to W_hn h + b_hn).
 *
 *   [x_r, x_z, x_n] = W_ih x_t + b_ih            (one GEMM over all steps)
 *   [h_r, h_z, h_n] = W_hh h_{t−1} + b_hh        (one GEMM per step; b_hh added here)
 *   r = σ(x_r + h_r),  z = σ(x_z + h_z)
 *   n = tanh(x_n + r ⊙ h_n)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * Legend: rows active batch rows, H hidden size; gate rows [r | z | n], 3H wide.
 */
import type { FloatArray } from '../backend/backend.js';
import { sigmoid } from '../backend/reference/elementwise.js';

/**
 * In: `gates` [rows, 3H] = x-part, `hh` [rows, 3H] = W_hh h_{t−1} (no bias), `bhh` [3H].
 * Out: `gates` = r, z, n; `hn` [rows, H] = h_n (kept for backward); h [rows, H]; y (stride ldy).
 */
export function gruCellForward<F extends FloatArray>(rows: number, H: number, gates: F, hh: F, bhh: F,
  hPrev: F, hn: F, h: F, y: F, ldy: number): void {
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
 * Backward through one step. In: r, z, n in `gates`, h_n, h_{t−1}, dy (stride ldy), the
 * carried dh. Out: `gates` = gradients of the x-part preactivations [da_r, da_z, da_n];
 * `dgh` [rows, 3H] = gradients of the h-part [da_r, da_z, da_n ⊙ r]; `dh` = z ⊙ dh_t,
 * the direct part of dh_{t−1} (the caller adds dgh · W_hh).
 */
export function gruCellBackward<F extends FloatArray>(rows: number, H: number, gates: F, hn: F, hPrev: F,
  dy: F, ldy: number, dh: F, dgh: F): void {
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
