// Whole LSTM time steps for one thread's slice of hidden units: the recurrent product and
// the fused cell kernel in one call, so that threads meet once per step instead of twice.
//
// Legend: rows active batch rows, H hidden size, [u0, u1) the slice of hidden units
// (multiples of 8, as the gemm micro-panels); gates rows are 4H wide (i, f, g, o).
// A thread's units need only its own columns of the product (forward: the four gate
// columns of each unit; backward: dh's columns of the units), so no other thread's
// output is read before the step ends.

import { gemmPacked, gemmPackedGates } from './gemm';
import { lstmBackwardUnits, lstmForwardUnits } from './cells';

/**
 * Forward step t on units [u0, u1): gates += hPrev · W_hhᵀ (packedWhhT: W_hhᵀ [H, 4H] packed
 * by packB), then lstmCellForward on those units. `work` is the thread's gemm workspace.
 */
export function lstmStepForward(rows: i32, H: i32, u0: i32, u1: i32, hPrev: usize, packedWhhT: usize, gates: usize,
                                cPrev: usize, c: usize, h: usize, y: usize, ldy: i32, work: usize): void {
  gemmPackedGates(rows, H, hPrev, H, packedWhhT, 1, gates, 4 * H, work, 4, H, u0, u1);
  lstmForwardUnits(rows, H, u0, u1, gates, cPrev, c, h, y, ldy);
}

/**
 * Backward across one step boundary on units [u0, u1): dh = da_t · W_hh (packedWhh: W_hh
 * [4H, H] packed by packB; da_t [rows, 4H] the gate gradients of step t), then, when cellRows
 * is positive, lstmCellBackward of the step before (its gates, cPrev, c, dy), which reads that
 * dh and carries dc.
 */
export function lstmStepBackward(rows: i32, H: i32, u0: i32, u1: i32, da: usize, packedWhh: usize, dh: usize,
                                 work: usize, cellRows: i32, gates: usize, cPrev: usize, c: usize, dy: usize,
                                 ldy: i32, dc: usize): void {
  gemmPacked(false, rows, H, 4 * H, 1, da, 4 * H, packedWhh, 0, dh, H, work, u0, u1);
  lstmBackwardUnits(cellRows, H, u0, u1, gates, cPrev, c, dy, ldy, dh, dc);
}
