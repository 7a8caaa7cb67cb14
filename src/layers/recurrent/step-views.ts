/**
 * Per-step views into the buffers of a recurrent direction (see direction.ts), made once
 * per batch shape so that the time loops allocate nothing.
 *
 * Legend: T steps, B batch rows, H hidden size, S state size (H, or P for a projected LSTM),
 * G gates. Buffers: gates [T, B, G·H], states [T+1, B, S] and cells [T+1, B, H] (the forward
 * direction reads slot t and writes slot t+1, the reverse one reads t+1 and writes t),
 * hn [T, B, H] and dgh [T, B, 3H] (GRU), m [T, B, H] (projected LSTM: o ⊙ tanh(c_t)).
 */
import type { FloatArray } from '../../backend/backend.js';
import type { BatchLayout } from './batch.js';

/** The buffers a direction keeps; those its cell does not use are undefined. */
export interface StepBuffers<F extends FloatArray> {
  gates: F;
  states: F;
  /** LSTM. */
  cells: F | undefined;
  /** GRU: W_hn h + b_hn (reset after) or r ⊙ h_{t−1} (reset before). */
  hn: F | undefined;
  /** GRU with the reset gate after the product: gradients of the recurrent preactivations. */
  dgh: F | undefined;
  /** Projected LSTM: m_t = o ⊙ tanh(c_t), before the projection. */
  m: F | undefined;
}

/** What the views depend on besides the batch shape. */
export interface ViewShape {
  /** Gates per hidden unit. */
  G: number;
  H: number;
  /** State size S: H, or P for a projected LSTM. */
  S: number;
  /** 0 forward, 1 reverse. */
  dir: 0 | 1;
  /** A GRU with the reset gate before the product (its n block is viewed apart). */
  resetBefore: boolean;
}

/** Views of the buffers at each step t (row 0 of the step). */
export interface StepViews<F extends FloatArray> {
  T: number;
  B: number;
  gates: F[];
  hPrev: F[];
  hNext: F[];
  cPrev: F[];
  cNext: F[];
  hn: F[];
  dgh: F[];
  /** The n block of each step's gates (reset-before GRU): row stride G·H. */
  gatesN: F[];
  /** m_t (projected LSTM). */
  m: F[];
}

/** Views at row rowsAt[t] of step t: where the sequences that have ended begin. */
export interface TailViews<F extends FloatArray> {
  gates: F;
  hPrev: F;
  hNext: F;
  cPrev: F | undefined;
  cNext: F | undefined;
  dgh: F | undefined;
  m: F | undefined;
}

/** Where the state before (prev) and after (next) step t sits. */
const slots = (dir: 0 | 1): { prev: (t: number) => number; next: (t: number) => number } => ({
  prev: (t) => (dir === 0 ? t : t + 1),
  next: (t) => (dir === 0 ? t + 1 : t),
});

/** Row 0 of every step in each buffer. */
export function stepViews<F extends FloatArray>(buffers: StepBuffers<F>, shape: ViewShape, T: number, B: number): StepViews<F> {
  const { G, H, S, dir, resetBefore } = shape;
  const GH = G * H;
  const { prev, next } = slots(dir);
  const per = (buffer: F | undefined, rowWidth: number, slot: (t: number) => number, offset = 0): F[] =>
    buffer === undefined ? [] : Array.from({ length: T }, (_, t) => buffer.subarray(slot(t) * B * rowWidth + offset) as F);
  const same = (t: number): number => t;
  return {
    T,
    B,
    gates: per(buffers.gates, GH, same),
    hPrev: per(buffers.states, S, prev),
    hNext: per(buffers.states, S, next),
    cPrev: per(buffers.cells, H, prev),
    cNext: per(buffers.cells, H, next),
    hn: per(buffers.hn, H, same),
    dgh: per(buffers.dgh, GH, same),
    gatesN: resetBefore ? per(buffers.gates, GH, same, 2 * H) : [],
    m: per(buffers.m, H, same),
  };
}

/** A direction's S columns of an output-shaped [T, B, dirs·S] buffer, per step. */
export function outputViews<F extends FloatArray>(buffer: F, S: number, dir: 0 | 1, dirs: number, T: number, B: number): F[] {
  return Array.from({ length: T }, (_, t) => buffer.subarray(t * B * dirs * S + dir * S) as F);
}

/** Views from row rowsAt[t] on, for the steps where some sequences have ended (undefined elsewhere). */
export function tailViews<F extends FloatArray>(
  buffers: StepBuffers<F>,
  shape: ViewShape,
  layout: BatchLayout,
): (TailViews<F> | undefined)[] {
  const { T, B, rowsAt, full } = layout;
  if (full) return [];
  const { G, H, S, dir } = shape;
  const GH = G * H;
  const { prev, next } = slots(dir);
  return Array.from({ length: T }, (_, t) => {
    const rows = rowsAt[t];
    if (rows === B) return undefined;
    const at = (buffer: F | undefined, slot: number, width: number): F | undefined =>
      buffer === undefined ? undefined : (buffer.subarray((slot * B + rows) * width) as F);
    return {
      gates: at(buffers.gates, t, GH)!,
      hPrev: at(buffers.states, prev(t), S)!,
      hNext: at(buffers.states, next(t), S)!,
      cPrev: at(buffers.cells, prev(t), H),
      cNext: at(buffers.cells, next(t), H),
      dgh: at(buffers.dgh, t, GH),
      m: at(buffers.m, t, H),
    };
  });
}
