/**
 * Pooling over the real steps of padded sequences (N→1 models): the mean or the maximum
 * of each feature over a sequence's steps 0 … length−1; padding never takes part.
 *
 * Legend: T steps, B sequences, F features; x is time-major [T, B, F], out is [B, F].
 */
import { ShapeError } from '../errors.js';

/** How a sequence becomes one vector. */
export type Pooling = 'mean' | 'max';

type Floats = Float32Array | Float64Array;

/** out[b] = mean or max over t < lengths[b] of x[t, b]. */
export function poolForward(kind: Pooling, T: number, B: number, F: number, x: Floats, lengths: readonly number[], out: Floats): void {
  checkLengths(lengths, T, B);
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    for (let f = 0; f < F; f++) {
      let acc = kind === 'mean' ? 0 : -Infinity;
      for (let t = 0; t < n; t++) {
        const v = x[(t * B + b) * F + f];
        acc = kind === 'mean' ? acc + v : Math.max(acc, v);
      }
      out[b * F + f] = kind === 'mean' ? acc / n : acc;
    }
  }
}

/**
 * dx = d out / d x · dOut: for `mean`, dOut / length at every real step; for `max`, dOut at
 * the first step holding the maximum. dx is overwritten (zero at padding).
 */
export function poolBackward(
  kind: Pooling,
  T: number,
  B: number,
  F: number,
  x: Floats,
  lengths: readonly number[],
  dOut: Floats,
  dx: Floats,
): void {
  checkLengths(lengths, T, B);
  dx.fill(0);
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    for (let f = 0; f < F; f++) {
      const g = dOut[b * F + f];
      if (kind === 'mean') {
        for (let t = 0; t < n; t++) dx[(t * B + b) * F + f] = g / n;
      } else {
        let best = 0;
        for (let t = 1; t < n; t++) if (x[(t * B + b) * F + f] > x[(best * B + b) * F + f]) best = t;
        dx[(best * B + b) * F + f] = g;
      }
    }
  }
}

function checkLengths(lengths: readonly number[], T: number, B: number): void {
  if (lengths.length !== B) throw new ShapeError(`pooling: ${lengths.length} lengths for ${B} sequences`);
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > T) throw new ShapeError(`pooling: lengths[${b}] must be an integer in [1, ${T}], got ${n}`);
  });
}
