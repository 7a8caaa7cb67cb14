/**
 * Conversions between the caller's layout — [T, B, F] or, with batchFirst, [B, T, F];
 * states [K, B, H] in the caller's batch order — and a recurrent stack's internal one
 * (time-major, rows in the order of {@link layoutBatch}).
 */
import type { FloatArray } from '../../backend/backend.js';
import type { BatchLayout } from './batch.js';

/** Offset of the caller's (t, batch item) row in a [T, B, F] or [B, T, F] array, in rows. */
function callerRow(layout: BatchLayout, batchFirst: boolean, t: number, item: number): number {
  return batchFirst ? item * layout.T + t : t * layout.B + item;
}

/** dst (internal [T·B, F]) ← src (caller layout). */
export function toInternal(layout: BatchLayout, batchFirst: boolean, F: number, src: ArrayLike<number>, dst: FloatArray): void {
  const { T, B, order } = layout;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < B; i++) {
      const from = callerRow(layout, batchFirst, t, order[i]) * F;
      const to = (t * B + i) * F;
      for (let j = 0; j < F; j++) dst[to + j] = src[from + j];
    }
  }
}

/** dst (caller layout) ← src (internal [T·B, F]). */
export function fromInternal(layout: BatchLayout, batchFirst: boolean, F: number, src: FloatArray, dst: FloatArray): void {
  const { T, B, order } = layout;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < B; i++) {
      const from = (t * B + i) * F;
      const to = callerRow(layout, batchFirst, t, order[i]) * F;
      for (let j = 0; j < F; j++) dst[to + j] = src[from + j];
    }
  }
}

/** States [K, B, H]: dst (internal order) ← src (caller order). */
export function statesToInternal(layout: BatchLayout, K: number, H: number, src: ArrayLike<number>, dst: FloatArray): void {
  const { B, order } = layout;
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < B; i++) {
      const from = (k * B + order[i]) * H;
      const to = (k * B + i) * H;
      for (let j = 0; j < H; j++) dst[to + j] = src[from + j];
    }
  }
}

/** States [K, B, H]: dst (caller order) ← src (internal order). */
export function statesFromInternal(layout: BatchLayout, K: number, H: number, src: FloatArray, dst: FloatArray): void {
  const { B, order } = layout;
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < B; i++) {
      const from = (k * B + i) * H;
      const to = (k * B + order[i]) * H;
      for (let j = 0; j < H; j++) dst[to + j] = src[from + j];
    }
  }
}
