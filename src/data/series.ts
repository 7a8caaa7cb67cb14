/**
 * Time series as supervised examples for forecasting: sliding windows of W past values,
 * each with the value `horizon` steps after the window as its target.
 */
import { UsageError } from '../errors.js';
import type { Sequence } from './sequences.js';

/** One forecasting example: a window of W steps (one feature each) and the value to predict. */
export interface WindowExample {
  frames: Sequence;
  target: number[];
  /** Index in the series of the target value. */
  at: number;
}

/**
 * Windows over `series`: for every t with W ≤ t − horizon + 1 … t < n, the window
 * series[t − horizon − W + 1 … t − horizon] and the target series[t].
 * @example slidingWindows([1, 2, 3, 4, 5], 2, 1) // windows [1,2]→3, [2,3]→4, [3,4]→5
 * @throws UsageError on a window or horizon that is not a positive integer, or a series too short for one example.
 */
export function slidingWindows(series: ArrayLike<number>, window: number, horizon = 1): WindowExample[] {
  for (const [name, v] of [
    ['window', window],
    ['horizon', horizon],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`slidingWindows: ${name} must be a positive integer, got ${v}`);
  }
  const first = window + horizon - 1;
  if (series.length <= first) {
    throw new UsageError(`slidingWindows: ${series.length} values are too few for a window of ${window} and horizon ${horizon}`);
  }
  const out: WindowExample[] = [];
  for (let t = first; t < series.length; t++) {
    const start = t - horizon - window + 1;
    const data = Float32Array.from({ length: window }, (_, i) => series[start + i]);
    out.push({ frames: { steps: window, data }, target: [series[t]], at: t });
  }
  return out;
}
