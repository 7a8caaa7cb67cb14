/**
 * How the wasm backend shares one kernel call between threads: the plan of a split (how
 * many parts, along which dimension, how large each) decided from the call's size, and the
 * argument lists of the parts of a row-wise cell kernel. Every part writes its own block of
 * the output, so the result does not depend on the split.
 *
 * Legend: a product C[m, n] = op(A)[m, k] · op(B)[k, n]; a cell step over `rows` rows of H
 * hidden units.
 */

/** Multiply-adds below which a product is not split across threads. */
export const MIN_PARALLEL_WORK = 1 << 17;
/** Split points are multiples of the micro-tile (4 rows, 8 columns), so no thread gets partial tiles. */
export const ROW_ALIGN = 4;
export const COLUMN_ALIGN = 8;
/** Hidden units (rows × H) below which a cell kernel is not split across threads. */
export const MIN_PARALLEL_UNITS = 2048;

/** What a plan decided: `parts` blocks of `chunk` columns (or rows) out of `extent`, the last one possibly shorter. */
export interface Split {
  /** Blocks, one per thread that takes part (1: the calling thread alone). */
  parts: number;
  /** Whether the blocks are column blocks (else row blocks). */
  columns: boolean;
  /** The columns (or rows) that are split. */
  extent: number;
  /** Columns (or rows) per block. */
  chunk: number;
}

/** Block t of a split: its first column (or row) and its size. */
export function block(split: Split, t: number): { start: number; size: number } {
  const start = t * split.chunk;
  return { start, size: Math.max(0, Math.min(split.chunk, split.extent - start)) };
}

/**
 * A product's split over `threads` threads: by columns, or by rows when C is taller than
 * wide, in blocks of whole micro-tiles; one block when the product has fewer than
 * {@link MIN_PARALLEL_WORK} multiply-adds per extra thread.
 */
export function plan(threads: number, m: number, n: number, k: number): Split {
  const parts = Math.min(threads, Math.floor((m * n * k) / MIN_PARALLEL_WORK));
  const columns = n >= m;
  const extent = columns ? n : m;
  return aligned(parts, columns, extent, columns ? COLUMN_ALIGN : ROW_ALIGN);
}

/**
 * A fused LSTM step's split (product with W_hh and gate math together) over `threads`
 * threads: its H hidden units in whole micro-panels of {@link COLUMN_ALIGN}, when the step's
 * product (rows · 4H · H multiply-adds) is large enough.
 */
export function planUnits(threads: number, rows: number, H: number): Split {
  const parts = Math.min(threads, Math.floor((rows * 4 * H * H) / MIN_PARALLEL_WORK), Math.ceil(H / COLUMN_ALIGN));
  return aligned(parts, true, H, COLUMN_ALIGN);
}

/** A row-wise cell kernel's split over `threads` threads: its rows, when rows × H reaches {@link MIN_PARALLEL_UNITS}. */
export function planRows(threads: number, rows: number, H: number): Split {
  const parts = rows * H < MIN_PARALLEL_UNITS ? 1 : Math.min(threads, rows);
  const chunk = Math.ceil(rows / parts);
  return { parts, columns: false, extent: rows, chunk };
}

function aligned(parts: number, columns: boolean, extent: number, unit: number): Split {
  if (parts <= 1) return { parts: 1, columns, extent, chunk: extent };
  const chunk = Math.ceil(extent / parts / unit) * unit;
  return { parts: Math.ceil(extent / chunk), columns, extent, chunk };
}

/**
 * The row-wise cell kernels and their arguments, for splitting rows between threads:
 * ROWS is the row count, a positive number k a pointer to rows of k·H floats, LDY a
 * pointer to rows of `ldy` floats, KEEP an argument every part shares.
 */
const ROWS = 0;
const KEEP = -2;
const LDY = -1;

/** The kernels whose rows are independent, so that {@link splitCellArguments} can share them out. */
export type CellKernel =
  | 'rnnCellForward'
  | 'rnnCellBackward'
  | 'lstmCellForward'
  | 'lstmCellBackward'
  | 'gruCellForward'
  | 'gruCellBackward'
  | 'gruGatesForward'
  | 'gruCandidateForward'
  | 'gruCandidateBackward'
  | 'gruGatesBackward';

const CELL_ARGUMENTS: Record<CellKernel, readonly number[]> = {
  rnnCellForward: [KEEP, ROWS, KEEP, 1, 1, LDY, KEEP], // relu, rows, H, pre, h, y, ldy
  rnnCellBackward: [KEEP, ROWS, KEEP, 1, LDY, KEEP, 1, 1], // relu, rows, H, h, dy, ldy, dh, da
  lstmCellForward: [ROWS, KEEP, 4, 1, 1, 1, LDY, KEEP, KEEP], // rows, H, gates, cPrev, c, h, y, ldy, peepholes
  lstmCellBackward: [ROWS, KEEP, 4, 1, 1, LDY, KEEP, 1, 1, KEEP], // rows, H, gates, cPrev, c, dy, ldy, dh, dc, peepholes
  gruCellForward: [ROWS, KEEP, 3, 3, KEEP, 1, 1, 1, LDY, KEEP], // rows, H, gates, hh, bhh, hPrev, hn, h, y, ldy
  gruCellBackward: [ROWS, KEEP, 3, 1, 1, LDY, KEEP, 1, 3], // rows, H, gates, hn, hPrev, dy, ldy, dh, dgh
  gruGatesForward: [ROWS, KEEP, 3, 1, 1], // rows, H, gates, hPrev, rh
  gruCandidateForward: [ROWS, KEEP, 3, 1, 1, LDY, KEEP], // rows, H, gates, hPrev, h, y, ldy
  gruCandidateBackward: [ROWS, KEEP, 3, 1, LDY, KEEP, 1], // rows, H, gates, hPrev, dy, ldy, dh
  gruGatesBackward: [ROWS, KEEP, 3, 1, 1, 1], // rows, H, gates, hPrev, drh, dh
};

/**
 * Writes the argument lists of the parts of a cell kernel call into out[0 … parts − 1], from
 * the whole call's list `out[0]` (pointers are byte offsets, advanced to each part's first row).
 */
export function splitCellArguments(fn: CellKernel, split: Split, H: number, ldy: number, out: number[][]): void {
  const whole = out[0];
  const layout = CELL_ARGUMENTS[fn];
  // The last part first, so that part 0 (the whole call's list) is rewritten last.
  for (let t = split.parts - 1; t >= 0; t--) {
    const { start, size } = block(split, t);
    const part = out[t];
    for (let i = 0; i < layout.length; i++) {
      const kind = layout[i];
      const value = whole[i];
      part[i] = kind === KEEP ? value : kind === ROWS ? size : value + 4 * start * (kind === LDY ? ldy : kind * H);
    }
  }
}
